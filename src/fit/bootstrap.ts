import type { Law, Observations, Params } from "../types.js";
import { randomSource } from "../random.js";
import { createProblem, type FitProblem } from "./problem.js";
import { projectedGridStarts } from "./starts.js";

/** Options of `bootstrapDraws`. */
export interface BootstrapOptions {
  /** Number of refits. */
  readonly samples: number;
  readonly seed: number;
  /** Starting points every refit tries (the full-data optimum first, then other minima). */
  readonly starts: readonly Params[];
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

/** Parameter draws from refits, one array per free parameter (NaN where a refit failed). */
export interface BootstrapResult {
  readonly draws: Record<string, Float64Array>;
  readonly failures: number;
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
 * Nonparametric bootstrap over runs: each refit draws as many runs as there are, with replacement
 * (a run drawn k times weighs k: no data are copied), and refits from the full-data optimum, the other
 * minima and the best cell of a coarse starting grid, keeping the best. Efron & Tibshirani 1993, ch. 6;
 * clusters as in Davison & Hinkley 1997, §3.8.
 * @example bootstrapDraws(problem, {samples: 1000, seed: 1, starts: [best]})
 */
export function bootstrapDraws(problem: FitProblem, options: BootstrapOptions): BootstrapResult {
  const { law, data, specs, settings } = problem;
  const random = randomSource(options.seed);
  const { index, count } = clusterIndex(data);
  const base = problem.weights;
  const n = problem.n;
  const draws: Record<string, Float64Array> = {};
  for (const s of problem.free) draws[s.name] = new Float64Array(options.samples);
  const multiplicity = new Float64Array(count);
  const weights = new Float64Array(n);
  // Bootstrap refits need less polish than the reported fit.
  const refitSettings = {
    ...settings,
    fTol: Math.max(settings.fTol, 1e-10),
    xTol: Math.max(settings.xTol, 1e-9),
  };
  let failures = 0;
  for (let b = 0; b < options.samples; b++) {
    multiplicity.fill(0);
    for (let k = 0; k < count; k++) multiplicity[random.int(count)]! += 1;
    for (let i = 0; i < n; i++) weights[i] = base[i]! * multiplicity[index[i]!]!;
    const refit = createProblem(law, data, specs, refitSettings, weights);
    const starts = [...options.starts, ...coarseStarts(law, data, refit)];
    let bestCost = Infinity;
    let best: Params | undefined;
    for (const start of starts) {
      const result = refit.refine(start);
      if (Number.isFinite(result.cost) && result.cost < bestCost) {
        bestCost = result.cost;
        best = refit.toParams(result.x);
      }
    }
    if (!best) failures++;
    for (const s of problem.free) draws[s.name]![b] = best ? best[s.name]! : NaN;
    options.onProgress?.(b + 1, options.samples, "bootstrap");
  }
  return { draws, failures };
}

/** One start from a coarse grid on the resampled data, so a refit can leave the full-data basin. */
function coarseStarts(law: Law, data: Observations, problem: FitProblem): Params[] {
  if (law.starts) {
    return law
      .starts({ ...data, weight: problem.weights }, problem.fixed, {
        space: problem.settings.space,
        specs: problem.specs,
      })
      .slice(0, 1);
  }
  return projectedGridStarts(law, data, problem.specs, problem.fixed, {
    space: problem.settings.space,
    weights: problem.weights,
    keep: 1,
    stride: 3,
  });
}
