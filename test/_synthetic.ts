import type { Observations, Params } from "../src/dataTypes.js";
import type { Law } from "../src/types.js";
import { qat } from "../src/fit/laws/qat.js";
import { randomSource } from "../src/random.js";

/** Input ranges of synthetic designs: log-uniform within each (Chinchilla-like sizes). */
export const ranges: Record<string, [number, number]> = {
  N: [7e7, 1.6e10],
  D: [5e9, 5e11],
  C: [1e18, 1e23],
  S: [1e3, 1e5],
};

/**
 * Synthetic observations from a law: inputs log-uniform in `ranges`, loss = law × exp(noise · z) with
 * z standard normal (multiplicative noise = Gaussian noise on log loss). Seeded.
 */
export function synthesize(law: Law, params: Params, { n = 120, noise = 0, seed = 1 } = {}): Observations {
  const random = randomSource(seed);
  const inputs: Record<string, Float64Array> = {};
  for (const name of law.inputs) inputs[name] = new Float64Array(n);
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x: Record<string, number> = {};
    for (const name of law.inputs) {
      const [lo, hi] = ranges[name]!;
      x[name] = Math.exp(Math.log(lo) + random.uniform() * Math.log(hi / lo));
      inputs[name]![i] = x[name]!;
    }
    loss[i] = law.predict(params, x) * Math.exp(noise * random.normal());
  }
  return { inputs, loss };
}

/** Largest relative difference between two parameter sets over the names of `truth`. */
export function maxRelativeError(found: Params, truth: Params): number {
  return Math.max(...Object.keys(truth).map((k) => Math.abs(found[k]! - truth[k]!) / Math.abs(truth[k]!)));
}

/** Parameters of the qat law for simulated sweeps (the tests' and the bench's). */
export const qatTruth = {
  E: 1.8,
  A: 450,
  B: 500,
  alpha: 0.33,
  beta: 0.29,
  theta: 0.5,
  kappa: 0.6,
  phi: 2,
  chi: 0.7,
  psi: 0.1,
  omega: 0.35,
  lambda: 0.05,
  mu: 0.4,
  nu: 0.05,
  xi: -0.3,
  rho: 0.2,
};
/** 6 sizes × 4 token budgets × (a full-precision run + 5 bit widths × 4 QAT fractions) = 504 runs. */
export function qatRuns(noise: number, seed = 3): Observations {
  const points: Record<string, number>[] = [];
  for (const N of [3e7, 6e7, 1.2e8, 2.5e8, 5e8, 1e9])
    for (const tokensPerParameter of [10, 25, 60, 150]) {
      const D = N * tokensPerParameter;
      points.push({ N, Dfp: D, Dqat: 0, bits: 16 });
      for (const bits of [2, 3, 4, 6, 8])
        for (const f of [0.05, 0.15, 0.3, 0.6]) points.push({ N, Dfp: D * (1 - f), Dqat: D * f, bits });
    }
  const random = randomSource(seed);
  return {
    inputs: Object.fromEntries(
      ["N", "Dfp", "Dqat", "bits"].map((name) => [name, Float64Array.from(points, (x) => x[name]!)]),
    ),
    loss: Float64Array.from(points, (x) => qat.predict(qatTruth, x) * Math.exp(noise * random.normal())),
    run: points.map((_, i) => `run${i}`),
  };
}
