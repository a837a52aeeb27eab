import type { Observations, ParamSpec, Params } from "../dataTypes.js";
import type { Law } from "../types.js";
import { boundedLeastSquaresFromGram, weightedDot } from "./boundedLinear.js";
import { evaluateLaw, lawJacobian } from "./evaluate.js";
import { axisFor, defaults, forEachCell, gridMinima, thin } from "./grid.js";

/**
 * The deterministic multi-start grid. Parameters that enter linearly are projected out at every grid
 * cell (variable projection: Golub & Pereyra 1973; for Chinchilla, Open-Athena/vpnls), so only the
 * exponents are gridded, and the grid's local minima become the starts of the local refinement.
 */

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
 * @example projectedGridStarts(chinchilla, data, specs, {}, {space: "log", weights, keep: 8}) // 8 starts, best cell first
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

function maxAbs(values: Float64Array): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
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
