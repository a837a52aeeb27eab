import assert from "node:assert/strict";
import { test } from "node:test";
import { backtest, parseHoldout } from "../../src/predict/backtest.js";
import { compareLaws } from "../../src/predict/compare.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { kaplan } from "../../src/fit/laws/kaplan.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { epochData } from "../_epoch.js";
import { synthesize } from "../_synthetic.js";

test("parseHoldout reads C:0.125 and rejects anything else", () => {
  assert.deepEqual(parseHoldout("C:0.125"), { by: "C", fraction: 0.125 });
  assert.deepEqual(parseHoldout("N:0.25"), { by: "N", fraction: 0.25 });
  assert.throws(() => parseHoldout("X:0.5"), /invalid holdout: X:0.5/);
  assert.throws(() => parseHoldout("C:2"), /invalid holdout: C:2/);
});

test("backtest on noiseless synthetic data predicts the held-out large runs exactly", () => {
  const truth = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const data = synthesize(chinchilla, truth, { n: 150, seed: 5 });
  const { holdout, fit } = backtest(
    chinchilla,
    data,
    { by: "C", fraction: 0.125 },
    { intervals: "covariance" },
  );
  assert.ok(holdout.points > 0 && holdout.trainPoints + holdout.points === 150);
  assert.ok(holdout.maxAbsRelError < 1e-6, `max error ${holdout.maxAbsRelError}`);
  assert.equal(fit.points, holdout.trainPoints);
});

test("backtest on Epoch's data: chinchilla predicts the largest-compute runs within a few percent", () => {
  const { holdout } = backtest(
    chinchilla,
    epochData(),
    { by: "C", fraction: 0.125 },
    { intervals: "covariance" },
  );
  // Measured: 16 runs held out, mean |error| 0.97 %, max 2.9 %.
  assert.equal(holdout.points, 16);
  assert.ok(holdout.meanAbsRelError < 0.02, `mean ${holdout.meanAbsRelError}`);
  assert.ok(holdout.insideInterval !== null && holdout.insideInterval >= 0.5);
});

test("compareLaws ranks chinchilla above kaplan and a power law in N on Epoch's data (held-out error and AIC)", () => {
  const rows = compareLaws([powerLaw("N"), kaplan, chinchilla], epochData(), {
    intervals: "covariance",
    holdout: { by: "C", fraction: 0.125 },
  });
  assert.deepEqual(
    rows.map((r) => r.law),
    ["chinchilla", "kaplan", "power"],
  );
  assert.equal(rows[0]!.deltaAic, 0);
  assert.ok(rows[0]!.akaikeWeight > 0.99);
  assert.ok(rows.every((r, i) => i === 0 || r.holdout!.meanAbsRelError > rows[0]!.holdout!.meanAbsRelError));
});

test("compareLaws sets Approach 2 (isoflop) and 3 (chinchilla) side by side under one objective", async () => {
  const { loadObservations } = await import("../../src/data/loadObservations.js");
  const { resolveLaw } = await import("../../src/fit/laws/index.js");
  const isoflop = await resolveLaw("isoflop", {});
  const chinchilla = await resolveLaw("chinchilla", {});
  // data/fixtures/isoflop-chinchilla.csv: 7 budgets × 9 sizes from Hoffmann et al.'s law, 0.2 % noise.
  const { observations } = loadObservations("data/fixtures/isoflop-chinchilla.csv", {
    name: "both",
    inputs: ["C", "N", "D"],
  });
  const rows = compareLaws([isoflop, chinchilla], observations, { intervals: "none", compute: 1e23 });
  assert.deepEqual(rows.map((r) => r.law).sort(), ["chinchilla", "isoflop"]);
  // The truth at 1e23 (Hoffmann et al.'s constants, closed form): N* = 1.4e10; both approaches within 5 %.
  const truth = { G: ((0.34 * 406.4) / (0.28 * 410.7)) ** (1 / (0.34 + 0.28)) };
  const Nstar = truth.G * (1e23 / 6) ** (0.28 / 0.62);
  for (const r of rows) {
    const a = r.allocation as { N: number; D: number };
    assert.ok(Math.abs(a.N / Nstar - 1) < 0.05, `${r.law}: N* ${a.N} vs ${Nstar}`);
    assert.ok(Math.abs((6 * a.N * a.D) / 1e23 - 1) < 1e-9);
  }
  // One objective for both (isoflop's own default is least squares on the loss).
  assert.equal(rows[0]!.points, rows[1]!.points);
  // Laws that pick their own points cannot be ranked beside others.
  const hparams = await resolveLaw("hparams", {});
  const grid = {
    inputs: {
      N: Float64Array.from({ length: 12 }, (_, i) => (i < 6 ? 1e8 : 1e9)),
      D: Float64Array.from({ length: 12 }, (_, i) => (i % 6 < 3 ? 1e9 : 1e10) * (i < 6 ? 1 : 2)),
      lr: Float64Array.from({ length: 12 }, (_, i) => 1e-3 * 2 ** (i % 3)),
      B: Float64Array.from({ length: 12 }, (_, i) => 1e5 * 2 ** ((i + 1) % 2)),
    },
    loss: Float64Array.from({ length: 12 }, (_, i) => 3 + 0.01 * ((i % 3) - 1) ** 2 + 0.001 * i),
  };
  const inN = await resolveLaw("power", { x: "N" });
  assert.throws(
    () => compareLaws([inN, hparams], grid, { intervals: "none" }),
    /the laws were fitted to different points \(power 12, hparams \d+\)/,
  );
});

test("backtest on Epoch's data as the README tour runs it judges the coverage too low and calibrates it", () => {
  // `scalefit fit --law chinchilla --data data/chinchilla/epoch.csv --drop-highest 5 --holdout C:0.125`: the
  // default 1000 bootstrap refits (seed 1), 95 % intervals.
  const { holdout } = backtest(chinchilla, epochData(), { by: "C", fraction: 0.125 });
  // Measured: 12 of 16 inside; P(X ≤ 12 | 16, 0.95) = 0.0070039 (exact sum, test/predict/binomialCdf.test.ts).
  assert.equal(holdout.points, 16);
  assert.equal(holdout.insideInterval, 0.75);
  assert.ok(Math.abs(holdout.coveragePValue! - 0.0070039076562072936) < 1e-12);
  assert.deepEqual(
    holdout.warnings.map((w) => w.code),
    ["coverage"],
  );
  assert.match(
    holdout.warnings[0]!.message,
    /^only 75 % of the 16 held-out points fall inside their 95 % prediction intervals \(one-sided binomial p = 0\.007\): .* widen them ×2\.15$/,
  );
  // Measured: factor 2.1485 (the largest of 16 scores: ⌈17 · 0.95⌉ = 17 > 16), after which all 16 are inside.
  const c = holdout.calibration;
  assert.ok(c.factor !== null && c.factor > 1, `factor ${c.factor}`);
  assert.ok(Math.abs(c.factor - 2.1485) < 1e-3, `factor ${c.factor}`);
  assert.ok(c.insideAfter >= holdout.level);
  assert.equal(c.rank, 16);
  assert.equal(c.guarantee, 16 / 17);
});

test("backtest without draws reports no coverage, no calibration and no warning", () => {
  const { holdout } = backtest(chinchilla, epochData(), { by: "C", fraction: 0.125 }, { intervals: "none" });
  assert.equal(holdout.insideInterval, null);
  assert.equal(holdout.coveragePValue, null);
  assert.deepEqual(holdout.calibration, {
    factor: null,
    insideAfter: null,
    reason: "no prediction intervals (the fit has no parameter draws)",
  });
  assert.deepEqual(holdout.warnings, []);
});
