import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { epochData, epochIntervals, scipyObjective } from "../_epoch.js";
import { synthesize } from "../_synthetic.js";

const data = epochData();

test("fitLaw(chinchilla, Epoch's 240 points) lands inside Epoch's 95 % intervals with an objective no higher than SciPy's", () => {
  const fit = fitLaw(chinchilla, data, { bootstrap: 1000, seed: 1 });
  assert.equal(fit.points, 240);
  assert.ok(fit.converged, fit.message);
  // SciPy L-BFGS-B over Hoffmann's 4500-start grid: 1.0182740178034107e-3 (shared/anchors)
  assert.ok(fit.objective <= scipyObjective, `objective ${fit.objective}`);
  for (const [name, [lo, hi]] of Object.entries(epochIntervals)) {
    const value = fit.params[name]!;
    assert.ok(value >= lo && value <= hi, `${name} = ${value} outside Epoch's [${lo}, ${hi}]`);
  }
  // Our bootstrap intervals overlap Epoch's substantially (both resample the 240 runs).
  for (const [name, [lo, hi]] of Object.entries(epochIntervals)) {
    const [ourLo, ourHi] = fit.intervals[name]!;
    const overlap = Math.min(hi, ourHi) - Math.max(lo, ourLo);
    assert.ok(overlap > 0.6 * (hi - lo), `${name}: ours [${ourLo}, ${ourHi}] vs Epoch [${lo}, ${hi}]`);
  }
  // Epoch: compute-optimal exponent a = 0.513 (delta method on their MLE); ours from the same draws
  assert.ok(Math.abs(fit.derived.a!.value - 0.513) < 0.003);
  assert.ok(fit.derived.a!.interval![0] < 0.513 && fit.derived.a!.interval![1] > 0.513);
  assert.deepEqual(
    fit.warnings.map((w) => w.code),
    ["correlation", "correlation"],
  );
});

test("fitLaw is deterministic: the same seed gives the same intervals", () => {
  const a = fitLaw(chinchilla, data, { bootstrap: 50, seed: 7 });
  const b = fitLaw(chinchilla, data, { bootstrap: 50, seed: 7 });
  assert.deepEqual(a.intervals, b.intervals);
  const c = fitLaw(chinchilla, data, { bootstrap: 50, seed: 8 });
  assert.notDeepEqual(a.intervals, c.intervals);
});

test("fitLaw with fix holds a parameter: Kaplan's pure power law is power with E = 0", () => {
  const law = powerLaw("N");
  const truth = { E: 0, A: 12, alpha: 0.076 };
  const synthetic = synthesize(law, { ...truth, E: 0 }, { n: 60, seed: 3 });
  const fit = fitLaw(law, synthetic, { fix: { E: 0 }, intervals: "covariance" });
  assert.equal(fit.params.E, 0);
  assert.equal(fit.freeParams, 2);
  assert.ok(Math.abs(fit.params.alpha! - 0.076) < 1e-8);
  assert.ok(fit.variables.find((v) => v.name === "E")!.fixed);
});

test("fitLaw warns when a parameter ends on its bound and when points are few", () => {
  // A decreasing law fitted to increasing losses: alpha is pushed to its lower bound 0.
  const increasing = {
    inputs: { N: Float64Array.of(1e8, 1e9, 1e10, 1e11) },
    loss: Float64Array.of(2, 2.1, 2.2, 2.3),
  };
  const fit = fitLaw(powerLaw("N"), increasing, { intervals: "none" });
  const codes = fit.warnings.map((w) => w.code);
  assert.ok(codes.includes("few-points"), codes.join());
  assert.ok(codes.includes("at-bound") || codes.includes("not-identified"), codes.join());
});

test("fitLaw says when the data cannot identify the parameters: A and B of a law with N = D", () => {
  // With N and D equal at every point, (A, alpha) and (B, beta) are interchangeable.
  const N = Float64Array.from({ length: 40 }, (_, i) => 1e8 * 1.2 ** i);
  const loss = N.map((n) => 1.7 + 400 / n ** 0.3 + 400 / n ** 0.3);
  const fit = fitLaw(chinchilla, { inputs: { N, D: N }, loss }, { intervals: "covariance" });
  const codes = fit.warnings.map((w) => w.code);
  assert.ok(
    codes.includes("not-identified") || codes.includes("condition") || codes.includes("correlation"),
    codes.join(),
  );
});

test("fitLaw refuses bad options and data with a UserError naming them", () => {
  const bad: [object, RegExp][] = [
    [{ loss: "cauchyy" }, /invalid loss: cauchyy/],
    [{ delta: -1 }, /invalid delta: -1/],
    [{ level: 1.5 }, /invalid level: 1.5/],
    [{ fix: { gamma: 1 } }, /unknown parameter gamma in fix: law chinchilla has E, A, B, alpha, beta/],
    [{ params: { alpha: { min: 1, max: 1 } } }, /parameter alpha has min == max/],
    [{ bootstrap: 5 }, /at least 20 refits/],
    [{ profile: ["E"], fix: { E: 1.7 } }, /cannot profile E: it is fixed/],
  ];
  for (const [options, message] of bad) {
    assert.throws(
      () => fitLaw(chinchilla, data, options),
      (e: unknown) => e instanceof UserError && message.test(e.message),
    );
  }
  const onlyN = { inputs: { N: data.inputs.N! }, loss: data.loss };
  assert.throws(() => fitLaw(chinchilla, onlyN), /law chinchilla needs input D; the data have N/);
  const three = {
    inputs: { N: Float64Array.of(1e8, 1e9, 1e10), D: Float64Array.of(1e9, 1e10, 1e11) },
    loss: Float64Array.of(3, 2.5, 2.2),
  };
  assert.throws(
    () => fitLaw(chinchilla, three),
    /fewer points than free parameters: 3 points, 5 free parameters/,
  );
  const nan = {
    inputs: { N: Float64Array.of(1e8, 1e9), D: Float64Array.of(1e9, 1e10) },
    loss: Float64Array.of(3, NaN),
  };
  assert.throws(
    () => fitLaw(powerLaw("N"), nan),
    /observation 2: loss = NaN is not a positive finite number/,
  );
});
