import { UserError } from "../errors.js";
import { randomSource } from "../random.js";
import type {
  DerivedValue,
  FitOptions,
  FitResult,
  FittedParam,
  Law,
  LocalMinimum,
  Observations,
  Params,
} from "../types.js";
import { bootstrapDraws } from "./bootstrap.js";
import { checkFitOptions } from "./checkFitOptions.js";
import { fitWarnings } from "./diagnostics.js";
import { chiSquare1Quantile, normalQuantile, percentileInterval } from "./distributions.js";
import type { LeastSquaresResult } from "./leastSquares.js";
import { cholesky } from "./linalg.js";
import { createProblem, type FitProblem } from "./problem.js";
import { profileParameter } from "./profile.js";
import { defaults } from "./grid.js";
import { projectedGridStarts } from "./projectedGridStarts.js";
import { correlationMatrix, covarianceEstimate, effectiveDegree, informationCriteria } from "./statistics.js";
import { atBound, fromInternal, gradientScale } from "./transforms.js";

/** Number of draws from the covariance when intervals come from it. */
const covarianceDraws = 2000;

/**
 * Fits a law to observations: a deterministic grid of starts with the linear parameters projected out,
 * Levenberg–Marquardt refinement of the grid's best local minima under a robust loss, then intervals
 * (bootstrap over runs by default), derived quantities, profile intervals on request, and warnings.
 * The defaults are the published recipe: Huber δ = 1e-3 on log residuals (Hoffmann et al. 2022,
 * appendix D.2; Besiroglu et al. 2024).
 * @example
 * const data = {inputs: {N, D}, loss};
 * const fit = fitLaw(chinchilla, data, {bootstrap: 1000, seed: 1});
 * fit.params.alpha; fit.intervals.alpha; fit.warnings
 */
export function fitLaw(law: Law, data: Observations, options: FitOptions = {}): FitResult {
  const { options: resolved, specs } = checkFitOptions(law, data, options);
  // Constants from the data (reference sizes) are set once, before the fit and its bootstrap refits.
  if (law.bind) law = law.bind(data);
  const settings = {
    space: resolved.space,
    loss: resolved.loss,
    delta: resolved.delta,
    fTol: resolved.fTol,
    xTol: resolved.xTol,
    gTol: resolved.gTol,
    maxEvaluations: resolved.maxEvaluations,
  };
  const problem = createProblem(law, data, specs, settings);
  const starts = initialStarts(problem, resolved.refine, options.starts ?? []);
  const refined = refineStarts(problem, starts, options.starts?.length ?? 0);
  if (refined.length === 0) {
    throw new UserError(
      `law ${law.name} cannot be evaluated on these data from any start (its predictions are not ${settings.space === "log" ? "positive and " : ""}finite)`,
    );
  }
  const { start, result } = refined[0]!;
  const params = problem.toParams(result.x);
  const minima = distinctMinima(
    problem,
    refined.map((r) => r.result),
  );
  const evaluations = refined.reduce((s, r) => s + r.result.evaluations, 0);

  const free = problem.free;
  const k = free.length;
  const n = countPositive(problem.weights);
  const weighted = result.residuals;
  let chiSquare = 0;
  for (const r of weighted) chiSquare += r * r;
  const covariance = covarianceEstimate(
    result.jacobian,
    weighted,
    settings.loss,
    settings.delta,
    problem.weights,
  );
  const scales = free.map((s, j) => gradientScale(s, result.x[j]!));
  const naturalCovariance = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => scales[a]! * scales[b]! * covariance.covariance[a * k + b]!),
  );
  const stderr = free.map((_, j) => Math.sqrt(naturalCovariance[j]![j]!));
  const estimable = stderr.some(Number.isFinite);
  const correlations = estimable ? correlationMatrix(covariance.covariance, k) : null;

  // Intervals: bootstrap refits, or draws from the covariance; both give draws for derived quantities.
  let draws: Record<string, Float64Array> | null = null;
  let bootstrapFailures = 0;
  const intervals: Record<string, [number, number]> = {};
  const z = normalQuantile((1 + resolved.level) / 2);
  if (resolved.intervals === "bootstrap") {
    const boot = bootstrapDraws(problem, {
      samples: resolved.bootstrap,
      seed: resolved.seed,
      starts: minima.slice(0, 3).map((m) => m.params),
      unit: resolved.resample,
      blockLength: resolved.blockLength,
      // A curve law's grid is costly: its refits start from the fit's minima only.
      gridStarts: !law.curve,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    draws = boot.draws;
    bootstrapFailures = boot.failures;
    for (const s of free) intervals[s.name] = percentileInterval(draws[s.name]!, resolved.level);
  } else if (resolved.intervals === "covariance") {
    draws = covarianceSamples(problem, result, covariance.covariance, resolved.seed);
    free.forEach((s, j) => {
      const value = params[s.name]!;
      const se = stderr[j]!;
      if (!Number.isFinite(se)) intervals[s.name] = [NaN, NaN];
      else if (s.log)
        intervals[s.name] = [value * Math.exp((-z * se) / value), value * Math.exp((z * se) / value)];
      else
        intervals[s.name] = [
          Math.max(value - z * se, s.min ?? -Infinity),
          Math.min(value + z * se, s.max ?? Infinity),
        ];
    });
  }

  const degree = effectiveDegree(weighted, settings.loss, settings.delta, problem.weights);
  const profiles: Record<string, readonly [number, number]> = {};
  for (const name of resolved.profile) {
    const j = free.findIndex((s) => s.name === name);
    const spec = free[j]!;
    const step = spec.log ? stderr[j]! / params[name]! : stderr[j]!;
    profiles[name] = profileParameter(problem, params, name, {
      level: resolved.level,
      degree,
      step,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }).interval;
  }

  const initial = { ...defaults(specs), ...start };
  const variables: FittedParam[] = specs.map((s) => {
    const j = free.indexOf(s);
    const bound = s.fixed ? undefined : atBound(s, params[s.name]!);
    return {
      name: s.name,
      value: params[s.name]!,
      stderr: j >= 0 ? stderr[j]! : NaN,
      init: initial[s.name]!,
      fixed: !!s.fixed,
      log: !!s.log,
      ...(s.min !== undefined ? { min: s.min } : {}),
      ...(s.max !== undefined ? { max: s.max } : {}),
      ...(intervals[s.name] ? { interval: intervals[s.name]! } : {}),
      ...(profiles[s.name] ? { profile: profiles[s.name]! } : {}),
      ...(bound ? { atBound: bound } : {}),
    };
  });

  const derived: Record<string, DerivedValue> = {};
  for (const [name, quantity] of Object.entries(law.derived ?? {})) {
    const value = quantity.value(params);
    let interval: [number, number] | undefined;
    if (draws) {
      const values = drawParams(params, draws).map((p) => quantity.value(p));
      interval = percentileInterval(values, resolved.level);
    }
    derived[name] = { description: quantity.description, value, ...(interval ? { interval } : {}) };
  }

  const threshold = chiSquare1Quantile(resolved.level);
  const minimaDeviance = minima.map((m) => ((2 * n) / degree) * Math.log(m.objective / minima[0]!.objective));
  const warnings = fitWarnings({
    lawName: law.name,
    variables,
    points: n,
    converged: result.success,
    message: result.message,
    correlations,
    conditionNumber: covariance.condition,
    rank: covariance.rank,
    nullSpace: covariance.nullSpace,
    minima,
    minimaDeviance,
    devianceThreshold: threshold,
    bootstrapFailures,
    bootstrapSamples: resolved.intervals === "bootstrap" ? resolved.bootstrap : 0,
    robustCorrection: covariance.robustCorrection,
  });

  const { aic, bic } = informationCriteria(result.cost, n, k, settings.loss);
  return {
    law,
    params,
    variables,
    intervals,
    intervalMethod: resolved.intervals,
    level: resolved.level,
    objective: result.cost,
    objectiveDefinition: objectiveDefinition(settings.loss, settings.delta, settings.space),
    points: n,
    freeParams: k,
    degreesOfFreedom: n - k,
    chiSquare,
    reducedChiSquare: chiSquare / Math.max(n - k, 1),
    aic,
    bic,
    covariance: estimable ? naturalCovariance : null,
    correlations,
    conditionNumber: covariance.condition,
    converged: result.success,
    status: result.status,
    message: result.message,
    evaluations,
    starts: refined.length,
    minima,
    derived,
    draws,
    residuals: unweightedResiduals(problem, params),
    dataRange: dataRange(law, data),
    warnings,
    options: resolved,
  };
}

/**
 * The objective in words, for reports (the definitions of SciPy's `least_squares` losses).
 * @example objectiveDefinition("huber", 1e-3, "log") // "Σ huber_δ(log L̂ − log L), δ = 0.001"
 */
export function objectiveDefinition(loss: string, delta: number, space: "log" | "linear"): string {
  const residual = space === "log" ? "log L̂ − log L" : "L̂ − L";
  if (loss === "linear") return `½ Σ (${residual})²`;
  return `Σ ${loss}_δ(${residual}), δ = ${delta}`;
}

function initialStarts(problem: FitProblem, refine: number, extra: readonly Params[]): Params[] {
  const { law, data, specs, fixed, settings } = problem;
  const base = { ...defaults(specs), ...fixed };
  const grid = law.starts
    ? law.starts(data, fixed, { space: settings.space, specs })
    : projectedGridStarts(law, data, specs, fixed, {
        space: settings.space,
        weights: problem.weights,
        keep: refine,
      });
  const starts = grid.slice(0, refine).map((p) => ({ ...base, ...p, ...fixed }));
  for (const p of extra) starts.push({ ...base, ...(starts[0] ?? {}), ...p, ...fixed });
  if (starts.length === 0) starts.push(base);
  return starts;
}

/** Refinements that must agree on the best minimum before the remaining grid starts are skipped. */
const agreement = 2;

/**
 * Refines the starts in order (best grid cells first) and stops early once the best minimum has been
 * reached from `agreement` different starts; user starts (the last `extra`) are always refined.
 * Returns the finite results, best first.
 */
function refineStarts(problem: FitProblem, starts: readonly Params[], extra: number) {
  const results: { start: Params; result: LeastSquaresResult }[] = [];
  let best: LeastSquaresResult | undefined;
  let agreeing = 0;
  starts.forEach((start, index) => {
    const isExtra = index >= starts.length - extra;
    if (!isExtra && agreeing >= agreement) return;
    const result = problem.refine(start);
    if (!Number.isFinite(result.cost)) return;
    results.push({ start, result });
    if (!best || result.cost < best.cost * (1 - 1e-9)) {
      agreeing = best && sameSolution(best.x, result.x) ? agreeing + 1 : 1;
      best = result;
    } else if (sameSolution(best.x, result.x)) agreeing++;
  });
  return results.sort((a, b) => a.result.cost - b.result.cost);
}

function sameSolution(a: Float64Array, b: Float64Array): boolean {
  return a.every((u, j) => Math.abs(u - b[j]!) <= 1e-3 * Math.max(1, Math.abs(u)));
}

/** Distinct solutions of the refinements, best first (two within 1% in every fitted coordinate are one). */
function distinctMinima(problem: FitProblem, results: readonly LeastSquaresResult[]): LocalMinimum[] {
  const kept: { x: Float64Array; cost: number }[] = [];
  for (const r of results) {
    const same = kept.some((m) =>
      m.x.every((u, j) => Math.abs(u - r.x[j]!) <= 0.01 * Math.max(1, Math.abs(u))),
    );
    if (!same) kept.push({ x: r.x, cost: r.cost });
  }
  return kept.slice(0, 10).map((m) => ({ objective: m.cost, params: problem.toParams(m.x) }));
}

/** Samples of the free parameters from N(û, Σ) in the internal coordinates, mapped through the bounds. */
function covarianceSamples(
  problem: FitProblem,
  result: LeastSquaresResult,
  covariance: Float64Array,
  seed: number,
): Record<string, Float64Array> | null {
  const k = problem.free.length;
  if (!covariance.every(Number.isFinite)) return null;
  const L = cholesky(covariance, k);
  const random = randomSource(seed);
  const out: Record<string, Float64Array> = {};
  for (const s of problem.free) out[s.name] = new Float64Array(covarianceDraws);
  const z = new Float64Array(k);
  for (let b = 0; b < covarianceDraws; b++) {
    for (let j = 0; j < k; j++) z[j] = random.normal();
    problem.free.forEach((s, a) => {
      let u = result.x[a]!;
      for (let j = 0; j <= a; j++) u += L[a * k + j]! * z[j]!;
      out[s.name]![b] = fromInternal(s, u);
    });
  }
  return out;
}

/** Parameter sets of each draw (fixed values from `params`). */
export function drawParams(params: Params, draws: Readonly<Record<string, ArrayLike<number>>>): Params[] {
  const names = Object.keys(draws);
  const count = names.length ? draws[names[0]!]!.length : 0;
  return Array.from({ length: count }, (_, b) => {
    const p = { ...params };
    for (const name of names) p[name] = draws[name]![b]!;
    return p;
  });
}

function unweightedResiduals(problem: FitProblem, params: Params): Float64Array {
  const predictions = problem.predictions(params);
  const y = problem.data.loss;
  return predictions.map((v, i) =>
    problem.settings.space === "log" ? Math.log(v) - Math.log(y[i]!) : v - y[i]!,
  );
}

function dataRange(law: Law, data: Observations): Record<string, [number, number]> {
  const range: Record<string, [number, number]> = {};
  for (const name of law.inputs) {
    const column = data.inputs[name]!;
    let lo = Infinity;
    let hi = -Infinity;
    column.forEach((v, i) => {
      if (data.weight && !(data.weight[i]! > 0)) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    range[name] = [lo, hi];
  }
  return range;
}

function countPositive(weights: Float64Array): number {
  let n = 0;
  for (const w of weights) if (w > 0) n++;
  return n;
}
