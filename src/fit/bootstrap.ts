import type { Observations, Params } from "../dataTypes.js";
import { boundedLinearLeastSquares } from "./boundedLinear.js";
import { quantileSorted } from "./distributions.js";
import { lawJacobian } from "./evaluate.js";
import { refitSettings, type FitProblem } from "./problem.js";
import { warmRefitsOf } from "./refitThreads.js";
import { Resampler, type RefitJob } from "./warmRefits.js";
import { whiteningAt } from "./whitening.js";

/** Options of `bootstrapDraws`. */
export interface BootstrapOptions {
  /** Number of refits. */
  readonly samples: number;
  readonly seed: number;
  /**
   * Starting points: every refit starts from the first (the full-data optimum) and from the others (the
   * minima that compete with it); a coarse grid cell is tried only when the refit lands far away.
   */
  readonly starts: readonly Params[];
  /** What is resampled. @default "runs" */
  readonly unit?: ResampleUnit;
  /** Points per block when `unit` is "blocks". @default 10 */
  readonly blockLength?: number;
  /** Also try the best cell of a coarse starting grid in every refit. @default true */
  readonly gridStarts?: boolean;
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

/** Parameter draws from refits, one array per free parameter (NaN where a refit failed). */
export interface BootstrapResult {
  readonly draws: Record<string, Float64Array>;
  readonly failures: number;
  /** Refits that landed far from the full-data optimum and tried every start. */
  readonly escapes: number;
  /** Refits that converged from no start (their draw is where the best of them stopped). */
  readonly unconverged: number;
  /** Refits done on the worker thread (`refitThreads.ts`). */
  readonly onWorker: number;
}

/** What the bootstrap resamples: whole runs, blocks of consecutive points within each run, or points. */
export type ResampleUnit = "runs" | "blocks" | "points";

/** Resampling units of a data set: the unit of each point and the stratum (run) of each unit. */
interface Units {
  /** Unit of each point. */
  readonly index: Int32Array;
  /** Number of units. */
  readonly count: number;
  /** Stratum of each unit: units are redrawn only from their own stratum. */
  readonly stratum: Int32Array;
}

/**
 * Cluster index of each point: points of the same run share one, so the bootstrap resamples whole runs
 * (a curve's points are not independent). Without run labels every point is its own cluster.
 * @example clusterIndex({run: ["a", "a", "b"], ...}) // {index: [0, 0, 1], count: 2}
 */
export function clusterIndex(data: Observations): { index: Int32Array; count: number } {
  const n = data.loss.length;
  const index = new Int32Array(n);
  if (!data.run) {
    for (let i = 0; i < n; i++) index[i] = i;
    return { index, count: n };
  }
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const label = data.run[i]!;
    let id = ids.get(label);
    if (id === undefined) ids.set(label, (id = ids.size));
    index[i] = id;
  }
  return { index, count: ids.size };
}

/**
 * The units the bootstrap redraws. `runs`: whole runs, one stratum (Davison & Hinkley 1997, §3.8).
 * `blocks`: consecutive blocks of `blockLength` points within each run, redrawn within their run so that
 * every curve keeps its schedule (the non-overlapping block bootstrap of Carlstein 1986, stratified by run).
 * `points`: single points. `strata` (a law's, one label per point) keep runs and points within their
 * stratum, as Davison & Hinkley's stratified bootstrap (1997, §3.7).
 * @example resamplingUnits(curves, "blocks", 10).count // blocks over all runs
 */
export function resamplingUnits(
  data: Observations,
  unit: ResampleUnit,
  blockLength = 10,
  strata?: Int32Array,
): Units {
  const n = data.loss.length;
  if (unit === "points" || !data.run) {
    return {
      index: Int32Array.from({ length: n }, (_, i) => i),
      count: n,
      stratum: strata ? Int32Array.from(strata) : new Int32Array(n),
    };
  }
  const runs = clusterIndex(data);
  if (unit === "runs") {
    // A run's stratum is its first point's (a law's strata never split a run).
    const stratum = new Int32Array(runs.count);
    if (strata) for (let i = n - 1; i >= 0; i--) stratum[runs.index[i]!] = strata[i]!;
    return { ...runs, stratum };
  }
  const index = new Int32Array(n);
  const stratum: number[] = [];
  const seen = new Int32Array(runs.count);
  const blockOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const run = runs.index[i]!;
    const block = Math.floor(seen[run]! / blockLength);
    seen[run]! += 1;
    const key = `${run}:${block}`;
    let id = blockOf.get(key);
    if (id === undefined) {
      blockOf.set(key, (id = stratum.length));
      stratum.push(run);
    }
    index[i] = id;
  }
  return { index, count: stratum.length, stratum: Int32Array.from(stratum) };
}

/**
 * Nonparametric bootstrap over runs: each refit draws as many runs as there are, with replacement
 * (a run drawn k times weighs k: no data are copied), and refits from the full-data optimum, the other
 * minima and the best cell of a coarse starting grid, keeping the best. Efron & Tibshirani 1993, ch. 6;
 * clusters as in Davison & Hinkley 1997, §3.8.
 * @example bootstrapDraws(problem, {samples: 1000, seed: 1, starts: [best]})
 */
export function bootstrapDraws(problem: FitProblem, options: BootstrapOptions): BootstrapResult {
  const { law, data, specs, settings } = problem;
  const { index, count, stratum } = resamplingUnits(
    data,
    options.unit ?? "runs",
    options.blockLength,
    law.strata?.(data),
  );
  const members: number[][] = [];
  for (let u = 0; u < count; u++) (members[stratum[u]!] ??= []).push(u);
  const { samples } = options;
  const job: RefitJob = {
    law,
    data,
    specs,
    settings: refitSettings(settings),
    starts: options.starts,
    // Final-loss laws refit in whitened coordinates; a curve law's block resamples move its Jacobian too far
    // from the full data's for that to pay (multipower on Luo et al.'s 25M curves: 47 evaluations per refit
    // whitened against 39, 15.1 s against 12.6 s).
    whitenings: law.curve ? undefined : options.starts.map((start) => whiteningAt(problem, start)),
    base: problem.weights,
    index,
    members,
    units: count,
    seed: options.seed,
    samples,
  };
  const draws: Record<string, Float64Array> = {};
  for (const s of problem.free) draws[s.name] = new Float64Array(samples);
  const progress = (done: number) => options.onProgress?.(Math.min(done, samples), samples, "bootstrap");
  // Least squares of a law linear in every free parameter: each refit is one weighted linear solve (a
  // resample that leaves the system singular is refitted as any other law's).
  const linear = linearDesign(problem, options.starts[0]);
  if (linear) {
    const resampler = new Resampler(job);
    let solvedAll = true;
    for (let b = 0; b < samples && solvedAll; b++) {
      const solved = boundedLinearLeastSquares(
        linear.columns,
        data.loss,
        resampler.weights(),
        [],
        [],
        linear.offset,
      );
      if (solved) problem.free.forEach((s, j) => (draws[s.name]![b] = solved.coefficients[j]!));
      else solvedAll = false;
      progress(b + 1);
    }
    if (solvedAll) return { draws, failures: 0, escapes: 0, unconverged: 0, onWorker: 0 };
  }
  // Warm starts from the full-data optimum (and the minima competing with it): a few Gauss–Newton steps
  // each, on two threads where that pays. Then, on this thread, a refit that did not converge or landed far
  // from where the others did also tries a coarse grid cell of its own resample (the resample may have moved
  // the basin): far is judged against every refit's landing, so it does not depend on their order.
  const k = problem.free.length;
  const warm = warmRefitsOf(job, progress);
  const landing = (b: number) =>
    Number.isFinite(warm.cost[b]!) ? warm.x.subarray(b * k, b * k + k) : undefined;
  const spread = new Spread(k);
  for (let b = 0; b < samples; b++) {
    const x = landing(b);
    if (x) spread.add(x);
  }
  spread.settle();
  const far: number[] = [];
  for (let b = 0; b < samples; b++) {
    const x = landing(b);
    if (warm.converged[b] !== 1 || !x || spread.far(x)) far.push(b);
  }
  // The escapes' grid cells, on two threads too; an escape's refit replaces the warm one where it fits better.
  const escaped =
    options.gridStarts !== false && far.length
      ? warmRefitsOf({ ...job, escapes: Int32Array.from(far) })
      : undefined;
  const better = new Map<number, Float64Array>();
  far.forEach((b, i) => {
    if (escaped && escaped.cost[i]! < warm.cost[b]!) better.set(b, escaped.x.subarray(i * k, i * k + k));
  });
  let failures = 0;
  let unconverged = 0;
  for (let b = 0; b < samples; b++) {
    const x = better.get(b) ?? landing(b);
    if (warm.converged[b] !== 1) unconverged++;
    if (!x) failures++;
    const params = x ? problem.toParams(x) : undefined;
    for (const s of problem.free) draws[s.name]![b] = params ? params[s.name]! : NaN;
  }
  const escapes = far.length;
  return { draws, failures, escapes, unconverged, onWorker: warm.onWorker };
}

/**
 * The design of a problem whose predictions are linear in every free parameter and whose objective is least
 * squares on the loss itself (isoflop's parabolas, hparams' bowls): prediction = offset + Σ_j p_j·column_j,
 * Undefined for any other problem (a robust loss, log space, a bounded parameter, one fitted as a logarithm
 * or not declared linear).
 */
function linearDesign(problem: FitProblem, at: Params | undefined) {
  const { law, settings, free } = problem;
  const linear = new Set(law.linear ?? []);
  if (!at || settings.loss !== "linear" || settings.space !== "linear") return undefined;
  // Unbounded only: bounds would make the solve try every face of the box.
  if (!free.every((s) => linear.has(s.name) && !s.log && s.min === undefined && s.max === undefined))
    return undefined;
  const n = problem.n;
  const all = lawJacobian(
    law,
    at,
    problem.data,
    law.params.map(() => new Float64Array(n)),
  );
  const columns = free.map((s) => all[law.params.findIndex((q) => q.name === s.name)]!);
  const offset = problem.predictions(at);
  free.forEach((s, j) => {
    const v = at[s.name]!;
    const column = columns[j]!;
    for (let i = 0; i < n; i++) offset[i]! -= v * column[i]!;
  });
  return { columns, offset };
}

/**
 * Where the refits landed, in internal coordinates: a refit is far when one of its coordinates lies more
 * than `limit` robust standard deviations (1.4826 · MAD of every refit's landing) from their median. Judged
 * only with at least `warmUp` landings.
 */
class Spread {
  private readonly seen: number[][];
  private center: Float64Array | undefined;
  private scale: Float64Array | undefined;
  constructor(
    private readonly k: number,
    private readonly warmUp = 30,
    private readonly limit = 6,
  ) {
    this.seen = Array.from({ length: k }, () => []);
  }
  add(u: ArrayLike<number>): void {
    for (let j = 0; j < this.k; j++) if (Number.isFinite(u[j]!)) this.seen[j]!.push(u[j]!);
  }
  /** Fixes the median and MAD of the landings added. */
  settle(): void {
    if (this.seen.every((column) => column.length < this.warmUp)) return;
    this.center = new Float64Array(this.k);
    this.scale = new Float64Array(this.k);
    for (let j = 0; j < this.k; j++) {
      const sorted = Float64Array.from(this.seen[j]!).sort();
      const median = quantileSorted(sorted, 0.5);
      const deviations = sorted.map((v) => Math.abs(v - median)).sort();
      this.center[j] = median;
      this.scale[j] = 1.4826 * quantileSorted(deviations, 0.5);
    }
  }
  far(u: ArrayLike<number>): boolean {
    const { center, scale } = this;
    if (!center || !scale) return false;
    for (let j = 0; j < this.k; j++) {
      const d = Math.abs(u[j]! - center[j]!);
      if (!(d <= this.limit * scale[j]!) && d > 1e-9 * Math.max(1, Math.abs(center[j]!))) return true;
    }
    return false;
  }
}
