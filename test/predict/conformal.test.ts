import assert from "node:assert/strict";
import { test } from "node:test";
import { conformalQuantile, intervalScore, widenInterval } from "../../src/predict/conformal.js";
import { judgeCoverage, type Calibration } from "../../src/predict/coverage.js";

/**
 * Five held-out points predicted at 1 with the interval [e^−0.1, e^0.2] (log half-widths 0.1 below, 0.2 above),
 * observed at log distances d from the prediction; their scores by hand, |d| / (half-width on d's side):
 * d = 0.1 → 0.5, −0.15 → 1.5, 0.4 → 2, −0.3 → 3, 0.04 → 0.2.
 */
const distances = [0.1, -0.15, 0.4, -0.3, 0.04];
const handScores = [0.5, 1.5, 2, 3, 0.2];
const heldOut = distances.map((d) => ({
  observed: Math.exp(d),
  loss: 1,
  predictionInterval: [Math.exp(-0.1), Math.exp(0.2)] as [number, number],
}));

/** A calibration equal to `expected`, its factor to 1e-12 (the scores are ratios of logarithms). */
function assertCalibration(actual: Calibration, expected: Calibration & { factor: number }) {
  assert.ok(actual.factor !== null && Math.abs(actual.factor - expected.factor) < 1e-12, `${actual.factor}`);
  assert.deepEqual({ ...actual, factor: expected.factor }, expected);
}

test("intervalScore(observed, predicted, interval) measures the distance in half-widths on the observation's side", () => {
  heldOut.forEach((p, i) =>
    assert.ok(Math.abs(intervalScore(p.observed, p.loss, p.predictionInterval) - handScores[i]!) < 1e-12),
  );
  assert.equal(intervalScore(1, 1, [0.9, 1.1]), 0);
  // An interval that does not reach past the prediction on the observation's side: no widening covers it.
  assert.equal(intervalScore(1.2, 1, [0.9, 1]), Infinity);
});

test("conformalQuantile(scores, level) is the ⌈(m + 1)·level⌉-th smallest, the largest when m is too small", () => {
  // m = 5, level 0.5: rank ⌈3⌉ = 3 of the sorted [0.2, 0.5, 1.5, 2, 3] → 1.5, promising 3/6.
  assert.deepEqual(conformalQuantile(handScores, 0.5), { factor: 1.5, rank: 3, guarantee: 0.5 });
  // level 0.9: ⌈5.4⌉ = 6 > 5, so the largest, 3, promising only 5/6.
  assert.deepEqual(conformalQuantile(handScores, 0.9), { factor: 3, rank: 5, guarantee: 5 / 6 });
  // m = 19 at 0.95: (m + 1)·level is 19 up to rounding, rank 19, the full 95 %.
  const nineteen = conformalQuantile(
    Array.from({ length: 19 }, (_, i) => i),
    0.95,
  );
  assert.equal(nineteen.rank, 19);
  assert.ok(Math.abs(nineteen.guarantee - 0.95) < 1e-12);
  assert.ok(Number.isNaN(conformalQuantile([], 0.95).factor));
});

test("widenInterval(predicted, interval, factor) multiplies each end's log distance from the prediction", () => {
  const [lo, hi] = widenInterval(1, [Math.exp(-0.1), Math.exp(0.2)], 3);
  assert.ok(Math.abs(Math.log(lo) + 0.3) < 1e-12 && Math.abs(Math.log(hi) - 0.6) < 1e-12);
  // Widened by the largest score, every hand-made point is inside (the point that sets it on the edge).
  for (const p of heldOut) {
    const [a, b] = widenInterval(p.loss, p.predictionInterval, 3 * (1 + 1e-12));
    assert.ok(p.observed >= a && p.observed <= b);
  }
});

test("judgeCoverage(points, level) on the hand-made points: the binomial test, the factor and the warning", () => {
  const judged = judgeCoverage(heldOut, 0.9);
  // 2 of 5 inside (scores 0.5 and 0.2); P(X ≤ 2 | 5, 0.9) = 0.1^5 + 5·0.9·0.1^4 + 10·0.9²·0.1³ = 0.00856.
  assert.equal(judged.insideInterval, 0.4);
  assert.ok(Math.abs(judged.coveragePValue - 0.00856) < 1e-12);
  assertCalibration(judged.calibration, { factor: 3, insideAfter: 1, rank: 5, guarantee: 5 / 6 });
  assert.deepEqual(judged.warnings, [
    {
      code: "coverage",
      message:
        "only 40 % of the 5 held-out points fall inside their 90 % prediction intervals (one-sided binomial p = 0.0086): the intervals are too narrow for this extrapolation; calibrated intervals widen them ×3",
    },
  ]);
  // At level 0.5 the factor is the 3rd score, 1.5, and 3 of 5 are inside after; P(X ≤ 2 | 5, 0.5) = 16/32: no warning.
  const half = judgeCoverage(heldOut, 0.5);
  assert.equal(half.coveragePValue, 0.5);
  assertCalibration(half.calibration, { factor: 1.5, insideAfter: 0.6, rank: 3, guarantee: 0.5 });
  assert.deepEqual(half.warnings, []);
});

test("judgeCoverage reports a factor below 1 without shrinking, and none for fewer than 5 points", () => {
  // Every point well inside: scores 0.1 … 0.5; level 0.5 picks the 3rd, 0.3; all inside after (widened by 1).
  const inside = [0.1, 0.2, 0.3, 0.4, 0.5].map((s) => ({
    observed: Math.exp(0.1 * s),
    loss: 1,
    predictionInterval: [Math.exp(-0.1), Math.exp(0.1)] as [number, number],
  }));
  const judged = judgeCoverage(inside, 0.5);
  assert.ok(judged.calibration.factor !== null && Math.abs(judged.calibration.factor - 0.3) < 1e-12);
  assert.equal(judged.calibration.insideAfter, 1);
  // Four points: 1 inside at 90 % (P(X ≤ 1 | 4, 0.9) = 0.0037) warns, but no factor is estimated.
  const few = judgeCoverage(heldOut.slice(1, 5), 0.9);
  assert.deepEqual(few.calibration, {
    factor: null,
    insideAfter: null,
    reason: "4 held-out points are too few to estimate it (5 needed)",
  });
  assert.match(
    few.warnings[0]!.message,
    /only 25 % of the 4 held-out points .*; no calibrated intervals: 4 held-out points are too few to estimate it \(5 needed\)$/,
  );
});
