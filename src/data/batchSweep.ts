import { UserError } from "../errors.js";
import type { Observations } from "../dataTypes.js";
import type { GradientNoise } from "../types.js";
import { gradientNoiseScale } from "../predict/gradientNoiseScale.js";
import { randomSource } from "../random.js";
import { gradientNoiseColumns } from "../store/schema.js";
import { numericColumn } from "./observations.js";
import type { Table } from "./readTable.js";

/** One logged point of a batch-size sweep. */
export interface SweepPoint {
  readonly run: string;
  /** Batch size in tokens per step. */
  readonly B: number;
  readonly step: number;
  readonly loss: number;
  /** Squared gradient norms at two batch sizes, where the trainer measured them at this point. */
  readonly noise?: GradientNoise;
  /** Where the point came from, for messages (`file line 12`). */
  readonly where?: string;
}

/**
 * The simple noise scale at a target loss from the gradient norms measured where the runs crossed it: B_simple
 * (tokens) with a 95 % interval from resampling runs, or null (with the reason) where it cannot be estimated.
 */
export interface NoiseAtTarget {
  readonly target: number;
  /** Measurements used (the logged points on either side of each run's crossing). */
  readonly measurements: number;
  readonly runs: number;
  readonly Bsimple: number | null;
  readonly interval: readonly [number, number] | null;
  readonly note?: string;
}

/** Observations for law `bcrit` (inputs B and target, "loss" = steps to reach the target), with provenance. */
export interface BatchSweep {
  readonly observations: Observations;
  /** Per target: how many runs reach it, and at how many batch sizes. */
  readonly reached: readonly { target: number; runs: number; batchSizes: number }[];
  /** Runs and targets left out, and why. */
  readonly notes: readonly string[];
  /** B_simple at each target, when the points carry gradient norms (absent otherwise). */
  readonly noiseScale?: readonly NoiseAtTarget[];
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
  // Per target, per run: the gradient-noise measurements around the crossing.
  const noiseAt = new Map<number, Map<string, GradientNoise[]>>(targets.map((t) => [t, new Map()]));
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
      const measured = [a.noise, b.noise].filter((n): n is GradientNoise => n !== undefined);
      if (measured.length) noiseAt.get(t)!.set(run, measured);
    }
  }
  const anyNoise = [...noiseAt.values()].some((byRun) => byRun.size > 0);
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
    ...(anyNoise ? { noiseScale: targets.map((t) => noiseScaleAt(t, noiseAt.get(t)!)) } : {}),
  };
}

/**
 * B_simple at one target from the runs' measurements around their crossings: each measurement's |G|² and
 * tr Σ (gradientNoiseScale's estimators), averaged over all measurements before the ratio, and a 95 %
 * percentile interval from 1 000 resamplings of the runs (fixed seed). With fewer than three runs there is no
 * interval; a non-positive mean |G|² (noise swamps the signal) gives no estimate.
 */
function noiseScaleAt(target: number, byRun: ReadonlyMap<string, readonly GradientNoise[]>): NoiseAtTarget {
  const perRun = [...byRun.values()].map((list) =>
    list.map((n) => gradientNoiseScale({ B: n.smallBatch, norm2: n.smallNorm2 }, { B: n.bigBatch, norm2: n.bigNorm2 })),
  );
  const measurements = perRun.reduce((s, l) => s + l.length, 0);
  const ratio = (runs: readonly (typeof perRun)[number][]) => {
    let g = 0;
    let trace = 0;
    for (const list of runs)
      for (const e of list) {
        g += e.gradientNorm2;
        trace += e.traceSigma;
      }
    return g > 0 && trace > 0 ? trace / g : NaN;
  };
  const base = { target, measurements, runs: perRun.length };
  if (measurements === 0) return { ...base, Bsimple: null, interval: null, note: "no gradient norms measured near this loss" };
  const Bsimple = ratio(perRun);
  if (!Number.isFinite(Bsimple))
    return { ...base, Bsimple: null, interval: null, note: "the mean |G|² or tr Σ is not positive: noise swamps the measurement" };
  if (perRun.length < 3)
    return { ...base, Bsimple, interval: null, note: "fewer than three runs: no interval" };
  const random = randomSource(20240611);
  const draws: number[] = [];
  for (let b = 0; b < 1000; b++) {
    const value = ratio(Array.from(perRun, () => perRun[random.int(perRun.length)]!));
    if (Number.isFinite(value)) draws.push(value);
  }
  draws.sort((x, y) => x - y);
  const q = (p: number) => draws[Math.min(draws.length - 1, Math.floor(p * draws.length))]!;
  return { ...base, Bsimple, interval: draws.length >= 100 ? [q(0.025), q(0.975)] : null };
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
  // Gradient norms where the file has the trainer's columns (empty cells: not measured at that point).
  const noise = gradientNoiseColumns.every((c) => table.columns.includes(c))
    ? gradientNoiseColumns.map((c) => optionalColumn(table, c, word))
    : undefined;
  return table.cells.run!.map((run, i) => {
    if (run === undefined) throw new UserError(`${table.file} ${word} ${table.lines[i]}, column run: empty value`);
    const point = { run: String(run), B: B[i]!, step: step[i]!, loss: loss[i]!, where: `${table.file} ${word} ${table.lines[i]}` };
    const values = noise?.map((column) => column[i]!);
    return values && values.every((v) => !Number.isNaN(v))
      ? { ...point, noise: { smallBatch: values[0]!, smallNorm2: values[1]!, bigBatch: values[2]!, bigNorm2: values[3]! } }
      : point;
  });
}

/** A column of non-negative numbers with empty cells as NaN; anything else is an error naming the cell. */
function optionalColumn(table: Table, column: string, word: string): Float64Array {
  return Float64Array.from(table.cells[column]!, (v, i) => {
    if (v === undefined || v === "") return NaN;
    const x = Number(v);
    if (!(Number.isFinite(x) && x >= 0))
      throw new UserError(`${table.file} ${word} ${table.lines[i]}, column ${column}: ${JSON.stringify(v)} is not a non-negative number`);
    return x;
  });
}
