/**
 * Loss curves downsampled in the database for drawing, so that a store of 1e7 logged points reaches a report
 * as a few points per pixel column: the x extent of the filtered points (tokens, else steps) is split into
 * `columns` even columns (in log space for a log axis) and, of each curve with more than 2·columns + 2
 * points, only the first lowest and first highest loss of each column and the curve's first and last point
 * are read. Every point read is a logged point, unchanged; the report's `downsample` (src/report/charts/
 * _downsample.ts) makes the same choice, so it keeps these points as they are. Held-out and training losses
 * are separate curves, read in one pass over the points.
 */
import { rows, type Store } from "./duckdb.js";
import { whereClause } from "./where.js";

/** How the curves will be drawn: the plot's columns, and whether its x axis is logarithmic. */
export interface CurveColumns {
  readonly count: number;
  readonly log: boolean;
}

/** A run's downsampled curve of one loss, with how many points of that loss it logged. */
export interface DownsampledCurve {
  run: string;
  split: "eval" | "train";
  tokens: number[];
  loss: number[];
  logged: number;
}

/**
 * The filtered runs' held-out (eval) curves, then their training curves, each in run order, of loss against
 * tokens seen (the step where tokens are not logged), each downsampled to `columns`.
 * @example await downsampledCurves(store, ["run~sweep/*"], { count: 640, log: true })
 */
export async function downsampledCurves(
  store: Store,
  filters: readonly string[],
  columns: CurveColumns,
): Promise<DownsampledCurve[]> {
  const where = whereClause(filters);
  const c = Math.max(1, Math.floor(columns.count));
  const whole = 2 * c + 2;
  const position = columns.log ? "ln(x)" : "x";
  const point = "{'o': ord, 'x': x, 'l': loss}";
  const x = "coalesce(p.tokens, p.step)::DOUBLE";
  const placed = columns.log ? `isfinite(${x}) AND ${x} > 0` : `isfinite(${x})`;
  const drawn = `FROM runs r JOIN points p ON p.run_id = r.run_id
     WHERE ${where.sql} AND coalesce(p.tokens, p.step) IS NOT NULL AND coalesce(p.eval_loss, p.train_loss) IS NOT NULL`;
  // First each run's counts of both losses and the extent of every drawn point (either loss), as the chart's
  // x domain is: one pass, a row per run.
  const stats = await rows(
    store,
    `SELECT p.run_id, any_value(r.name) AS run, count(p.eval_loss) AS eval, count(p.train_loss) AS train,
            min(${columns.log ? `ln(${x})` : x}) FILTER (WHERE ${placed}) AS lo,
            max(${columns.log ? `ln(${x})` : x}) FILTER (WHERE ${placed}) AS hi
     ${drawn} GROUP BY p.run_id`,
    where.values,
  );
  const curveRows = stats.flatMap((r) =>
    ([0, 1] as const).map((split) => [Number(r.run_id), split, Number(split ? r.train : r.eval)] as const),
  );
  const kinds = curveRows.filter(([, , n]) => n > 0 && Number.isInteger(n));
  if (kinds.length === 0) return [];
  let [lo, hi] = [Infinity, -Infinity];
  for (const r of stats)
    if (r.lo !== null && r.hi !== null) [lo, hi] = [Math.min(lo, Number(r.lo)), Math.max(hi, Number(r.hi))];
  const names = new Map(stats.map((r) => [Number(r.run_id), String(r.run)]));
  const column = hi > lo ? `least(${c - 1}, greatest(0, floor(${c} * (${position} - ?) / ?)))::INTEGER` : "0";
  // Then one pass over the points of both losses (split 0: eval, 1: train; ord: the step, nulls last): each
  // column of a long curve gives its first lowest and first highest point and its first and last (of which
  // the curve keeps only its own first and last); a short curve gives every point. Run ids and counts are
  // integers read from the database, written into the query as a table.
  const result = await rows(
    store,
    `WITH kinds(run_id, split, n) AS (VALUES ${kinds.map(([id, split, n]) => `(${id}, ${split}, ${n})`).join(", ")}),
     pts AS NOT MATERIALIZED (
       SELECT p.run_id, 0 AS split, coalesce(p.step, 9223372036854775807) AS ord, ${x} AS x, p.eval_loss AS loss
       ${drawn} AND p.eval_loss IS NOT NULL
       UNION ALL
       SELECT p.run_id, 1 AS split, coalesce(p.step, 9223372036854775807) AS ord, ${x} AS x, p.train_loss AS loss
       ${drawn} AND p.train_loss IS NOT NULL),
     counted AS NOT MATERIALIZED (SELECT pts.*, n FROM pts JOIN kinds USING (run_id, split))
     SELECT run_id, split, any_value(n) AS n,
            arg_min(${point}, {'l': loss, 'o': ord}) AS lowest, arg_max(${point}, {'l': loss, 'o': -ord}) AS highest,
            arg_min(${point}, ord) AS first, arg_max(${point}, ord) AS last
     FROM (SELECT counted.*, CASE WHEN NOT (${placed.replaceAll(x, "x")}) THEN -1 ELSE ${column} END AS col
           FROM counted WHERE n > ${whole})
     GROUP BY run_id, split, col
     UNION ALL
     SELECT run_id, split, n, ${point}, NULL, NULL, NULL FROM counted WHERE n <= ${whole}
     ORDER BY split, run_id`,
    [...where.values, ...where.values, ...(hi > lo ? [lo, hi - lo] : [])],
  );
  type Point = { o: unknown; x: unknown; l: unknown };
  type Found = {
    run: string;
    split: number;
    n: number;
    points: Map<string, Point>;
    first?: Point;
    last?: Point;
  };
  // Along a curve: by step (nulls last), then tokens.
  const along = (a: Point, b: Point) =>
    BigInt(a.o as bigint) < BigInt(b.o as bigint)
      ? -1
      : BigInt(a.o as bigint) > BigInt(b.o as bigint)
        ? 1
        : Number(a.x) - Number(b.x);
  const found = new Map<string, Found>();
  for (const row of result) {
    const key = `${row.split} ${row.run_id}`;
    let curve = found.get(key);
    if (!curve)
      found.set(
        key,
        (curve = {
          run: names.get(Number(row.run_id))!,
          split: Number(row.split),
          n: Number(row.n),
          points: new Map(),
        }),
      );
    for (const p of [row.lowest, row.highest] as Array<Point | null>)
      if (p) curve.points.set(`${p.o} ${p.x}`, p);
    const [first, last] = [row.first, row.last] as Array<Point | null>;
    if (first && (!curve.first || along(first, curve.first) < 0)) curve.first = first;
    if (last && (!curve.last || along(last, curve.last) > 0)) curve.last = last;
  }
  const curves: DownsampledCurve[] = [];
  for (const { run, split, n, points, first, last } of found.values()) {
    for (const p of [first, last]) if (p) points.set(`${p.o} ${p.x}`, p);
    const sorted = [...points.values()].sort(along);
    curves.push({
      run,
      split: split === 0 ? "eval" : "train",
      tokens: sorted.map((p) => Number(p.x)),
      loss: sorted.map((p) => Number(p.l)),
      logged: n,
    });
  }
  return curves;
}
