import type { ParamSpec, Params } from "../dataTypes.js";

/**
 * Grids of starting values: the axes of a parameter, the cells of a rectangular grid and its local
 * minima, a low-discrepancy sequence for grids too large to enumerate, and the parameters' defaults.
 */

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

/**
 * Iterates the cells of a rectangular grid in row-major order (the last axis fastest): calls
 * `visit(values, cell)` with one value per axis.
 * @example forEachCell([[1, 2], [10, 20]], (v, cell) => …) // visits [1, 10] 0, [1, 20] 1, [2, 10] 2, [2, 20] 3
 */
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

/**
 * The values to try for a parameter: its grid, or five values across its bounds (log-spaced for a log
 * parameter), or its start.
 * @example axisFor({name: "E", min: 0, max: 5}) // [0.5, 1.5, 2.5, 3.5, 4.5]
 */
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

/**
 * Default values of all parameters (their `value`, or 1).
 * @example defaults([{name: "E", value: 1.7}, {name: "A"}]) // {E: 1.7, A: 1}
 */
export function defaults(specs: readonly ParamSpec[]): Params {
  const p: Params = {};
  for (const s of specs) p[s.name] = s.value ?? 1;
  return p;
}

/**
 * Every `stride`-th value of an axis, centred (axes of three values or fewer are kept whole): the coarser
 * grids of bootstrap refits.
 * @example thin([1, 2, 3, 4, 5], 2) // [1, 3, 5]
 */
export function thin(values: readonly number[], stride: number): number[] {
  if (stride <= 1 || values.length <= 3) return [...values];
  const out: number[] = [];
  const offset = Math.floor(((values.length - 1) % stride) / 2);
  for (let i = offset; i < values.length; i += stride) out.push(values[i]!);
  return out;
}

/**
 * Evenly spaced values from `start` to `stop` inclusive, rounded to 12 significant digits.
 * @example range(0.5, 2, 0.5) // [0.5, 1, 1.5, 2]
 */
export function range(start: number, stop: number, step: number): number[] {
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12)));
}
