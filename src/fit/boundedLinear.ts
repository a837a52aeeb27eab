import { solveLinear } from "./linalg.js";

/**
 * Bounded weighted linear least squares: the linear step of variable projection (Golub & Pereyra 1973),
 * where the coefficients a law is linear in are solved for exactly at each cell of a starting grid.
 */

/**
 * Weighted least squares with optional bounds on each coefficient:
 * minimise Σ w_i (offset_i + Σ_k c_k basis_k[i] − y_i)² subject to lower_k ≤ c_k ≤ upper_k.
 * Exact for the few coefficients a law has: every face of the box is tried (2^k unconstrained solves on
 * the free coefficients) and the best feasible solution wins, which is the convex problem's optimum.
 * Returns undefined when no face gives a solvable system.
 * @example boundedLinearLeastSquares([Float64Array.of(1, 1)], Float64Array.of(2, 4), Float64Array.of(1, 1), [0]) // {coefficients: [3], cost: 2}
 */
export function boundedLinearLeastSquares(
  basis: readonly Float64Array[],
  y: Float64Array,
  w: Float64Array,
  lower: readonly (number | undefined)[],
  upper: readonly (number | undefined)[] = [],
  offset?: Float64Array,
): { coefficients: Float64Array; cost: number } | undefined {
  const k = basis.length;
  const n = y.length;
  const target = new Float64Array(n);
  for (let i = 0; i < n; i++) target[i] = y[i]! - (offset ? offset[i]! : 0);
  const G = new Array<number>(k * k).fill(0);
  const h = new Array<number>(k).fill(0);
  for (let a = 0; a < k; a++) {
    h[a] = weightedDot(basis[a]!, target, w);
    for (let b = a; b < k; b++) G[a * k + b] = G[b * k + a] = weightedDot(basis[a]!, basis[b]!, w);
  }
  return boundedLeastSquaresFromGram(G, h, weightedDot(target, target, w), lower, upper);
}

/**
 * Σ w_i a_i b_i over points with a non-zero weight (a zero weight skips the point, even a NaN one).
 * @example weightedDot(Float64Array.of(1, 2), Float64Array.of(3, 4), Float64Array.of(1, 0)) // 3
 */
export function weightedDot(a: Float64Array, b: Float64Array, w: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const wi = w[i]!;
    if (wi !== 0) sum += wi * a[i]! * b[i]!;
  }
  return sum;
}

/**
 * The bounded least-squares problem from its normal equations: Gram matrix G (row-major k×k), h = Bᵀ W t
 * and tᵀ W t, with t the target. Solved on unit-scaled columns; see `boundedLinearLeastSquares`.
 * @example boundedLeastSquaresFromGram([2], [6], 20, [0]) // {coefficients: [3], cost: 2}
 */
export function boundedLeastSquaresFromGram(
  gram: readonly number[],
  h0: readonly number[],
  yy: number,
  lower: readonly (number | undefined)[],
  upper: readonly (number | undefined)[] = [],
): { coefficients: Float64Array; cost: number } | undefined {
  const k = h0.length;
  // Plain arrays: small typed arrays live off the V8 heap and cost a garbage collection each thousand.
  const scale = new Array<number>(k).fill(0);
  for (let a = 0; a < k; a++) {
    const d = gram[a * k + a]!;
    scale[a] = d > 0 ? Math.sqrt(d) : 0;
  }
  const G = new Array<number>(k * k).fill(0);
  const h = new Array<number>(k).fill(0);
  for (let a = 0; a < k; a++) {
    if (scale[a] === 0) continue;
    h[a] = h0[a]! / scale[a]!;
    for (let b = 0; b < k; b++) if (scale[b] !== 0) G[a * k + b] = gram[a * k + b]! / (scale[a]! * scale[b]!);
  }
  const solveFace = (face: readonly number[]) => {
    const c = new Array<number>(k).fill(0);
    const free: number[] = [];
    for (let a = 0; a < k; a++) {
      if (face[a] === 0) c[a] = lower[a]! * scale[a]!;
      else if (face[a] === 1) c[a] = upper[a]! * scale[a]!;
      else if (scale[a] === 0) c[a] = 0;
      else free.push(a);
    }
    if (free.length > 0) {
      const m = free.length;
      const M = new Array<number>(m * m).fill(0);
      const rhs = new Array<number>(m).fill(0);
      for (let i = 0; i < m; i++) {
        const a = free[i]!;
        let r = h[a]!;
        for (let b = 0; b < k; b++) if (!free.includes(b)) r -= G[a * k + b]! * c[b]!;
        rhs[i] = r;
        for (let j = 0; j < m; j++) M[i * m + j] = G[a * k + free[j]!]!;
      }
      const solution = solveLinear(M, rhs, m);
      if (!solution) return undefined;
      for (let i = 0; i < m; i++) c[free[i]!] = solution[i]!;
    }
    for (let a = 0; a < k; a++) {
      const value = scale[a]! > 0 ? c[a]! / scale[a]! : 0;
      if (lower[a] !== undefined && value < lower[a]! - 1e-12 * Math.abs(lower[a]!)) return undefined;
      if (upper[a] !== undefined && value > upper[a]! + 1e-12 * Math.abs(upper[a]!)) return undefined;
    }
    // cost = yy − 2 cᵀh + cᵀGc, in scaled coordinates
    let cost = yy;
    for (let a = 0; a < k; a++) {
      cost -= 2 * c[a]! * h[a]!;
      for (let b = 0; b < k; b++) cost += c[a]! * G[a * k + b]! * c[b]!;
    }
    const coefficients = new Float64Array(k);
    for (let a = 0; a < k; a++) coefficients[a] = scale[a]! > 0 ? c[a]! / scale[a]! : 0;
    return { coefficients, cost: Math.max(cost, 0) };
  };
  // The unconstrained optimum, when feasible, is the constrained one (the problem is convex).
  const unconstrained = solveFace(new Array<number>(k).fill(-1));
  if (unconstrained) return unconstrained;
  // Otherwise every face: each coefficient free (−1), at its lower bound (0) or at its upper bound (1).
  const choices = Array.from({ length: k }, (_, a) => [
    -1,
    ...(lower[a] !== undefined ? [0] : []),
    ...(upper[a] !== undefined ? [1] : []),
  ]);
  let best: { coefficients: Float64Array; cost: number } | undefined;
  const face = new Array<number>(k).fill(-1);
  const visit = (a: number): void => {
    if (a === k) {
      const candidate = solveFace(face);
      if (candidate && (!best || candidate.cost < best.cost)) best = candidate;
      return;
    }
    for (const choice of choices[a]!) {
      face[a] = choice;
      visit(a + 1);
    }
  };
  visit(0);
  return best;
}
