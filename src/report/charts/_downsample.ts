/**
 * A series downsampled for drawing: in each pixel column of the plot (the x domain split evenly, in log space
 * on a log axis) only its lowest and highest point are kept, with the series' first and last point and any
 * points that must stay (those a fit used). Every kept point is a logged point, unchanged, so the drawn line
 * keeps each column's full vertical extent; a series with at most 2·columns + 2 points is kept whole.
 */

/** How a series is drawn: the plot's pixel columns over the x scale's domain. */
export interface DownsampleOptions {
  /** The plot's pixel columns (its plotted width). */
  readonly columns: number;
  /** The x scale's domain, split evenly into the columns. */
  readonly domain: readonly [number, number];
  /** The x axis is logarithmic: the columns split the domain evenly in log space. */
  readonly log?: boolean;
  /** Indices that must be kept whatever their column (points a fit used). */
  readonly keep?: Iterable<number>;
}

/**
 * The most points a series keeps once downsampled to `columns` columns (besides the `keep` indices); a series
 * with no more points than this is kept whole.
 * @example keptAtMost(640) // 1282
 */
export const keptAtMost = (columns: number) => 2 * columns + 2;

/**
 * The column of each x: 0 … columns − 1 inside the domain (clamped at its ends), −1 for an x the axis cannot
 * place (not finite, or not positive on a log axis).
 * @example pixelColumn(100, { columns: 2, domain: [1, 1e4], log: true }) // 1
 */
export function pixelColumn(x: number, { columns, domain, log = false }: DownsampleOptions): number {
  if (!Number.isFinite(x) || (log && !(x > 0))) return -1;
  const [lo, hi] = log ? [Math.log(domain[0]), Math.log(domain[1])] : domain;
  const at = log ? Math.log(x) : x;
  const span = hi - lo;
  const column = span > 0 ? Math.floor((columns * (at - lo)) / span) : 0;
  return Math.min(columns - 1, Math.max(0, column));
}

/**
 * The indices (ascending) of the points to draw of a series ordered along its line: in each column the first
 * of its lowest and the first of its highest y, the first and last point, and `keep`. Points whose y is not
 * finite are kept only as first, last or `keep`.
 * @example downsample(x, loss, { columns: 640, domain: [1e6, 1e10], log: true }).length // at most 1282
 */
export function downsample(x: ArrayLike<number>, y: ArrayLike<number>, options: DownsampleOptions): number[] {
  const n = x.length;
  if (n <= keptAtMost(options.columns)) return Array.from({ length: n }, (_, i) => i);
  // Column c's lowest and highest point at slots c + 1 (slot 0: points the axis cannot place).
  const lowest = new Int32Array(options.columns + 1).fill(-1);
  const highest = new Int32Array(options.columns + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) continue;
    const slot = pixelColumn(x[i]!, options) + 1;
    if (lowest[slot]! < 0 || v < y[lowest[slot]!]!) lowest[slot] = i;
    if (highest[slot]! < 0 || v > y[highest[slot]!]!) highest[slot] = i;
  }
  const kept = new Set<number>([0, n - 1]);
  for (const i of lowest) if (i >= 0) kept.add(i);
  for (const i of highest) if (i >= 0) kept.add(i);
  for (const i of options.keep ?? []) if (Number.isInteger(i) && i >= 0 && i < n) kept.add(i);
  return [...kept].sort((a, b) => a - b);
}
