import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCurves, readSchedules } from "../../src/data/curves.js";
import { fitFromArtifact, fitToArtifact } from "../../src/fit/artifact.js";
import { evaluateLaw } from "../../src/fit/evaluate.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { lrAnneal } from "../../src/fit/laws/lrAnneal.js";
import { multipower } from "../../src/fit/laws/multipower.js";
import { withSizeTerm } from "../../src/fit/laws/sizeTerm.js";
import { predictCurve } from "../../src/predict/predictCurve.js";
import { randomSource } from "../../src/random.js";
import { parseSchedule } from "../../src/schedules/parseSchedule.js";
import { denseSchedule } from "../../src/schedules/schedule.js";
import type { Observations, Params } from "../../src/dataTypes.js";
import type { Law } from "../../src/types.js";
import { curveErrors, multipowerHeldOut, multipowerTrain } from "../_curves.js";

const path = (p: string) => new URL(`../../${p}`, import.meta.url).pathname;
const schedules = readSchedules(path("data/multipower/schedules.json"));
const train = multipowerTrain;
const heldOut = multipowerHeldOut;
const curves = (runs: string[]) =>
  loadCurves(path("data/multipower/curves.csv"), { schedules, runs }).observations;

test("acceptance: fit both laws on the authors' three training curves, predict the six held-out schedules (PredE per size)", (t) => {
  // Measured (Huber δ = 1e-3 on log losses, converged): lr-anneal 0.141 / 0.153 / 0.228 %, multipower 0.137 / 0.165 / 0.216 %.
  // The authors' multipower figures (0.110 / 0.142 / 0.168 %) come from parameters whose training objective is 2–14× higher
  // than the optimum found here; refitting from them converges to the same optimum (see the closing note of the issue).
  for (const law of [lrAnneal, multipower]) {
    for (const size of ["25M", "100M", "400M"]) {
      const fit = fitLaw(law, curves(train.map((c) => `${size}/${c}`)), { intervals: "none" });
      const { predE, worstE } = curveErrors(law, fit.params, curves(heldOut.map((c) => `${size}/${c}`)));
      t.diagnostic(
        `${law.name} ${size}: PredE ${(100 * predE).toFixed(3)}%, WorstE ${(100 * worstE).toFixed(3)}%`,
      );
      assert.ok(fit.converged, fit.message);
      assert.ok(predE < 0.0025, `${law.name} ${size} PredE ${predE}`);
      assert.ok(worstE < 0.01, `${law.name} ${size} WorstE ${worstE}`);
    }
  }
});

/** Synthetic curves: a law's losses on schedules logged every `every` steps, with multiplicative noise. */
function synthetic(
  law: Law,
  p: Params,
  texts: Record<string, string>,
  {
    every = 100,
    noise = 0,
    seed = 1,
    N,
  }: { every?: number; noise?: number; seed?: number; N?: Record<string, number> } = {},
): { data: Observations; clean: Float64Array } {
  const random = randomSource(seed);
  const step: number[] = [];
  const run: string[] = [];
  const sizes: number[] = [];
  const lrs: Record<string, Float64Array> = {};
  for (const [name, text] of Object.entries(texts)) {
    const schedule = parseSchedule(text);
    lrs[name] = denseSchedule(schedule);
    for (let s = every; s <= schedule.steps; s += every) {
      step.push(s);
      run.push(name);
      if (N) sizes.push(N[name]!);
    }
  }
  const n = step.length;
  const base: Observations = {
    inputs: { step: Float64Array.from(step), ...(N ? { N: Float64Array.from(sizes) } : {}) },
    loss: new Float64Array(n).fill(1),
    run,
    schedules: lrs,
  };
  const clean = evaluateLaw(law, p, base, new Float64Array(n));
  const loss = clean.map((v) => v * Math.exp(noise * random.normal()));
  return { data: { ...base, loss }, clean };
}

const trainTexts = {
  cosine: "cosine:peak=1e-3,floor=1e-4,steps=10000,warmup=500",
  constant: "constant:peak=1e-3,steps=10000,warmup=500",
  twoStage: "two-stage:peak=1e-3,second=3e-4,switch=5000,steps=10000,warmup=500",
};
const heldOutText = { wsd: "wsd:peak=1e-3,floor=1e-4,steps=10000,decay=0.2,shape=sqrt,warmup=500" };

test("lr-anneal recovers its parameters from noiseless curves (1e-6) and covers them with noisy ones", () => {
  const truth = { L0: 2, A: 0.5, alpha: 0.5, C: 2, lambda: 0.999 };
  const { data } = synthetic(lrAnneal, truth, trainTexts);
  const fit = fitLaw(lrAnneal, data, { intervals: "none" });
  for (const name of ["L0", "A", "alpha", "C"])
    assert.ok(Math.abs(fit.params[name]! / truth[name as "L0"] - 1) < 1e-6, name);
  let inside = 0;
  let total = 0;
  for (let r = 0; r < 20; r++) {
    const noisy = synthetic(lrAnneal, truth, trainTexts, { noise: 0.005, seed: 100 + r }).data;
    const f = fitLaw(lrAnneal, noisy, { intervals: "covariance" });
    for (const [name, [lo, hi]] of Object.entries(f.intervals)) {
      total++;
      if (truth[name as "L0"] >= lo && truth[name as "L0"] <= hi) inside++;
    }
  }
  // 20 replicates × 4 parameters of nominal 95 % intervals
  assert.ok(inside / total >= 0.85, `coverage ${inside}/${total}`);
});

test("multipower fitted on three noisy synthetic curves predicts a held-out WSD curve to within the noise", () => {
  const truth = { L0: 2.5, A: 0.4, alpha: 0.5, B: 400, C: 2, beta: 0.6, gamma: 0.6 };
  const noise = 0.003;
  const { data } = synthetic(multipower, truth, trainTexts, { noise, seed: 7 });
  const fit = fitLaw(multipower, data, { intervals: "covariance" });
  const { data: target, clean } = synthetic(multipower, truth, heldOutText);
  const predicted = evaluateLaw(multipower, fit.params, target, new Float64Array(target.loss.length));
  const error = predicted.reduce((s, v, i) => s + Math.abs(v - clean[i]!) / clean[i]!, 0) / predicted.length;
  // Mean |relative error| against the clean held-out curve, below the noise of the fitted ones
  assert.ok(error < noise, `held-out error ${error}`);
  // and the curve prediction's intervals come from the fit's draws
  const curve = predictCurve(fit, target.schedules!.wsd!, { steps: [5000, 9000, 10000] });
  for (const point of curve.points)
    assert.ok(point.interval![0] <= point.loss && point.loss <= point.interval![1]);
});

test("multipower-n fitted on four model sizes predicts a fifth, larger size's curve", () => {
  const law = withSizeTerm(multipower, "multipower-n");
  const truth = { E: 1.8, AN: 400, alphaN: 0.35, A: 0.4, alpha: 0.5, B: 400, C: 2, beta: 0.6, gamma: 0.6 };
  const texts: Record<string, string> = {};
  const N: Record<string, number> = {};
  for (const size of [2e7, 5e7, 1e8, 2e8]) {
    texts[`cosine-${size}`] = trainTexts.cosine;
    texts[`twoStage-${size}`] = trainTexts.twoStage;
    N[`cosine-${size}`] = N[`twoStage-${size}`] = size;
  }
  const { data } = synthetic(law, truth, texts, { every: 200, noise: 0.002, seed: 11, N });
  const fit = fitLaw(law, data, { intervals: "none" });
  const { data: target, clean } = synthetic(law, truth, heldOutText, { N: { wsd: 4e8 } });
  const predicted = evaluateLaw(law, fit.params, target, new Float64Array(target.loss.length));
  const error = predicted.reduce((s, v, i) => s + Math.abs(v - clean[i]!) / clean[i]!, 0) / predicted.length;
  // Two size doublings beyond the data, 0.2 % noise: the predicted curve stays within 1 %.
  assert.ok(error < 0.01, `error at the new size ${error}`);
});

test("acceptance: a new schedule's 95 % band carries the law's held-out misfit (100M: fit 3 curves, predict 6)", async () => {
  // Measured on the multi-power protocol (default 100-refit bootstrap): the bands held the observed loss at
  // 69 / 45 / 48 % of held-out steps (25M / 100M / 400M) when they drew from the training residuals; with the
  // held-out refits 97.2 / 95.6 / 87.2 % (lr-anneal: 95.8 / 87.5 / 95.2 %), the point predictions unchanged
  // (PredE 0.137 / 0.165 / 0.216 %). Here 20 refits: the band's width comes mostly from the refits' misfit.
  const fit = fitLaw(multipower, curves(train.map((c) => `100M/${c}`)), { bootstrap: 20, seed: 1 });
  const misfit = fit.curveMisfit!;
  assert.ok(misfit.heldOut.length > 0 && misfit.horizonTest.ratio.length > 0);
  // The horizon test fits the first third of the 24000-step horizon and predicts the rest (ratios up to 3).
  const largest = Math.max(...misfit.horizonTest.ratio);
  assert.ok(largest > 2.9 && largest <= 3 + 1e-9 && misfit.horizon > 23000, `${misfit.horizon}, ${largest}`);
  const restored = await fitFromArtifact(JSON.parse(JSON.stringify(fitToArtifact(fit, { dataDigest: "x" }))));
  assert.deepEqual(restored.curveMisfit, misfit);
  const held = curves(heldOut.map((c) => `100M/${c}`));
  let inside = 0;
  let total = 0;
  for (const run of new Set(held.run!)) {
    const rows = held.run!.flatMap((r, i) => (r === run ? [i] : []));
    const curve = predictCurve(restored, held.schedules![run]!, {
      steps: rows.map((i) => held.inputs.step![i]!),
    });
    assert.equal(curve.band.source, "held-out refits");
    curve.points.forEach((p, k) => {
      const y = held.loss[rows[k]!]!;
      total++;
      if (y >= p.predictionInterval[0] && y <= p.predictionInterval[1]) inside++;
    });
  }
  assert.ok(inside / total >= 0.8, `coverage ${inside / total}`);
  // Without intervals there are no refits: the band falls back to the training residuals, and says so.
  const bare = fitLaw(multipower, curves(train.map((c) => `100M/${c}`)), { intervals: "none" });
  assert.equal(bare.curveMisfit, undefined);
  assert.equal(
    predictCurve(bare, held.schedules!["100M/wsdcon_3"]!, { steps: [1000] }).band.source,
    "training residuals",
  );
});
