import { minimizeOnGrid } from "../fit/search.js";
import type { Params } from "../dataTypes.js";
import type { Law } from "../types.js";

/**
 * Brute-force compute-optimal allocation for any law in N and D: sweep log N at fixed C = 6 N D and
 * take the argmin, then polish it by golden-section search (nanoGPT's `scaling_laws.ipynb` does the sweep).
 * The test oracle of the closed forms, and the method for laws without one.
 * @example frontier(kaplan, params, 1e23) // {N: ..., D: ..., loss: ...}
 */
export function frontier(
  law: Law,
  p: Params,
  C: number,
  { points = 400 } = {},
): { N: number; D: number; loss: number } {
  const total = Math.log(C / 6);
  const lossAt = (logN: number) => law.predict(p, { N: Math.exp(logN), D: Math.exp(total - logN) });
  // N from (C/6)^0.02 to (C/6)^0.98: every split with at least a few parameters and tokens.
  const lo = 0.02 * total;
  const hi = 0.98 * total;
  const step = (hi - lo) / (points - 1);
  const { x: logN } = minimizeOnGrid(
    Array.from({ length: points }, (_, i) => lo + i * step),
    lossAt,
  );
  return { N: Math.exp(logN), D: Math.exp(total - logN), loss: lossAt(logN) };
}
