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
