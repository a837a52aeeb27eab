import type { Law, Observations, ParamSpec, Params } from "../types.js";
import { evaluateLaw, lawJacobian } from "./evaluate.js";
import { solveLinear } from "./linalg.js";

/**
 * The deterministic multi-start grid. Parameters that enter linearly are projected out at every grid
 * cell (variable projection: Golub & Pereyra 1973; for Chinchilla, Open-Athena/vpnls), so only the
 * exponents are gridded, and the grid's local minima become the starts of the local refinement.
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

/** Σ w_i a_i b_i over points with a non-zero weight. */
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

/**
 * Indices of the local minima of a cost on a rectangular grid (each no higher than its axis neighbours),
 * best first, at most `keep`; filled up with the best other cells when there are fewer minima.
 * @example gridMinima([3], Float64Array.of(2, 1, 3)) // [1, 0, 2] with keep = 3
 */
export function gridMinima(shape: readonly number[], cost: Float64Array, keep = 8): number[] {
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((s, v) => s * v, 1));
  const minima: number[] = [];
  for (let cell = 0; cell < cost.length; cell++) {
    const c = cost[cell]!;
    if (!Number.isFinite(c)) continue;
    let isMinimum = true;
    for (let a = 0; a < shape.length && isMinimum; a++) {
      const position = Math.floor(cell / strides[a]!) % shape[a]!;
      for (const d of [-1, 1]) {
        const q = position + d;
        if (q < 0 || q >= shape[a]!) continue;
        const neighbour = cost[cell + d * strides[a]!]!;
        if (neighbour < c) isMinimum = false;
      }
    }
    if (isMinimum) minima.push(cell);
  }
  minima.sort((a, b) => cost[a]! - cost[b]!);
  const chosen = minima.slice(0, keep);
  if (chosen.length < keep) {
    const rest = Array.from(cost.keys())
      .filter((c) => Number.isFinite(cost[c]!) && !chosen.includes(c))
      .sort((a, b) => cost[a]! - cost[b]!);
    chosen.push(...rest.slice(0, keep - chosen.length));
  }
  return chosen;
}

/** Iterates the cells of a rectangular grid: calls `visit(values, cell)` with one value per axis. */
export function forEachCell(
  axes: readonly (readonly number[])[],
  visit: (values: number[], cell: number) => void,
): void {
  const shape = axes.map((a) => a.length);
  const total = shape.reduce((s, v) => s * v, 1);
  const values = new Array<number>(axes.length).fill(0);
  for (let cell = 0; cell < total; cell++) {
    let rest = cell;
    for (let a = axes.length - 1; a >= 0; a--) {
      values[a] = axes[a]![rest % shape[a]!]!;
      rest = Math.floor(rest / shape[a]!);
    }
    visit(values, cell);
  }
}

/** Options of the generic starting grid. */
export interface GridStartOptions {
  readonly space: "log" | "linear";
  /** Non-negative weight per point (bootstrap multiplicities included). */
  readonly weights: Float64Array;
  /** Number of grid minima returned. */
  readonly keep: number;
  /** Use every `stride`-th value of each axis (coarser grids for bootstrap refits). @default 1 */
  readonly stride?: number;
}

/**
 * Starting points from the grid over the law's non-linear free parameters, with the linear ones
 * projected out by bounded weighted least squares at each cell (relative errors in log space).
 * A law without linear parameters gets the plain grid, scored by its squared relative error.
 */
export function projectedGridStarts(
  law: Law,
  data: Observations,
  specs: readonly ParamSpec[],
  fixed: Params,
  options: GridStartOptions,
): Params[] {
  const stride = options.stride ?? 1;
  const free = specs.filter((s) => !s.fixed);
  const linear = free.filter((s) => law.linear?.includes(s.name));
  const gridded = free.filter((s) => !linear.includes(s));
  const axes = gridded.map((s) => thin(axisFor(s), stride));
  const n = data.loss.length;
  const y = data.loss;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = options.weights[i]! / (options.space === "log" ? y[i]! * y[i]! : 1);
  const basis: Float64Array[] = linear.map(() => new Float64Array(n));
  const offset = new Float64Array(n);
  const shape = axes.map((a) => a.length);
  const total = shape.reduce((s, v) => s * v, 1);
  const cost = new Float64Array(total).fill(Infinity);
  const solutions: (Float64Array | undefined)[] = new Array(total);
  const lower = linear.map((s) => (s.log ? 0 : s.min));
  const upper = linear.map((s) => (s.log ? undefined : s.max));
  const indices = linear.map((s) => law.params.findIndex((q) => q.name === s.name));
  const lawColumns = law.params.map(() => new Float64Array(n));
  const base: Params = { ...defaults(specs), ...fixed };
  const paramsAt = (values: readonly number[]) => {
    const p: Params = { ...base };
    gridded.forEach((s, a) => (p[s.name] = values[a]!));
    for (const s of linear) p[s.name] = 0;
    return p;
  };
  // Basis columns (and the offset) are cached by the values of the grid parameters they depend on:
  // Chinchilla's N^−alpha column is computed once per alpha, not once per (alpha, beta) cell.
  const depends = gridDependence(law, data, axes, paramsAt, indices);
  const cache = new Map<string, { column: Float64Array; finite: boolean }>();
  const position = new Array<number>(axes.length).fill(0);
  const keyOf = (tag: string, on: readonly number[]) => `${tag}:${on.map((a) => position[a]).join(",")}`;
  const scalars = new Map<string, number>();
  const cached = (key: string, compute: () => number) => {
    let value = scalars.get(key);
    if (value === undefined) scalars.set(key, (value = compute()));
    return value;
  };
  const gram = new Array<number>(linear.length * linear.length).fill(0);
  const gramH = new Array<number>(linear.length).fill(0);
  const columnFor = (tag: string, on: readonly number[], fill: () => Float64Array) => {
    const key = keyOf(tag, on);
    let entry = cache.get(key);
    if (!entry) {
      const column = fill().slice();
      let check = 0;
      for (let i = 0; i < n; i++) if (w[i] !== 0) check += column[i]!;
      // One sum tells whether any value was NaN or infinite.
      entry = { column, finite: Number.isFinite(check) };
      cache.set(key, entry);
    }
    return entry;
  };
  forEachCell(axes, (values, cell) => {
    let rest = cell;
    for (let a = axes.length - 1; a >= 0; a--) {
      position[a] = rest % shape[a]!;
      rest = Math.floor(rest / shape[a]!);
    }
    let differentiated = false;
    const p = paramsAt(values);
    const offsetEntry = columnFor("offset", depends.offset, () => evaluateLaw(law, p, data, offset));
    if (!offsetEntry.finite) return;
    let finite = true;
    for (let k = 0; k < linear.length; k++) {
      const entry = columnFor(String(k), depends.columns[k]!, () => {
        if (!differentiated) lawJacobian(law, p, data, lawColumns);
        differentiated = true;
        return lawColumns[indices[k]!]!;
      });
      basis[k] = entry.column;
      finite &&= entry.finite;
    }
    if (!finite) return;
    const offsetKey = keyOf("offset", depends.offset);
    const residualEntry = columnFor("residual", depends.offset, () =>
      y.map((v, i) => v - offsetEntry.column[i]!),
    );
    const yy = cached(`yy:${offsetKey}`, () => weightedDot(residualEntry.column, residualEntry.column, w));
    if (linear.length === 0) {
      cost[cell] = yy;
      return;
    }
    // Gram entries are cached too: most pairs of columns repeat across cells.
    const keys = linear.map((_, k) => keyOf(String(k), depends.columns[k]!));
    for (let a = 0; a < linear.length; a++) {
      gramH[a] = cached(`h:${keys[a]}:${offsetKey}`, () => weightedDot(basis[a]!, residualEntry.column, w));
      for (let b = a; b < linear.length; b++) {
        gram[a * linear.length + b] = gram[b * linear.length + a] = cached(`g:${keys[a]}:${keys[b]}`, () =>
          weightedDot(basis[a]!, basis[b]!, w),
        );
      }
    }
    const solved = boundedLeastSquaresFromGram(gram, gramH, yy, lower, upper);
    if (!solved) return;
    cost[cell] = solved.cost;
    solutions[cell] = solved.coefficients;
  });
  const best = gridMinima(shape, cost, options.keep);
  return best.map((cell) => {
    const p: Params = { ...base };
    let rest = cell;
    for (let a = axes.length - 1; a >= 0; a--) {
      p[gridded[a]!.name] = axes[a]![rest % shape[a]!]!;
      rest = Math.floor(rest / shape[a]!);
    }
    const coefficients = solutions[cell];
    linear.forEach((s, k) => {
      let value = coefficients ? coefficients[k]! : (s.value ?? 1);
      // A log-scaled coefficient projected to zero starts small but positive.
      if (s.log && !(value > 0))
        value = (1e-6 * Math.max(1e-12, maxAbs(y))) / Math.max(1e-300, maxAbs(basis[k]!));
      p[s.name] = value;
    });
    return p;
  });
}

/** The values to try for a parameter: its grid, or a few values across its bounds, or its start. */
export function axisFor(spec: ParamSpec): readonly number[] {
  if (spec.grid && spec.grid.length > 0) return spec.grid;
  const lo = spec.min;
  const hi = spec.max;
  if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) {
    if (spec.log && lo > 0) return Array.from({ length: 5 }, (_, i) => lo * (hi / lo) ** ((i + 0.5) / 5));
    return Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / 5);
  }
  return [spec.value ?? 1];
}

/**
 * The `index`-th element of the Halton sequence in a prime `base` (radical inverse), in (0, 1): a
 * deterministic low-discrepancy sample for starts over more dimensions than a grid can cover.
 * @example halton(1, 2) // 0.5; halton(2, 2) // 0.25; halton(1, 3) // 0.3333
 */
export function halton(index: number, base: number): number {
  let result = 0;
  let f = 1 / base;
  for (let i = index; i > 0; i = Math.floor(i / base), f /= base) result += f * (i % base);
  return result;
}

/** Default values of all parameters (their `value`, or 1). */
export function defaults(specs: readonly ParamSpec[]): Params {
  const p: Params = {};
  for (const s of specs) p[s.name] = s.value ?? 1;
  return p;
}

function thin(values: readonly number[], stride: number): number[] {
  if (stride <= 1 || values.length <= 3) return [...values];
  const out: number[] = [];
  const offset = Math.floor(((values.length - 1) % stride) / 2);
  for (let i = offset; i < values.length; i += stride) out.push(values[i]!);
  return out;
}

function maxAbs(values: Float64Array): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** Evenly spaced values from `start` to `stop` inclusive. @example range(0.5, 2, 0.5) // [0.5, 1, 1.5, 2] */
export function range(start: number, stop: number, step: number): number[] {
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12)));
}

/**
 * Which grid axes the offset and each linear basis column depend on, found by evaluating the law at the
 * middle of the grid and moving one axis at a time to its ends: a column that does not change is
 * independent of that axis.
 */
function gridDependence(
  law: Law,
  data: Observations,
  axes: readonly (readonly number[])[],
  paramsAt: (values: readonly number[]) => Params,
  indices: readonly number[],
): { offset: number[]; columns: number[][] } {
  const n = data.loss.length;
  const middle = axes.map((axis) => axis[Math.floor(axis.length / 2)]!);
  const probe = (values: readonly number[]) => {
    const p = paramsAt(values);
    const offset = evaluateLaw(law, p, data, new Float64Array(n));
    const columns = indices.length
      ? lawJacobian(
          law,
          p,
          data,
          law.params.map(() => new Float64Array(n)),
        )
      : [];
    return { offset, columns: indices.map((j) => columns[j]!) };
  };
  const center = probe(middle);
  const same = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]));
  const offset: number[] = [];
  const columns: number[][] = indices.map(() => []);
  axes.forEach((axis, a) => {
    if (axis.length < 2) return;
    const ends = [axis[0]!, axis[axis.length - 1]!].map((value) =>
      probe(middle.map((m, b) => (b === a ? value : m))),
    );
    if (ends.some((e) => !same(e.offset, center.offset))) offset.push(a);
    indices.forEach((_, k) => {
      if (ends.some((e) => !same(e.columns[k]!, center.columns[k]!))) columns[k]!.push(a);
    });
  });
  return { offset, columns };
}

/** What `exponentPairStarts` asks of a law at one cell of its exponent grid. */
export interface ExponentPairCell {
  /** Fill the two basis columns, the target and the weights for exponents (a, b); return a factor that
   * makes costs comparable across cells (1 when the target does not depend on the exponents), or
   * undefined to skip the cell. */
  fill(
    a: number,
    b: number,
    basis: [Float64Array, Float64Array],
    target: Float64Array,
    weights: Float64Array,
  ): number | undefined;
  /** The law's parameters from the exponents and the two non-negative coefficients. */
  toParams(a: number, b: number, first: number, second: number): Params;
}

/**
 * Starts for laws that are linear in two non-negative coefficients once two exponents are fixed, possibly
 * after transforming the loss (Kaplan's L^(1/alphaD)): non-negative least squares at every cell of the
 * exponent grid, the grid's local minima best first.
 * @example exponentPairStarts([range(0.02, 1, 0.04), range(0.05, 2, 0.1)], data.loss.length, cell)
 */
export function exponentPairStarts(
  axes: [readonly number[], readonly number[]],
  n: number,
  cell: ExponentPairCell,
  keep = 8,
): Params[] {
  const cost = new Float64Array(axes[0].length * axes[1].length).fill(Infinity);
  const found: (Params | undefined)[] = [];
  const basis: [Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n)];
  const target = new Float64Array(n);
  const weights = new Float64Array(n);
  forEachCell(axes, ([a, b], index) => {
    const factor = cell.fill(a!, b!, basis, target, weights);
    if (factor === undefined) return;
    const solved = boundedLinearLeastSquares(basis, target, weights, [0, 0]);
    if (!solved) return;
    const [first, second] = solved.coefficients;
    if (!(first! > 0) || !(second! > 0)) return;
    const p = cell.toParams(a!, b!, first!, second!);
    if (!Object.values(p).every(Number.isFinite)) return;
    cost[index] = solved.cost * factor;
    found[index] = p;
  });
  return gridMinima([axes[0].length, axes[1].length], cost, keep)
    .map((index) => found[index])
    .filter((p): p is Params => p !== undefined);
}
