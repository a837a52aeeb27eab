import { UserError } from "../errors.js";
import type { Observations } from "../dataTypes.js";
import { numericColumn } from "./observations.js";
import type { Table } from "./readTable.js";

/** One logged point of a batch-size sweep. */
export interface SweepPoint {
  readonly run: string;
  /** Batch size in tokens per step. */
  readonly B: number;
  readonly step: number;
  readonly loss: number;
  /** Where the point came from, for messages (`file line 12`). */
  readonly where?: string;
}

/** Observations for law `bcrit` (inputs B and target, "loss" = steps to reach the target), with provenance. */
export interface BatchSweep {
  readonly observations: Observations;
  /** Per target: how many runs reach it, and at how many batch sizes. */
  readonly reached: readonly { target: number; runs: number; batchSizes: number }[];
  /** Runs and targets left out, and why. */
  readonly notes: readonly string[];
}

/**
 * The steps each run of a batch-size sweep takes to reach each target loss — the points of the
 * McCandlish hyperbola. A run's loss curve is made monotone by its running minimum (noise cannot un-reach a
 * target); the step where the running minimum crosses the target is interpolated linearly between the two
 * logged points around it. A run whose first logged loss is already below a target gives no point for it
 * (when it crossed is unknown). Every target must be reached at two batch sizes or more.
 * @example batchSweepObservations(points, [3.0, 2.6]).observations.inputs.B
 */
export function batchSweepObservations(points: readonly SweepPoint[], targets: readonly number[]): BatchSweep {
  const runs = new Map<string, SweepPoint[]>();
  for (const point of points) {
    const list = runs.get(point.run);
    if (list) list.push(point);
    else runs.set(point.run, [point]);
  }
  if (runs.size === 0) throw new UserError("the batch-size sweep has no points");
  const B: number[] = [];
  const target: number[] = [];
  const steps: number[] = [];
  const labels: string[] = [];
  const notes: string[] = [];
  let lowest = { loss: Infinity, run: "" };
  for (const [run, list] of runs) {
    const batch = list[0]!.B;
    list.forEach((point, i) => {
      const at = point.where ? `${point.where}: ` : `run ${run}: `;
      if (point.B !== batch)
        throw new UserError(`${at}batch size ${point.B} differs from the run's ${batch} (one batch size per run)`);
      if (i > 0 && !(point.step > list[i - 1]!.step))
        throw new UserError(`${at}step ${point.step} of run ${run} does not follow step ${list[i - 1]!.step}`);
    });
    let envelope = Infinity;
    const running = list.map((point) => (envelope = Math.min(envelope, point.loss)));
    if (envelope < lowest.loss) lowest = { loss: envelope, run };
    for (const t of targets) {
      const i = running.findIndex((value) => value <= t);
      if (i < 0) continue;
      if (i === 0) {
        notes.push(`run ${run} starts below loss ${t}: no point for that target`);
        continue;
      }
      const [a, b] = [list[i - 1]!, list[i]!];
      const above = running[i - 1]!;
      const S = a.step + ((above - t) / (above - b.loss)) * (b.step - a.step);
      B.push(batch);
      target.push(t);
      steps.push(S);
      labels.push(run);
    }
  }
  const reached = targets.map((t) => {
    const rows = target.flatMap((v, i) => (v === t ? [i] : []));
    return { target: t, runs: rows.length, batchSizes: new Set(rows.map((i) => B[i])).size };
  });
  for (const r of reached) {
    if (r.runs === 0)
      throw new UserError(
        `no run reaches target loss ${r.target} (the lowest loss reached is ${lowest.loss}, run ${lowest.run}): choose higher --targets`,
      );
    if (r.batchSizes < 2)
      throw new UserError(
        `target loss ${r.target} is reached at only one batch size: the hyperbola needs runs at two or more (choose higher --targets or add runs)`,
      );
  }
  return {
    observations: {
      inputs: { B: Float64Array.from(B), target: Float64Array.from(target) },
      loss: Float64Array.from(steps),
      run: labels,
    },
    reached,
    notes,
  };
}

/**
 * The points of a batch-size sweep from a table with columns `run`, `B` (tokens per step), `step` and
 * `loss`, every cell checked.
 * @example sweepPoints(mapColumns(readTable("sweep.csv"), {B: "batch_tokens"}))
 */
export function sweepPoints(table: Table): SweepPoint[] {
  const missing = ["run", "B", "step", "loss"].filter((name) => !table.columns.includes(name));
  if (missing.length)
    throw new UserError(
      `${table.file} has no column ${missing.join(", ")}: law bcrit reads run, B (tokens per step), step and loss (columns: ${table.columns.join(", ")}; --map B=<column> renames one)`,
    );
  const B = numericColumn(table, "B");
  const step = numericColumn(table, "step", { allowZero: true });
  const loss = numericColumn(table, "loss");
  const word = table.rowWord ?? "line";
  return table.cells.run!.map((run, i) => {
    if (run === undefined) throw new UserError(`${table.file} ${word} ${table.lines[i]}, column run: empty value`);
    return { run: String(run), B: B[i]!, step: step[i]!, loss: loss[i]!, where: `${table.file} ${word} ${table.lines[i]}` };
  });
}
