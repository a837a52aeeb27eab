/**
 * The allocation laws (issue 5): encdec, qat, bcrit, data-constrained — analytic gradients, published values,
 * analytic identities, and seeded recovery of parameters and of the derived answers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { batchSweepObservations } from "../../../src/data/batchSweep.js";
import { loadObservations } from "../../../src/data/loadObservations.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import {
  batchPowerLaw,
  batchTrajectory,
  bcritLaw,
  bcritSummary,
  criticalBatch,
} from "../../../src/fit/laws/bcrit.js";
import { stepsLaw } from "../../../src/fit/laws/bcritSteps.js";
import { dataConstrained } from "../../../src/fit/laws/dataConstrained.js";
import { encdec, encdecLaw, encdecOptimal, encdecSplit } from "../../../src/fit/laws/encdec.js";
import { powerLaw } from "../../../src/fit/laws/power.js";
import { qat } from "../../../src/fit/laws/qat.js";
import { qatFractionLaw } from "../../../src/fit/laws/qatFraction.js";
import { compareLaws } from "../../../src/predict/compare.js";
import { bestBits, qatFraction, qatMatch } from "../../../src/fit/laws/qatAnswers.js";
import { gradientNoiseScale } from "../../../src/predict/gradientNoiseScale.js";
import { randomSource } from "../../../src/random.js";
import type { Observations, Params } from "../../../src/dataTypes.js";
import { checkGradient, checkVectorised } from "../../_lawChecks.js";
import { qatRuns, qatTruth } from "../../_synthetic.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const relative = (a: number, b: number) => Math.abs(a / b - 1);
const columns = (points: Record<string, number>[], names: readonly string[]) =>
  Object.fromEntries(names.map((name) => [name, Float64Array.from(points, (x) => x[name]!)]));

// ---------- encdec (Ghorbani et al. 2021) ----------

const encdecTruth = { A: 0.9, pe: 0.22, pd: 0.34, Linf: 1.45 };
/** Encoder-scaling runs (decoder fixed) and decoder-scaling runs (encoder fixed), as the paper trains them, plus a diagonal. */
function encdecRuns(noise: number, seed = 1): Observations {
  const law = encdecLaw({ NeRef: 2e8, NdRef: 2e8 });
  const points: Record<string, number>[] = [];
  const sizes = [2.5e7, 5e7, 1e8, 2e8, 4e8, 8e8];
  for (const Ne of sizes) points.push({ Ne, Nd: 2e8 });
  for (const Nd of sizes) points.push({ Ne: 2e8, Nd });
  for (const N of sizes) points.push({ Ne: N, Nd: N });
  const random = randomSource(seed);
  return {
    inputs: columns(points, ["Ne", "Nd"]),
    loss: Float64Array.from(points, (x) => law.predict(encdecTruth, x) * Math.exp(noise * random.normal())),
  };
}

test("encdec: analytic gradient and vectorised forms; the reference sizes are set from the data and kept", () => {
  const law = encdecLaw({ NeRef: 3e8, NdRef: 1e8 });
  const points = [
    { Ne: 5e7, Nd: 2e8 },
    { Ne: 1e9, Nd: 3e7 },
  ];
  checkGradient(law, encdecTruth, points);
  checkVectorised(law, encdecTruth, points);
  // Geometric means of the data (encdecRuns: 6 encoder sizes at Nd = 2e8, …).
  const bound = encdec.bind!(encdecRuns(0));
  const refs = (bound.spec as { constants: { NeRef: number; NdRef: number } }).constants;
  const mean = Math.exp(
    (6 * Math.log(2e8) + 2 * [2.5e7, 5e7, 1e8, 2e8, 4e8, 8e8].reduce((s, v) => s + Math.log(v), 0)) / 18,
  );
  assert.ok(relative(refs.NeRef, mean) < 1e-12 && relative(refs.NdRef, mean) < 1e-12);
});

test("encdec recovery: noiseless parameters to 1e-6; the split of P equals pe/(pe+pd) and is the brute-force optimum", () => {
  const fit = fitLaw(encdec, encdecRuns(0), { intervals: "none" });
  // A is the reducible loss at the reference sizes: rescale the truth's to the fit's references.
  const refs = (fit.law.spec as { constants: { NeRef: number; NdRef: number } }).constants;
  const A = encdecTruth.A * (2e8 / refs.NeRef) ** encdecTruth.pe * (2e8 / refs.NdRef) ** encdecTruth.pd;
  assert.ok(relative(fit.params.A!, A) < 1e-6, `A ${fit.params.A} vs ${A}`);
  for (const name of ["pe", "pd", "Linf"] as const)
    assert.ok(relative(fit.params[name]!, encdecTruth[name]) < 1e-6, name);
  const share = encdecTruth.pe / (encdecTruth.pe + encdecTruth.pd); // 0.392857…
  assert.ok(Math.abs(fit.derived.encoderShare!.value - share) < 1e-6);
  const split = encdecOptimal(fit.params, 1e9);
  assert.ok(relative(split.Ne, 1e9 * share) < 1e-6);
  // Brute force over 10 001 splits of 1e9 parameters.
  let best = { Ne: 0, loss: Infinity };
  for (let i = 1; i < 10001; i++) {
    const Ne = (1e9 * i) / 10001;
    const loss = fit.law.predict(fit.params, { Ne, Nd: 1e9 - Ne });
    if (loss < best.loss) best = { Ne, loss };
  }
  assert.ok(Math.abs(best.Ne - split.Ne) <= 1e9 / 10001, `brute force ${best.Ne} vs ${split.Ne}`);
});

test("encdec with 1 % noise: bootstrap intervals cover the truth and the split; a power law in Ne + Nd fits worse", () => {
  const data = encdecRuns(0.01, 7);
  const fit = fitLaw(
    encdec,
    { ...data, run: Array.from(data.loss, (_, i) => `r${i}`) },
    { bootstrap: 200, seed: 3 },
  );
  for (const name of ["pe", "pd", "Linf"] as const) {
    const [lo, hi] = fit.intervals[name]!;
    assert.ok(lo <= encdecTruth[name] && encdecTruth[name] <= hi, `${name} [${lo}, ${hi}]`);
  }
  const split = encdecSplit(fit, 1e9);
  const share = encdecTruth.pe / (encdecTruth.pe + encdecTruth.pd);
  assert.ok(split.intervals!.encoderShare![0] <= share && share <= split.intervals!.encoderShare![1]);
  // Total parameters alone (Ghorbani et al.'s point): power in N = Ne + Nd is beaten on held-out error and AIC.
  const N = data.inputs.Ne!.map((v, i) => v + data.inputs.Nd![i]!);
  const both: Observations = { inputs: { ...data.inputs, N }, loss: data.loss };
  const ranking = compareLaws([encdec, powerLaw("N")], both, { intervals: "none" });
  assert.equal(ranking[0]!.law, "encdec");
  assert.ok(ranking[0]!.aic < ranking[1]!.aic - 10, `AIC ${ranking[0]!.aic} vs ${ranking[1]!.aic}`);
});

// ---------- data-constrained (Muennighoff et al. 2023) ----------

/** The notebook's fixed C4 Chinchilla fit (LAWS.md §9): a, b, e = log A, log B, log E; alpha = beta. */
const c4 = {
  E: Math.exp(0.6254804),
  A: Math.exp(6.255414),
  B: Math.exp(7.3049974),
  alpha: 0.3526596,
  beta: 0.3526596,
};

test("data-constrained: gradient (both branches of U_N = min(N_opt, N)) and vectorised forms", () => {
  const p = { ...c4, RDstar: 15.4, RNstar: 5.3 };
  const points = [
    { N: 2.81e9, D: 5.5e10, U: 9e9 }, // N_opt(U) < N: excess parameters
    { N: 1.4e7, D: 9e11, U: 1e8 }, // 9000 epochs
    { N: 1e8, D: 2e9, U: 2e9 }, // one epoch, N below N_opt(U)
  ];
  checkGradient(dataConstrained, p, points);
  checkGradient(
    dataConstrained,
    { E: 1.7, A: 400, B: 900, alpha: 0.3, beta: 0.4, RDstar: 30, RNstar: 2 },
    points,
  );
  checkVectorised(dataConstrained, p, points);
});

test("data-constrained on Muennighoff et al.'s 182 runs, C4 parameters fixed: the lowest minimum 0.0158047, the published pair a shallower one, and RDstar not identified", () => {
  const { observations } = loadObservations(
    join(root, "data/datablations/final_losses.csv"),
    dataConstrained,
  );
  const fit = fitLaw(dataConstrained, observations, { fix: c4, bootstrap: 200, seed: 1 });
  // LAWS.md §9 (measured): the global minimum (95.4, 1.71) at 0.0158047; the published (15.39, 5.31) at 0.0158259.
  assert.ok(Math.abs(fit.objective - 0.0158047) < 5e-7, `objective ${fit.objective}`);
  assert.ok(relative(fit.params.RDstar!, 95.4) < 0.01 && relative(fit.params.RNstar!, 1.71) < 0.01);
  const published = fit.minima.find((m) => relative(m.params.RDstar!, 15.39) < 0.01);
  assert.ok(published, "the published minimum is among the refinements' minima");
  assert.ok(Math.abs(published.objective - 0.0158259) < 5e-7, `published minimum ${published.objective}`);
  assert.ok(
    fit.warnings.some((w) => w.code === "multimodal"),
    "multimodal warning",
  );
  assert.ok(
    fit.warnings.some((w) => w.code === "wide-interval" && w.message.includes("RDstar")),
    "wide RDstar interval",
  );
  const [lo, hi] = fit.intervals.RDstar!;
  assert.ok(lo <= 15.39 && 15.39 <= hi, `RDstar interval [${lo}, ${hi}] reaches the published 15.39`);
});

test("data-constrained recovery: noiseless RDstar and RNstar (C4 parameters fixed) and all seven parameters", () => {
  const truth = { ...c4, RDstar: 12, RNstar: 4 };
  const points: Record<string, number>[] = [];
  for (const N of [5e7, 1e8, 3e8, 1e9, 3e9])
    for (const U of [1e8, 1e9, 1e10])
      for (const epochs of [1, 2, 4, 8, 16, 40]) points.push({ N, U, D: U * epochs });
  const data = {
    inputs: columns(points, ["N", "D", "U"]),
    loss: Float64Array.from(points, (x) => dataConstrained.predict(truth, x)),
  };
  const decay = fitLaw(dataConstrained, data, { fix: c4, intervals: "none" });
  assert.ok(relative(decay.params.RDstar!, 12) < 1e-6 && relative(decay.params.RNstar!, 4) < 1e-6);
  const all = fitLaw(dataConstrained, data, { intervals: "none" });
  for (const [name, value] of Object.entries(truth))
    assert.ok(relative(all.params[name]!, value) < 1e-5, `${name} ${all.params[name]} vs ${value}`);
});

// ---------- qat (Dremov et al. 2025) ----------

test("qat: analytic gradient (quantised, full precision, mostly QAT) and vectorised forms; bad points refused", () => {
  const points = [
    { N: 1e8, Dfp: 1.6e9, Dqat: 4e8, bits: 4 },
    { N: 5e8, Dfp: 1e10, Dqat: 0, bits: 16 },
    { N: 3e7, Dfp: 1e8, Dqat: 6e8, bits: 2 },
  ];
  checkGradient(qat, qatTruth, points);
  checkVectorised(qat, qatTruth, points);
  assert.match(qat.checkPoint!({ N: 1e8, Dfp: 1e9, Dqat: 1e8, bits: 17 })!, /bits = 17 is outside 1–16/);
  assert.match(qat.checkPoint!({ N: 1e8, Dfp: 1e9, Dqat: 0, bits: 4 })!, /needs QAT tokens/);
  assert.match(qat.checkPoint!({ N: 1e8, Dfp: 0, Dqat: 1e9, bits: 4 })!, /needs a full-precision phase/);
  assert.equal(qat.checkPoint!({ N: 1e8, Dfp: 1e9, Dqat: 1e8, bits: 4 }), undefined);
});

test("qat recovery: all 16 parameters from noiseless runs; with 0.3 % noise the covariance intervals cover them", () => {
  const exact = fitLaw(qat, qatRuns(0), { intervals: "none" });
  for (const [name, value] of Object.entries(qatTruth))
    assert.ok(relative(exact.params[name]!, value) < 1e-5, `${name} ${exact.params[name]} vs ${value}`);
  const noisy = fitLaw(qat, qatRuns(0.003), { intervals: "covariance" });
  const covered = Object.entries(qatTruth).filter(([name, value]) => {
    const [lo, hi] = noisy.intervals[name]!;
    return lo <= value && value <= hi;
  });
  // Measured with seed 3: 14 of 16 covered; B and beta (correlated at r > 0.99) fall just outside. The
  // interaction term is weakly identified: wide intervals, flagged.
  assert.ok(covered.length >= 14, `covered ${covered.map(([n]) => n).join(", ")}`);
  assert.ok(noisy.warnings.some((w) => w.code === "wide-interval"));
});

test("qat answers: the optimal fraction minimises the loss, the published law gives 0.11 / 0.23 / 0.38, bit width and matching budget", () => {
  // Dremov et al.: f̂(20) ≈ 0.11, f̂(100) ≈ 0.23, f̂(1000) ≈ 0.38 at a = 6.7297 (LAWS.md §7).
  assert.ok(Math.abs(qatFractionLaw(20) - 0.106) < 0.001);
  assert.ok(Math.abs(qatFractionLaw(100) - 0.232) < 0.001);
  assert.ok(Math.abs(qatFractionLaw(1000) - 0.377) < 0.001);
  const published = qatFraction(undefined, { N: 1e8, D: 5e9, bits: 4 }); // S = 5e9 / 5e7 = 100
  assert.ok(Math.abs(published.qatFraction - qatFractionLaw(100)) < 1e-12);
  assert.equal(published.method, "published");
  const fit = fitLaw(qat, qatRuns(0), { intervals: "none" });
  const plan = qatFraction(fit, { N: 2e8, D: 8e9, bits: 4 });
  const lossAt = (f: number) => qat.predict(qatTruth, { N: 2e8, Dfp: (1 - f) * 8e9, Dqat: f * 8e9, bits: 4 });
  for (let f = 0.01; f < 1; f += 0.01)
    assert.ok(lossAt(f) >= plan.loss! - 1e-9, `f = ${f} beats the optimum`);
  assert.ok(plan.qatFraction > 0 && plan.qatFraction < 1);
  const bits = bestBits(fit, { memory: 1e8, D: 2e10 });
  const byBits = Object.fromEntries(bits.candidates.map((c) => [c.bits, c.loss]));
  assert.equal(Math.min(...Object.values(byBits)), bits.loss);
  assert.equal(byBits[bits.bits], bits.loss);
  const match = qatMatch(fit, { N: 2e8, D: 8e9, bits: 4 });
  const fullPrecision = qat.predict(qatTruth, { N: 2e8, Dfp: 8e9, Dqat: 0, bits: 16 });
  assert.ok(Math.abs(match.fullPrecisionLoss - fullPrecision) < 1e-9);
  if (Number.isFinite(match.tokens)) {
    assert.ok(match.tokens > 8e9);
    assert.ok(Math.abs(qatFraction(fit, { N: 2e8, D: match.tokens, bits: 4 }).loss! - fullPrecision) < 1e-6);
  }
});

// ---------- bcrit (McCandlish et al. 2018; Kaplan et al. 2020; Su et al. 2024) ----------

const batchTruth = { LN: 2.0, Sc: 5000, alphaS: 0.6, Bstar: 2e8, alphaB: 0.21 };
/** The loss of a run at step S and batch B in Su et al.'s self-consistent form, by bisection. */
function sweepLoss(S: number, B: number): number {
  let lo = batchTruth.LN;
  let hi = 20;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const f =
      mid -
      batchTruth.LN -
      ((batchTruth.Sc * (1 + criticalBatch(mid, batchTruth) / B)) / S) ** batchTruth.alphaS;
    if (f > 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}
function sweep(
  noise: number,
  seed = 5,
  batches = [2 ** 18, 2 ** 19, 2 ** 20, 2 ** 21, 2 ** 22, 2 ** 23, 2 ** 24],
) {
  const random = randomSource(seed);
  const points = [];
  for (const B of batches)
    for (let S = 10; S < 3e6; S = Math.ceil(S * 1.02)) {
      const L = sweepLoss(S, B);
      points.push({ run: `B${B}`, B, step: S, loss: L * Math.exp(noise * random.normal()) });
      if (L < 2.5) break;
    }
  return points;
}

test("McCandlish's hyperbola and Kaplan's critical batch size as identities", () => {
  // (S/S_min − 1)(E/E_min − 1) = 1 with E = B S and S = S_min (1 + B_crit/B): for any B.
  const [Smin, Emin] = [1200, 3.6e9];
  const Bcrit = Emin / Smin;
  for (const B of [1e5, 1e6, Bcrit, 1e8]) {
    const S = bcritLaw([3]).predict({ Smin_1: Smin, Emin_1: Emin }, { B, target: 3 });
    assert.ok(Math.abs(S - Smin * (1 + Bcrit / B)) < 1e-9 * S);
    assert.ok(Math.abs((S / Smin - 1) * ((B * S) / Emin - 1) - 1) < 1e-12);
  }
  // Kaplan et al. 2020: Bstar ≈ 2e8 tokens, alphaB ≈ 0.21 → B_crit(2.0) ≈ 7.4e6 tokens (LAWS.md §8).
  assert.ok(Math.abs(criticalBatch(2.0, { Bstar: 2e8, alphaB: 0.21 }) - 7.38e6) < 0.01e6);
  // The power law through two targets' B_crit gives back Bstar and alphaB.
  const p: Params = {};
  [3, 2].forEach((L, i) =>
    Object.assign(p, {
      [`Smin_${i + 1}`]: 1,
      [`Emin_${i + 1}`]: criticalBatch(L, { Bstar: 2e8, alphaB: 0.21 }),
    }),
  );
  const back = batchPowerLaw([3, 2], p);
  assert.ok(relative(back.Bstar, 2e8) < 1e-12 && relative(back.alphaB, 0.21) < 1e-12);
  // McCandlish's noise-scale estimate from two batch sizes: |G|² = 1, tr Σ = 32 → B_simple = 32.
  const noise = gradientNoiseScale({ B: 32, norm2: [1.9, 2.1] }, { B: 512, norm2: 1.0625 });
  assert.ok(Math.abs(noise.gradientNorm2 - 1) < 1e-12 && Math.abs(noise.Bsimple - 32) < 1e-9);
});

test("bcrit recovery from a simulated sweep (7 batch sizes, 4 targets): S_min, B_crit = E_min/S_min, Bstar, alphaB and the trajectory", () => {
  const targets = [3.2, 3.0, 2.8, 2.6];
  const { observations, reached } = batchSweepObservations(sweep(0), targets);
  assert.deepEqual(
    reached.map((r) => r.batchSizes),
    [7, 7, 7, 7],
  );
  const fit = fitLaw(bcritLaw(targets), observations, { intervals: "none" });
  const summary = bcritSummary(fit);
  targets.forEach((L, i) => {
    const Smin = batchTruth.Sc / (L - batchTruth.LN) ** (1 / batchTruth.alphaS);
    // Steps to a target are interpolated between logged steps 2 % apart: within 0.1 %.
    assert.ok(
      relative(summary.targets[i]!.Smin, Smin) < 1e-3,
      `Smin at ${L}: ${summary.targets[i]!.Smin} vs ${Smin}`,
    );
    assert.ok(relative(summary.targets[i]!.Bcrit, criticalBatch(L, batchTruth)) < 1e-3);
    assert.equal(summary.targets[i]!.Bcrit, summary.targets[i]!.Emin / summary.targets[i]!.Smin);
  });
  assert.ok(relative(summary.Bstar!, 2e8) < 1e-3 && relative(summary.alphaB!, 0.21) < 1e-3);
  const steps = stepsLaw(targets, fit.params);
  assert.ok(Math.abs(steps.LN - 2) < 1e-3 && relative(steps.alphaS, 0.6) < 1e-3);
  const trajectory = batchTrajectory(fit, { B: 2 ** 20, steps: [1000, 5000, 20000] });
  for (const point of trajectory.curve)
    assert.ok(relative(point.loss, sweepLoss(point.step, 2 ** 20)) < 1e-3);
});

test("bcrit with 0.3 % noise, 7 batch sizes: covariance intervals (7 runs are too few to redraw) cover Bstar and alphaB", () => {
  const targets = [3.2, 3.0, 2.8, 2.6];
  const { observations } = batchSweepObservations(sweep(0.003), targets);
  const fit = fitLaw(bcritLaw(targets), observations, { bootstrap: 200, seed: 2 });
  const summary = bcritSummary(fit);
  assert.equal(fit.intervalMethod, "covariance");
  assert.ok(fit.warnings.some((w) => w.code === "intervals" && w.message.startsWith("only 7 runs")));
  // Measured (seed 5 data): Bstar 1.557e8 [1.023e8, 2.453e8], alphaB [0.2012, 0.2414]; the bootstrap over
  // points this replaced gave [9.34e7, 2.66e8] and [0.1978, 0.2384] (1000 refits, seed 2).
  assert.ok(summary.BstarInterval![0] <= 2e8 && 2e8 <= summary.BstarInterval![1], `${summary.BstarInterval}`);
  assert.ok(
    summary.alphaBInterval![0] <= 0.21 && 0.21 <= summary.alphaBInterval![1],
    `${summary.alphaBInterval}`,
  );
});

test("bcrit on 4 batch sizes: intervals from the covariance that contain the truth, Bstar within a factor of 3", () => {
  const targets = [3.2, 3.0, 2.8, 2.6];
  const batches = [2 ** 18, 2 ** 20, 2 ** 22, 2 ** 24];
  for (const noise of [0, 0.003]) {
    const { observations } = batchSweepObservations(sweep(noise, 5, batches), targets);
    const fit = fitLaw(bcritLaw(targets), observations, { seed: 2 });
    const summary = bcritSummary(fit);
    assert.equal(fit.intervalMethod, "covariance");
    assert.ok(fit.warnings.some((w) => w.code === "intervals" && w.message.startsWith("only 4 runs")));
    // Measured: noise 0: Bstar [1.998e8, 2.000e8]; 0.3 %: Bstar 1.723e8 [1.067e8, 2.753e8] (ratio 2.58),
    // alphaB [0.1966, 0.2387]. Resampling points instead gave Bstar [1e-30, 1e46] and alphaB below 0.
    const [lo, hi] = summary.BstarInterval!;
    assert.ok(lo <= 2e8 && 2e8 <= hi && hi / lo <= 3, `noise ${noise}: Bstar [${lo}, ${hi}]`);
    const [a, b] = summary.alphaBInterval!;
    assert.ok(a <= 0.21 && 0.21 <= b && a > 0, `noise ${noise}: alphaB [${a}, ${b}]`);
  }
});

// The shipped fixture (data/fixtures/batch-sweep.csv, one seed) gives Bstar 1.33e8 [0.93e8, 1.83e8], missing
// the true 2e8; this asks whether that is a bias or one draw in the tail. Over many seeds, at 95 %, each
// interval must cover the truth about as often as it says, and Bstar's median must sit on 2e8.
test("bcrit's covariance intervals over 40 simulated sweeps (7 batch sizes, 0.3 % noise): coverage near 95 %, no bias", () => {
  const targets = [3.2, 3.0, 2.8, 2.6];
  const truth: Record<string, number> = { Bstar: 2e8, alphaB: 0.21 };
  targets.forEach((L, i) => (truth[`Bcrit_${i + 1}`] = criticalBatch(L, batchTruth)));
  const covered = new Map(Object.keys(truth).map((name) => [name, 0]));
  const Bstar: number[] = [];
  const seeds = 40;
  for (let seed = 101; seed < 101 + seeds; seed++) {
    const { observations } = batchSweepObservations(sweep(0.003, seed), targets);
    const fit = fitLaw(bcritLaw(targets), observations, { seed: 2 });
    for (const [name, value] of Object.entries(truth)) {
      const [lo, hi] = fit.derived![name]!.interval!;
      if (lo <= value && value <= hi) covered.set(name, covered.get(name)! + 1);
    }
    Bstar.push(fit.derived!.Bstar!.value);
  }
  // Measured: covered in 39, 35, 38, 38 of 40 (Bcrit at 3.2 … 2.6), Bstar in 37, alphaB in 37; median Bstar
  // 1.89e8. A true 95 % interval covers 34 or more of 40 with probability 0.997 (binomial).
  for (const [name, count] of covered) assert.ok(count >= 34, `${name}: covered in ${count} of ${seeds}`);
  const median = Bstar.sort((a, b) => a - b)[seeds / 2]!;
  assert.ok(relative(median, 2e8) < 0.1, `median Bstar ${median}`);
});

test("bcrit refuses a target no run reaches, and one reached at a single batch size", () => {
  const points = sweep(0);
  assert.throws(
    () => batchSweepObservations(points, [3.0, 1.5]),
    /no run reaches target loss 1.5 \(the lowest loss reached is 2\.4\d+/,
  );
  const two = points.filter((p) => p.B === 2 ** 18 || p.B === 2 ** 24);
  const lowestSmall = Math.min(...two.filter((p) => p.B === 2 ** 18).map((p) => p.loss));
  const lowestBig = Math.min(...two.filter((p) => p.B === 2 ** 24).map((p) => p.loss));
  const between = (Math.max(lowestSmall, lowestBig) + Math.min(lowestSmall, lowestBig)) / 2;
  if (lowestSmall !== lowestBig)
    assert.throws(() => batchSweepObservations(two, [between]), /reached at only one batch size/);
});

test("B_simple at each target from gradient norms logged around the crossings: exact on noiseless norms, an interval over runs", () => {
  const targets = [3.2, 2.8];
  // |G|² = 2 and tr Σ = 2·B_simple with B_simple = 1.5·L^(−4) · 1e8 (it grows as the loss falls, as McCandlish finds).
  const Bsimple = (L: number) => 1.5e8 * L ** -4;
  const random = randomSource(9);
  const points = sweep(0).map((p) => {
    const G2 = 2 * (1 + 0.1 * random.normal() ** 2);
    const trace = G2 * Bsimple(p.loss);
    return {
      ...p,
      noise: {
        smallBatch: 4096,
        smallNorm2: G2 + trace / 4096,
        bigBatch: 65536,
        bigNorm2: G2 + trace / 65536,
      },
    };
  });
  const { noiseScale } = batchSweepObservations(points, targets);
  assert.equal(noiseScale!.length, 2);
  for (const [i, L] of targets.entries()) {
    const n = noiseScale![i]!;
    // 7 runs, each measured at the two logged points around its crossing (losses within 1 % of the target).
    assert.equal(n.runs, 7);
    assert.equal(n.measurements, 14);
    assert.ok(relative(n.Bsimple!, Bsimple(L)) < 0.05, `${n.Bsimple} vs ${Bsimple(L)}`);
    assert.ok(n.interval![0] <= n.Bsimple! && n.Bsimple! <= n.interval![1]);
  }
  // Without gradient norms there is no noise scale; with a swamped measurement (|G_big|² > |G_small|²) no number.
  assert.equal(batchSweepObservations(sweep(0), targets).noiseScale, undefined);
  const swamped = points.map((p) => ({ ...p, noise: { ...p.noise, bigNorm2: p.noise.smallNorm2 * 2 } }));
  const bad = batchSweepObservations(swamped, targets).noiseScale![0]!;
  assert.equal(bad.Bsimple, null);
  assert.match(bad.note!, /not positive/);
});
