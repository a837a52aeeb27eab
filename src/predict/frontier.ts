import type { Law, Params } from "../types.js";

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
  let bestIndex = 0;
  let bestLoss = Infinity;
  const step = (hi - lo) / (points - 1);
  for (let i = 0; i < points; i++) {
    const value = lossAt(lo + i * step);
    if (value < bestLoss) {
      bestLoss = value;
      bestIndex = i;
    }
  }
  let a = lo + Math.max(0, bestIndex - 1) * step;
  let b = lo + Math.min(points - 1, bestIndex + 1) * step;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = lossAt(c);
  let fd = lossAt(d);
  for (let k = 0; k < 100 && b - a > 1e-12 * Math.max(1, Math.abs(a)); k++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = lossAt(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = lossAt(d);
    }
  }
  const logN = (a + b) / 2;
  return { N: Math.exp(logN), D: Math.exp(total - logN), loss: lossAt(logN) };
}
