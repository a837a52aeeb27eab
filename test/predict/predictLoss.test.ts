import assert from "node:assert/strict";
import { test } from "node:test";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { computeOptimal } from "../../src/predict/computeOptimal.js";
import { frontier } from "../../src/predict/frontier.js";
import { predictLoss } from "../../src/predict/predictLoss.js";
import { kaplan } from "../../src/fit/laws/kaplan.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { epochData } from "../_epoch.js";

const fit = fitLaw(chinchilla, epochData(), { bootstrap: 200, seed: 1 });

test("predictLoss(fit, 70B on 1.4T) gives the law's value, an interval around it, and a wider new-run interval", () => {
  const [p] = predictLoss(fit, [{ N: 70e9, D: 1.4e12 }]);
  assert.equal(p!.loss, chinchilla.predict(fit.params, { N: 70e9, D: 1.4e12 }));
  // Epoch's fit implies about 1.97 at Chinchilla's size (E 1.817 + A/N^α + B/D^β)
  assert.ok(Math.abs(p!.loss - 1.9734) < 0.001);
  const [lo, hi] = p!.interval!;
  assert.ok(lo < p!.loss && p!.loss < hi && hi - lo < 0.1);
  const [plo, phi] = p!.predictionInterval;
  assert.ok(plo <= lo && phi >= hi, "a new run scatters more than the law");
  // data reach N = 1.618e10 and D = 3.18e11: 70B and 1.4T are 0.64 decades beyond
  assert.ok(Math.abs(p!.extrapolation.N! - Math.log10(70e9 / 16179690000)) < 0.01);
  assert.deepEqual(
    p!.warnings.map((w) => w.code),
    ["extrapolation", "extrapolation"],
  );
  const [inside] = predictLoss(fit, [{ N: 1e9, D: 2e10 }]);
  assert.deepEqual(inside!.warnings, []);
});

test("computeOptimal(fit, C) keeps 6 N* D* = C for every budget, and its intervals bracket the point estimate", () => {
  for (const C of [1e21, 5.76e23, 1e25]) {
    const a = computeOptimal(fit, C);
    assert.equal(a.method, "closed-form");
    assert.ok(Math.abs((6 * a.N * a.D) / C - 1) < 1e-12);
    for (const key of ["N", "D", "loss", "tokensPerParameter"] as const) {
      const [lo, hi] = a.intervals![key]!;
      const value = key === "tokensPerParameter" ? a.tokensPerParameter : a[key];
      assert.ok(lo <= value && value <= hi, `${key} at ${C}`);
    }
  }
  // Epoch: about 18 tokens per parameter at 5.76e23 FLOP (N_opt ≈ 7.2e10, D_opt ≈ 1.33e12)
  const chinchillaBudget = computeOptimal(fit, 5.76e23);
  assert.ok(Math.abs(chinchillaBudget.tokensPerParameter - 18) < 1);
  assert.ok(Math.abs(chinchillaBudget.N / 7.2e10 - 1) < 0.05);
});

test("computeOptimal of a law without a closed form uses the frontier, and the frontier matches brute force", () => {
  const kaplanFit = fitLaw(kaplan, epochData(), { intervals: "covariance" });
  const a = computeOptimal(kaplanFit, 1e23);
  assert.equal(a.method, "frontier");
  // brute force: a fine sweep of N at fixed C
  let best = { N: 0, loss: Infinity };
  for (let k = 0; k <= 20000; k++) {
    const N = 10 ** (6 + (8 * k) / 20000);
    const loss = kaplan.predict(kaplanFit.params, { N, D: 1e23 / (6 * N) });
    if (loss < best.loss) best = { N, loss };
  }
  assert.ok(Math.abs(a.N / best.N - 1) < 1e-3, `${a.N} vs ${best.N}`);
  assert.ok(a.loss <= best.loss + 1e-12);
  assert.ok(Math.abs(frontier(kaplan, kaplanFit.params, 1e23).N / a.N - 1) < 1e-12);
});

test("computeOptimal refuses a law that is not in N and D", () => {
  const powerFit = fitLaw(powerLaw("N"), epochData(), { intervals: "none" });
  assert.throws(
    () => computeOptimal(powerFit, 1e23),
    /optimize --compute needs a law in N and D; law power has inputs N/,
  );
});

test("predictLoss(fit, points, {widen}) widens the prediction interval in log space around the prediction", () => {
  const at = { N: 70e9, D: 1.4e12 };
  const [plain] = predictLoss(fit, [at]);
  // 2.15: the calibration factor of the README's backtest (test/predict/backtest.test.ts).
  const [wide] = predictLoss(fit, [at], { widen: 2.15 });
  assert.deepEqual(wide!.interval, plain!.interval);
  const [lo, hi] = plain!.predictionInterval;
  const [wlo, whi] = wide!.predictionInterval;
  assert.ok(Math.abs(Math.log(wlo / plain!.loss) - 2.15 * Math.log(lo / plain!.loss)) < 1e-12);
  assert.ok(Math.abs(Math.log(whi / plain!.loss) - 2.15 * Math.log(hi / plain!.loss)) < 1e-12);
  assert.throws(() => predictLoss(fit, [at], { widen: 0 }), /^RangeError: invalid widen: 0$/);
});
