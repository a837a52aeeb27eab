import type { Observations, Params } from "../src/dataTypes.js";
import type { Law } from "../src/types.js";
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
