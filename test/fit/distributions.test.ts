import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chiSquare1Quantile,
  normalQuantile,
  percentileInterval,
  quantileSorted,
  studentQuantile,
} from "../../src/fit/distributions.js";

test("normalQuantile(p) matches Python's statistics.NormalDist().inv_cdf (also AS 241) to 1e-15", () => {
  // Reference values printed by Python 3.11: statistics.NormalDist().inv_cdf(p)
  const reference: [number, number][] = [
    [1e-300, -37.0470962993612],
    [1e-10, -6.361340902404056],
    [0.001, -3.090232306167813],
    [0.025, -1.9599639845400538],
    [0.3, -0.5244005127080407],
    [0.5, 0],
    [0.975, 1.9599639845400536],
    [0.995, 2.5758293035489],
  ];
  for (const [p, z] of reference)
    assert.ok(Math.abs(normalQuantile(p) - z) <= 1e-15 * Math.max(1, Math.abs(z)), `p = ${p}`);
  assert.equal(normalQuantile(0), -Infinity);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
});

test("chiSquare1Quantile(0.95) is 3.841458820694124 (R: qchisq(0.95, 1))", () => {
  assert.ok(Math.abs(chiSquare1Quantile(0.95) - 3.841458820694124) < 1e-12);
});

test("quantileSorted interpolates like numpy.percentile (type 7)", () => {
  // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90]) = [1, 1.75, 2.5, 3.7]
  assert.deepEqual(
    [0, 0.25, 0.5, 0.9].map((p) => Number(quantileSorted([1, 2, 3, 4], p).toFixed(12))),
    [1, 1.75, 2.5, 3.7],
  );
  assert.deepEqual(percentileInterval([5, 1, NaN, 3, 2, 4], 0.5), [2, 4]);
});

test("studentQuantile matches the closed forms at 1 and 2 degrees of freedom and R's qt elsewhere", () => {
  // dof 1 (Cauchy): tan(π(p − ½)); dof 2: (2p − 1)/√(2p(1 − p)).
  for (const p of [0.6, 0.9, 0.975, 0.995]) {
    const cauchy = Math.tan(Math.PI * (p - 0.5));
    const two = (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
    assert.ok(Math.abs(studentQuantile(p, 1) / cauchy - 1) < 1e-12, `dof 1, p ${p}`);
    assert.ok(Math.abs(studentQuantile(p, 2) / two - 1) < 1e-12, `dof 2, p ${p}`);
  }
  // R 4.3: qt(0.975, 8) = 2.306004, qt(0.995, 30) = 2.749996, qt(0.025, 5) = -2.570582.
  assert.ok(Math.abs(studentQuantile(0.975, 8) - 2.306004) < 1e-6);
  assert.ok(Math.abs(studentQuantile(0.995, 30) - 2.749996) < 1e-6);
  assert.ok(Math.abs(studentQuantile(0.025, 5) + 2.570582) < 1e-6);
  assert.equal(studentQuantile(0.975, Infinity), normalQuantile(0.975));
});
