import type { CurveMisfit, FitOptions, Observations, Params, Warning } from "../dataTypes.js";
import type { DerivedValue, FitResult, FittedParam, Law, LocalMinimum } from "../types.js";
import { curveMisfit } from "./curveMisfit.js";
import { fitWarnings } from "./diagnostics.js";
import {
  dependentDerived,
  heldParams,
  rangeFindings,
  rangeWarnings,
  type RangeFinding,
} from "./identifiability.js";
import { chiSquare1Quantile, percentileInterval } from "./distributions.js";
import { defaults } from "./grid.js";
import { competingMinima, distinctMinima, minimaDeviance } from "./minima.js";
import { multiStartFit, type MultiStartFit } from "./multiStart.js";
import type { FitProblem } from "./problem.js";
import { informationCriteria } from "./statistics.js";
import { atBound } from "./transforms.js";
import {
  localStatistics,
  parameterIntervals,
  profileIntervals,
  type LocalStatistics,
  type ParameterIntervals,
} from "./uncertainty.js";

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
  const fit = multiStartFit(law, data, options);
  const minima = distinctMinima(
    fit.problem,
    fit.refined.map((r) => r.result),
  );
  const statistics = localStatistics(fit.problem, fit.refined[0]!.result);
  const sampled = parameterIntervals(fit, {
    statistics,
    minima: competingMinima(minima, countPositive(fit.problem.weights), statistics.degree, fit.options.level),
    onProgress: options.onProgress,
  });
  const profiles = profileIntervals(fit, { statistics, onProgress: options.onProgress });
  const free = fit.problem.free.map((s) => s.name);
  const ranges = rangeFindings(fit.law, fit.problem.data, fit.params, free, fit.options.space);
  // Not identified: what the data's ranges cannot pin down, and the directions the Jacobian does not see at the
  // optimum (an E driven to 0 in its logarithm: every draw sits there too, so its percentile interval means nothing).
  const nullSpace = statistics.estimate.nullSpace;
  const unseen = free.filter((_, j) => nullSpace.some((v) => Math.abs(v[j]!) > 0.1));
  const unidentified = new Set([...ranges.flatMap((f) => f.params), ...unseen]);
  const variables = fittedParams(fit, { statistics, sampled, profiles, unidentified });
  const derived = derivedValues(fit.law, fit.params, sampled, fit.options.level, unidentified);
  const warnings = fitDiagnostics(fit, { statistics, sampled, minima, variables, ranges });
  const intervals = Object.fromEntries(
    Object.entries(sampled.intervals).filter(([name]) => !unidentified.has(name)),
  );
  // A curve law's bands need its misfit where it has not seen the data (held-out refits).
  const misfit =
    fit.law.curve && fit.options.intervals !== "none" ? curveMisfit(fit.problem, fit.params) : undefined;
  return fitResult(fit, {
    misfit,
    statistics,
    sampled: { ...sampled, intervals },
    minima,
    variables,
    derived,
    warnings,
    ranges,
    unidentified,
  });
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

/**
 * Parameter sets of each draw (fixed values from `params`).
 * @example drawParams({E: 1.7, A: 400}, {A: Float64Array.of(390, 410)}) // [{E: 1.7, A: 390}, {E: 1.7, A: 410}]
 */
export function drawParams(params: Params, draws: Readonly<Record<string, ArrayLike<number>>>): Params[] {
  const names = Object.keys(draws);
  const count = names.length ? draws[names[0]!]!.length : 0;
  return Array.from({ length: count }, (_, b) => {
    const p = { ...params };
    for (const name of names) p[name] = draws[name]![b]!;
    return p;
  });
}

/** What a fit's per-parameter details are made of. */
interface ParamDetails {
  readonly statistics: LocalStatistics;
  readonly sampled: ParameterIntervals;
  readonly profiles: Readonly<Record<string, readonly [number, number]>>;
  /** Parameters the data's range cannot identify: reported without an interval. */
  readonly unidentified: ReadonlySet<string>;
}

/** Every parameter's value, standard error, start, bounds and intervals, in the law's order. */
function fittedParams(fit: MultiStartFit, details: ParamDetails): FittedParam[] {
  const { specs, params, problem } = fit;
  const { stderr } = details.statistics;
  const { intervals } = details.sampled;
  const initial = { ...defaults(specs), ...fit.refined[0]!.start };
  return specs.map((s) => {
    const j = problem.free.indexOf(s);
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
      ...(details.unidentified.has(s.name)
        ? { identified: false }
        : intervals[s.name]
          ? { interval: intervals[s.name]! }
          : {}),
      ...(details.profiles[s.name] ? { profile: details.profiles[s.name]! } : {}),
      ...(bound ? { atBound: bound } : {}),
    };
  });
}

/**
 * The law's derived quantities at the fit, with percentile intervals over the draws when there are any (the
 * identified draws serve only the quantities that do not move with the parameters they hold).
 */
function derivedValues(
  law: Law,
  params: Params,
  sampled: Pick<ParameterIntervals, "draws" | "identifiedDraws">,
  level: number,
  unidentified: ReadonlySet<string>,
): Record<string, DerivedValue> {
  const derived: Record<string, DerivedValue> = {};
  const draws = sampled.draws ?? sampled.identifiedDraws ?? null;
  // A quantity that moves with an unidentified parameter is not identified either.
  const moving = unidentified.size ? dependentDerived(law, params, unidentified) : new Set<string>();
  const held = new Set(sampled.draws ? [] : heldParams(draws));
  const stillHeld = held.size ? dependentDerived(law, params, held) : new Set<string>();
  // One parameter set per draw, shared by every quantity (a law may cache work per set).
  const sets = draws ? drawParams(params, draws) : [];
  for (const [name, quantity] of Object.entries(law.derived ?? {})) {
    const value = quantity.value(params);
    let interval: [number, number] | undefined;
    if (draws && !moving.has(name) && !stillHeld.has(name)) {
      const values = sets.map((p, b) => quantity.value(p, b));
      interval = percentileInterval(values, level);
    }
    derived[name] = {
      description: quantity.description,
      value,
      ...(moving.has(name) ? { identified: false } : interval ? { interval } : {}),
    };
  }
  return derived;
}

/** What the diagnostics of a fit look at besides the fit. */
interface DiagnosticParts {
  readonly statistics: LocalStatistics;
  readonly sampled: ParameterIntervals;
  readonly minima: readonly LocalMinimum[];
  readonly variables: readonly FittedParam[];
  /** Inputs too narrow to identify the parameters attached to them. */
  readonly ranges: readonly RangeFinding[];
}

/** The fit's warnings, with each minimum's deviance from the best (see `fitWarnings`). */
function fitDiagnostics(fit: MultiStartFit, parts: DiagnosticParts): Warning[] {
  const { options, law } = fit;
  const { statistics, minima } = parts;
  const result = fit.refined[0]!.result;
  const n = countPositive(fit.problem.weights);
  const deviance = minimaDeviance(minima, n, statistics.degree);
  const own = law.diagnose?.(fit.params, fit.problem.data) ?? [];
  return [
    ...fitWarnings({
      lawName: law.name,
      variables: parts.variables,
      points: n,
      converged: result.success,
      message: result.message,
      correlations: statistics.correlations,
      conditionNumber: statistics.estimate.condition,
      rank: statistics.estimate.rank,
      nullSpace: statistics.estimate.nullSpace,
      minima,
      minimaDeviance: deviance,
      devianceThreshold: chiSquare1Quantile(options.level),
      bootstrapFailures: parts.sampled.bootstrapFailures,
      bootstrapUnconverged: parts.sampled.bootstrapUnconverged,
      bootstrapSamples: options.intervals === "bootstrap" ? options.bootstrap : 0,
      robustCorrection: statistics.estimate.robustCorrection,
    }),
    ...rangeWarnings(parts.ranges),
    ...[options.intervalsFallback, options.intervalsNote]
      .filter((message) => message !== undefined)
      .map((message) => ({ code: "intervals", message })),
    ...own,
  ];
}

/** Every part of a fit's result besides the fit itself. */
interface ResultParts extends DiagnosticParts {
  readonly derived: Record<string, DerivedValue>;
  readonly warnings: Warning[];
  readonly unidentified: ReadonlySet<string>;
  readonly misfit: CurveMisfit | undefined;
}

/** The fit's result: the parts, goodness of fit, information criteria, residuals and data range. */
function fitResult(fit: MultiStartFit, parts: ResultParts): FitResult {
  const { law, params, problem, options, refined } = fit;
  const { statistics } = parts;
  const result = refined[0]!.result;
  const n = countPositive(problem.weights);
  const k = problem.free.length;
  const { aic, bic } = informationCriteria(result.cost, n, k, options.loss);
  return {
    law,
    params,
    variables: parts.variables,
    intervals: parts.sampled.intervals,
    intervalMethod: options.intervals,
    level: options.level,
    objective: result.cost,
    objectiveDefinition: objectiveDefinition(options.loss, options.delta, options.space),
    points: n,
    freeParams: k,
    degreesOfFreedom: n - k,
    chiSquare: statistics.chiSquare,
    reducedChiSquare: statistics.chiSquare / Math.max(n - k, 1),
    aic,
    bic,
    covariance: statistics.estimable ? statistics.covariance : null,
    correlations: statistics.correlations,
    conditionNumber: statistics.estimate.condition,
    converged: result.success,
    status: result.status,
    message: result.message,
    evaluations: refined.reduce((s, r) => s + r.result.evaluations, 0),
    starts: refined.length,
    minima: parts.minima,
    derived: parts.derived,
    draws: parts.sampled.draws,
    ...(parts.sampled.identifiedDraws ? { identifiedDraws: parts.sampled.identifiedDraws } : {}),
    residuals: unweightedResiduals(problem, params),
    ...(parts.misfit ? { curveMisfit: parts.misfit } : {}),
    dataRange: dataRange(law, problem.data),
    warnings: parts.warnings,
    options,
    ...(parts.unidentified.size ? { unidentified: [...parts.unidentified] } : {}),
  };
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
