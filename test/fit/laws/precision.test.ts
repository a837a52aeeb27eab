/**
 * precision (Kumar et al. 2024, "Scaling Laws for Precision", arXiv 2411.04330): analytic gradient, recovery
 * of known parameters from seeded synthetic runs, the paper's qualitative results from its published
 * constants (Appendix K, Table 2), and the refusals of bad bits and bad questions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Observations } from "../../../src/dataTypes.js";
import { isUserError } from "../../../src/errors.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import type { FitResult } from "../../../src/types.js";
import { precision } from "../../../src/fit/laws/precision.js";
import {
  precisionAllocation,
  precisionQuestions,
  predictPrecision,
  type PrecisionAllocation,
} from "../../../src/fit/laws/precisionAnswers.js";
import {
  effectiveFraction,
  optimalTrainingPrecision,
  precisionParamNames,
  precisionTerms,
  publishedPrecisionConstants,
  publishedPrecisionParams,
} from "../../../src/fit/laws/precisionTerms.js";
import { randomSource } from "../../../src/random.js";
import { checkGradient } from "../../_lawChecks.js";

const relative = (a: number, b: number) => Math.abs(a / b - 1);
const inputs = ["N", "D", "Pw", "Pa", "Pkv", "Ppost"] as const;
type Point = Record<(typeof inputs)[number], number>;
const run = (N: number, D: number, Pw: number, Pa: number, Pkv: number, Ppost = 16): Point => ({
  N,
  D,
  Pw,
  Pa,
  Pkv,
  Ppost,
});

/**
 * Known parameters: Table 2's constants, and robustification rates C_w = 1 (the value §5 takes "for
 * illustrative purposes"), C_a = 0.8, C_kv = 1.5 (test values: Table 2 has none).
 */
const truth = { ...publishedPrecisionParams, C_w: 1, C_a: 0.8, C_kv: 1.5 };

/**
 * The paper's sweep (§2.3: N ∈ {30, 60, 110, 220}M, D ∈ {1.5, 3, 6, 13, 26}B), per (N, D): BF16, weights,
 * activations, KV cache and all three swept alone below 16 bits (activations and KV cache from 4 bits: runs
 * at 3 "are not numerically stable", Appendix L), BF16 post-train quantised to 3–6 bits, and low-precision
 * runs quantised 1–3 bits below their training precision: 45 runs, 900 in all.
 */
function sweep(): Point[] {
  const points: Point[] = [];
  for (const N of [3e7, 6e7, 1.1e8, 2.2e8])
    for (const D of [1.5e9, 3e9, 6e9, 1.3e10, 2.6e10]) {
      points.push(run(N, D, 16, 16, 16));
      for (const P of [3, 4, 5, 6, 8, 10, 12]) points.push(run(N, D, P, 16, 16));
      for (const P of [4, 5, 6, 8, 10, 12]) points.push(run(N, D, 16, P, 16), run(N, D, 16, 16, P));
      for (const P of [4, 6, 8]) points.push(run(N, D, P, P, P));
      for (const Ppost of [3, 4, 5, 6]) points.push(run(N, D, 16, 16, 16, Ppost));
      for (const Ppost of [3, 4]) {
        for (const P of [5, 6, 8]) points.push(run(N, D, P, 16, 16, Ppost));
        for (const P of [5, 6]) points.push(run(N, D, 16, P, 16, Ppost), run(N, D, 16, 16, P, Ppost));
        for (const P of [5, 6]) points.push(run(N, D, P, P, P, Ppost));
      }
    }
  return points;
}

/** The sweep's losses from `truth`, times e^(noise·z), z standard normal from a seeded source. */
function synthetic(noise: number, seed = 11): Observations {
  const points = sweep();
  const random = randomSource(seed);
  return {
    inputs: Object.fromEntries(inputs.map((name) => [name, Float64Array.from(points, (x) => x[name])])),
    loss: Float64Array.from(points, (x) => precision.predict(truth, x) * Math.exp(noise * random.normal())),
    run: points.map((_, i) => `run${i}`),
  };
}

/**
 * Central differences of the law in each parameter, step h = 1e-5·max(|v|, 0.01): truncation error ~h²
 * (relative 1e-10) and rounding ~ε·L/h (~1e-10 absolute for L ≈ 4), so analytic and numeric must agree to
 * 1e-6 relative or 1e-9 absolute. (test/_lawChecks.ts's checkGradient, with h = 1e-6·|v| and a 1e-14·L/|v|
 * floor, cannot resolve derivatives as small as d/d gamma_kv at Pkv = 16, ~5e-6.)
 */
function checkCentralDifferences(p: Record<string, number>, points: readonly Point[]): void {
  for (const x of points) {
    const g = precision.gradient!(p, x);
    precision.params.forEach(({ name }, j) => {
      const v = p[name]!;
      const h = 1e-5 * Math.max(Math.abs(v), 0.01);
      const numeric =
        (precision.predict({ ...p, [name]: v + h }, x) - precision.predict({ ...p, [name]: v - h }, x)) /
        (2 * h);
      assert.ok(
        Math.abs(g[j]! - numeric) <= 1e-6 * Math.abs(numeric) + 1e-9,
        `d/d${name} at ${JSON.stringify(x)}: analytic ${g[j]} vs numeric ${numeric}`,
      );
    });
  }
}

test("precision: the analytic gradient matches central differences (no PTQ, PTQ of BF16, PTQ of low-precision runs)", () => {
  assert.deepEqual(
    precision.params.map((p) => p.name),
    [...precisionParamNames],
  );
  const points = [
    run(3e7, 2.6e10, 16, 16, 16),
    run(2.2e8, 1.5e9, 5, 8, 6),
    run(1e8, 6e9, 16, 16, 16, 4),
    run(6e7, 1.3e10, 6, 5, 8, 3),
    run(4e8, 4e10, 8, 16, 5, 4),
  ];
  checkCentralDifferences(truth, points);
  // Where no derivative is tiny, the repository's shared check (relative 1e-6, h = 1e-6·|v|) agrees too.
  checkGradient(precision, truth, [points[1]!, points[3]!]);
  // Below the bits a part's factor covers (activations: n_a·γ_a = 3.11 bits in Table 2) there is no N_eff.
  assert.ok(Number.isNaN(precision.predict(truth, run(1e8, 1e9, 16, 3, 16))));
});

/** The noiseless fit, shared by the tests that need one (each fit of 900 runs takes ~2.5 s here). */
let exactFit: FitResult | undefined;
const exact = () => (exactFit ??= fitLaw(precision, synthetic(0), { intervals: "covariance" }));

test("fitLaw(precision) recovers all 18 known parameters from noiseless runs, and within tolerance from noisy ones", () => {
  for (const [name, value] of Object.entries(truth))
    assert.ok(relative(exact().params[name]!, value) < 1e-5, `${name} ${exact().params[name]} vs ${value}`);
  // 0.2 % multiplicative noise: σ = 0.002 in log loss, the scale of seed-to-seed noise of such runs
  // (Ghorbani et al. 2021 report σ ≈ 0.003 in log-perplexity; docs/laws.md#encdec).
  const noisy = fitLaw(precision, synthetic(0.002), { intervals: "covariance" });
  // Tolerances from the spread measured over noise seeds 11, 12, 13 (largest errors 11 %, 13 %, 22 %): the
  // scales A, B, C_T trade off against the exponents (r > 0.99, flagged), and the KV cache's constants rest
  // on its 4–5-bit runs alone (it saturates by 6 bits), so 25 % for every parameter; the exponents the
  // sweeps pin down directly within 5 % (largest measured error 2.9 %).
  for (const [name, value] of Object.entries(truth)) {
    const tight = ["E", "alpha", "beta", "gamma_a", "n_a", "gamma_D", "gamma_N", "gamma_post"].includes(name);
    const error = relative(noisy.params[name]!, value);
    assert.ok(error < (tight ? 0.05 : 0.25), `${name} ${noisy.params[name]} vs ${value}`);
  }
  assert.ok(noisy.warnings.some((w) => w.code === "correlation"));
  // The covariance intervals (95 %) cover 16, 18 and 14 of the 18 parameters at seeds 11, 12, 13.
  const covered = Object.entries(truth).filter(([name, value]) => {
    const [lo, hi] = noisy.intervals[name]!;
    return lo <= value && value <= hi;
  });
  assert.ok(covered.length >= 14, `covered ${covered.map(([n]) => n).join(", ")}`);
  // P* depends only on the six N_eff constants: within 0.05 bits (measured errors 0.032, 0.006, 0.002).
  assert.ok(Math.abs(noisy.derived.Pstar!.value - optimalTrainingPrecision(truth)) < 0.05);
});

test("Table 2's constants give the compute-optimal training precision of §4.3.2: 7.0 bits, whatever the budget", () => {
  // Kumar et al. §4.3.2 and Finding 3: "7-8 bits are compute-optimal"; measured here 7.0021.
  const Pstar = optimalTrainingPrecision(publishedPrecisionParams);
  assert.ok(Pstar >= 7 && Pstar <= 8, `P* ${Pstar}`);
  assert.ok(Math.abs(Pstar - 7.0021) < 1e-3);
  for (const C of [1e19, 1e21, 1e23, 1e25]) {
    const a = precisionAllocation(undefined, { C });
    assert.equal(a.method, "published");
    assert.ok(Math.abs(a.P - Pstar) < 1e-9, `P at C = ${C}: ${a.P}`);
    // Eq. 5's budget: C = (6/16)·N·D·P.
    assert.ok(relative((6 / 16) * a.N * a.D * a.P, C) < 1e-9);
    // The closed form is the brute-force optimum over N and P at this budget.
    for (const P of [4, 5, 6, 7, 8, 10, 12, 16])
      for (let k = -20; k <= 20; k++) {
        const N = a.N * 10 ** (k / 10);
        const D = (16 * C) / (6 * N * P);
        const loss = precision.predict(publishedPrecisionParams, run(N, D, P, P, P));
        assert.ok(loss >= a.loss - 1e-12, `N ${N}, P ${P} beats the optimum at C = ${C}`);
      }
  }
  // §4.3.2: below 4 bits "model sizes [must] become disproportionately (more than 4x) larger": N/N_eff = 5.24.
  assert.ok(1 / effectiveFraction(publishedPrecisionParams, { Pw: 4, Pa: 4, Pkv: 4 }) > 4);
});

test("Table 2's constants: N_eff falls as bits fall, activations most sensitive; lower P at fixed C wants larger N (§4.3.1)", () => {
  const p = publishedPrecisionParams;
  const part = (name: "Pw" | "Pa" | "Pkv", P: number) =>
    effectiveFraction(p, { Pw: 16, Pa: 16, Pkv: 16, [name]: P }) /
    effectiveFraction(p, { Pw: 16, Pa: 16, Pkv: 16 });
  for (const name of ["Pw", "Pa", "Pkv"] as const)
    for (let P = 4; P < 16; P++) assert.ok(part(name, P) < part(name, P + 1), `${name} at ${P} bits`);
  // Appendix I: "activations are generally more sensitive than weights".
  for (const P of [4, 5, 6, 8, 10]) assert.ok(part("Pa", P) < part("Pw", P), `${P} bits`);
  // Eq. 6: at a fixed budget (here 1e21 FLOPs), training in fewer bits means more parameters, fewer tokens.
  const sizes = Array.from({ length: 4001 }, (_, i) => 1e7 * 10 ** (i / 1000));
  const at = (P: number) =>
    sizes.reduce(
      (best, N) => {
        const loss = precisionTerms(p, run(N, (16 * 1e21) / (6 * N * P), P, P, P)).loss;
        return loss < best.loss ? { N, loss } : best;
      },
      { N: NaN, loss: Infinity },
    );
  assert.ok(at(4).N > at(8).N && at(8).N > at(16).N);
});

test("Table 2's constants: PTQ degradation grows with D at fixed N, falls with N, and past D_crit more data hurts (§3.1, eq. 13)", () => {
  const p = publishedPrecisionParams;
  const degradation = (N: number, D: number, Ppost: number) =>
    precisionTerms(p, run(N, D, 16, 16, 16, Ppost)).degradation;
  for (const Ppost of [3, 4, 5, 6])
    for (const D of [1.5e9, 3e9, 6e9, 1.3e10]) {
      // Finding 1: "the degradation δPTQ increases in training data size across all model sizes".
      assert.ok(degradation(3e7, 2 * D, Ppost) > degradation(3e7, D, Ppost));
      // §3.1: "for a fixed dataset size larger models incur a smaller degradation".
      assert.ok(degradation(2.2e8, D, Ppost) < degradation(3e7, D, Ppost));
      // §3.1: "δPTQ increases exponentially as we decrease the precision we quantize to".
      assert.ok(degradation(3e7, D, Ppost - 1) > degradation(3e7, D, Ppost));
    }
  // Appendix E.1, eq. 13: past D_crit = (β B N^γN e^(Ppost/γpost) / (γD C_T))^(1/(γD+β)) the loss after PTQ rises.
  const N = 3e7;
  const Ppost = 3;
  const Dcrit =
    ((p.beta! * p.B! * N ** p.gamma_N! * Math.exp(Ppost / p.gamma_post!)) / (p.gamma_D! * p.C_T!)) **
    (1 / (p.gamma_D! + p.beta!));
  const served = (D: number) => precisionTerms(p, run(N, D, 16, 16, 16, Ppost)).loss;
  const grid = Array.from({ length: 6001 }, (_, i) => 1e8 * 10 ** (i / 1000));
  const argmin = grid.reduce((best, D) => (served(D) < served(best) ? D : best));
  // The grid steps by 10^(1/1000), 0.23 %.
  assert.ok(relative(argmin, Dcrit) < 0.003, `argmin ${argmin} vs D_crit ${Dcrit}`);
  // Table 2's C_T and b enter as C_T·e^b.
  assert.ok(
    relative(p.C_T!, publishedPrecisionConstants.C_T * Math.exp(publishedPrecisionConstants.b)) < 1e-15,
  );
});

test("with N fixed, the compute-optimal training precision grows with compute (§4.3.3: P* ∝ log C)", () => {
  const P = [1e19, 1e20, 1e21, 1e22, 1e23].map((C) => precisionAllocation(undefined, { C, N: 8e9 }).P);
  for (let i = 1; i < P.length; i++) assert.ok(P[i]! > P[i - 1]!, `P* ${P.join(", ")}`);
});

test("precision questions: predict --plan splits the PTQ degradation off; optimize --compute answers with and without a fit", () => {
  const fit = exact();
  const [predict, optimize] = precisionQuestions;
  const plan = predict!.answer(fit, { plan: { N: 1e9, D: 1e11, P: 8, Ppost: 4 } });
  const expected = precisionTerms(truth, run(1e9, 1e11, 8, 8, 8, 4));
  // The noiseless fit has every parameter within 1e-5 of the truth (the recovery test).
  assert.ok(relative(plan.loss as number, expected.loss) < 1e-6);
  assert.ok(relative(plan.degradation as number, expected.degradation) < 1e-4);
  assert.ok((plan.degradation as number) > 0);
  assert.match(predict!.format(plan, fit, {}), /PTQ degradation/);
  const direct = predictPrecision(fit, { N: 1e9, D: 1e11, Pw: 16, Pa: 16, Pkv: 16, Ppost: 16 });
  assert.equal(direct.degradation, 0);
  const fitted = optimize!.answer(fit, { compute: [1e21, 1e23] }).allocations as PrecisionAllocation[];
  // P* of the truth, 7.0021 bits (Table 2's N_eff constants), to the fit's 1e-5.
  assert.ok(Math.abs(fitted[0]!.P - optimalTrainingPrecision(truth)) < 1e-4);
  const [lo, hi] = fitted[0]!.intervals!.P;
  assert.ok(lo <= fitted[0]!.P && fitted[0]!.P <= hi);
  const published = optimize!.answer(undefined, { compute: [1e21] });
  assert.equal(published.method, "published");
  assert.match(optimize!.format(published, undefined, {}), /Table 2/);
});

test("precision refuses bits outside 1–16 and PTQ above a training precision; its questions refuse bad options", () => {
  assert.equal(precision.checkPoint!(run(1e8, 1e9, 8, 8, 8, 4)), undefined);
  assert.match(precision.checkPoint!(run(1e8, 1e9, 17, 16, 16))!, /^Pw = 17 is outside 1–16 bits/);
  assert.match(precision.checkPoint!(run(1e8, 1e9, 16, 0.5, 16))!, /^Pa = 0.5 is outside 1–16 bits/);
  assert.match(precision.checkPoint!(run(1e8, 1e9, 16, 16, 16, 32))!, /^Ppost = 32 is outside 1–16 bits/);
  assert.match(precision.checkPoint!(run(1e8, 1e9, 8, 4, 8, 4))!, /^Pa = 4 is not above Ppost = 4/);
  const [predict, optimize] = precisionQuestions;
  const userError = (f: () => unknown, message: RegExp) =>
    assert.throws(f, (e: unknown) => isUserError(e) && message.test((e as Error).message));
  userError(() => optimize!.answer(undefined, {}), /needs --compute/);
  userError(() => optimize!.answer(undefined, { compute: [-1] }), /^invalid --compute: -1/);
  userError(() => optimize!.answer(undefined, { compute: [1e21], params: 0 }), /^invalid --params: 0/);
  const fit = exact();
  userError(
    () => predict!.answer(fit, { plan: { N: 1e9, D: 1e11, P: 20 } }),
    /^invalid --plan P=20 \(expected bits in 1–16\)/,
  );
  userError(() => predict!.answer(fit, { plan: { N: 1e9, P: 8 } }), /^--plan needs N and D/);
  userError(
    () => predict!.answer(fit, { plan: { N: 1e9, D: 1e11, bits: 8 } }),
    /^invalid --plan: no input bits/,
  );
  userError(
    () => predict!.answer(fit, { plan: { N: 1e9, D: 1e11, Pw: 8, Pa: 4, Ppost: 4 } }),
    /Pa = 4 is not above Ppost = 4/,
  );
});

test("the CLI: bits out of range in a file is one line and exit 1; a saved fit answers predict --plan; --law answers optimize", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { runCli } = await import("../../_cli.js");
  const { fitToArtifact } = await import("../../../src/fit/artifact.js");
  const dir = mkdtempSync(join(tmpdir(), "scalefit-precision-"));
  try {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "N,D,Pw,Pa,Pkv,Ppost,loss\n1e8,1e9,16,16,16,16,3.5\n1e8,1e9,20,16,16,16,3.6\n");
    const refused = await runCli("fit", "--law", "precision", "--data", bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Pw = 20 is outside 1–16 bits/);
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    const artifact = join(dir, "fit.json");
    writeFileSync(artifact, JSON.stringify(fitToArtifact(exact(), { dataDigest: "synthetic" })));
    const plan = await runCli("predict", "--fit", artifact, "--plan", "N=1e9,D=1e11,P=8,Ppost=4", "--json");
    assert.equal(plan.code, 0, plan.stderr);
    // The noiseless fit is the truth to 1e-5 (the recovery test): the planned run's loss as the truth gives it.
    const expected = precisionTerms(truth, run(1e9, 1e11, 8, 8, 8, 4));
    assert.ok(relative(JSON.parse(plan.stdout).loss, expected.loss) < 1e-5);
    const published = await runCli("optimize", "--law", "precision", "--compute", "1e23", "--json");
    assert.equal(published.code, 0, published.stderr);
    // §4.3.2 (Finding 3): the compute-optimal precision is 7–8 bits; Table 2's constants give 7.0021.
    assert.ok(Math.abs(JSON.parse(published.stdout).P - 7.0021) < 1e-3);
    const negative = await runCli("optimize", "--law", "precision", "--compute=-1");
    assert.equal(negative.code, 1);
    assert.match(negative.stderr, /invalid --compute: -1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
