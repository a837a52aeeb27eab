import { randomSource } from "../random.js";
import type { FitOptions } from "../dataTypes.js";
import type { LocalMinimum } from "../types.js";
import { bootstrapDraws } from "./bootstrap.js";
import { percentileInterval, studentQuantile } from "./distributions.js";
import type { LeastSquaresResult } from "./leastSquares.js";
import { cholesky } from "./linalg.js";
import type { MultiStartFit } from "./multiStart.js";
import type { FitProblem } from "./problem.js";
import { profileParameter } from "./profile.js";
import {
  correlationMatrix,
  covarianceEstimate,
  effectiveDegree,
  type CovarianceEstimate,
} from "./statistics.js";
import {
  boundedCoordinate,
  boundSlope,
  fromInternal,
  gradientScale,
  isBounded,
  linearisedDraw,
} from "./transforms.js";

/**
 * How well the data determine a fit's parameters: the covariance at the best minimum, intervals from
 * bootstrap refits or covariance draws, and profile-likelihood intervals.
 */

/** Number of draws from the covariance when intervals come from it. */
const covarianceDraws = 2000;

/** The statistics of a fit at its best minimum. */
export interface LocalStatistics {
  /** The covariance estimate in the solver's internal coordinates (see `covarianceEstimate`). */
  readonly estimate: CovarianceEstimate;
  /** Covariance of the free parameters on their natural scale (law order). */
  readonly covariance: number[][];
  /** Standard error of each free parameter, natural scale (NaN where not estimable). */
  readonly stderr: number[];
  /** Whether any standard error is finite. */
  readonly estimable: boolean;
  /** Correlations of the free parameters; null when not estimable. */
  readonly correlations: number[][] | null;
  /** Σ r_i² of the weighted residuals. */
  readonly chiSquare: number;
  /** Effective degree of the loss at the solution (scales deviances; see `effectiveDegree`). */
  readonly degree: number;
}

/**
 * The covariance, standard errors, correlations, χ² and effective loss degree at a solution, the
 * covariance from the robust sandwich estimate (Huber 1981, §7.6) mapped to the natural scale.
 * @example localStatistics(fit.problem, fit.refined[0].result).stderr // one per free parameter
 */
export function localStatistics(problem: FitProblem, result: LeastSquaresResult): LocalStatistics {
  const { free, settings, weights } = problem;
  const k = free.length;
  const weighted = result.residuals;
  let chiSquare = 0;
  for (const r of weighted) chiSquare += r * r;
  const estimate = covarianceEstimate(result.jacobian, weighted, settings.loss, settings.delta, weights);
  const scales = free.map((s, j) => gradientScale(s, result.x[j]!));
  const covariance = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => scales[a]! * scales[b]! * estimate.covariance[a * k + b]!),
  );
  const stderr = free.map((_, j) => Math.sqrt(covariance[j]![j]!));
  const estimable = stderr.some(Number.isFinite);
  const correlations = estimable ? correlationMatrix(estimate.covariance, k) : null;
  const degree = effectiveDegree(weighted, settings.loss, settings.delta, weights);
  return { estimate, covariance, stderr, estimable, correlations, chiSquare, degree };
}

/** Intervals of the free parameters and the draws behind them (for derived quantities). */
export interface ParameterIntervals {
  readonly intervals: Record<string, [number, number]>;
  /** Bootstrap refits or covariance samples, one array per free parameter; null without draws. */
  readonly draws: Record<string, Float64Array> | null;
  /**
   * Covariance intervals where some parameters are not estimable (so `draws` is null): draws of the others
   * with those held at their fitted values (`heldParams`), for the answers that do not move with them.
   */
  readonly identifiedDraws?: Record<string, Float64Array>;
  readonly bootstrapFailures: number;
  /** Bootstrap refits that did not converge (0 for other methods). */
  readonly bootstrapUnconverged: number;
}

/** What `parameterIntervals` needs besides the fit. */
export interface IntervalOptions {
  readonly statistics: LocalStatistics;
  /** The minima competing with the best, best first: the bootstrap refits start from the first three. */
  readonly minima: readonly LocalMinimum[];
  readonly onProgress?: FitOptions["onProgress"];
}

/**
 * Intervals at the fit's level by its interval method: percentile intervals of bootstrap refits
 * (Efron & Tibshirani 1993, ch. 13), or Wald intervals with Student's t quantile of n − k degrees of freedom
 * (log-scale for log parameters) and draws from the multivariate t around û; none for "none".
 * @example parameterIntervals(fit, {statistics, minima}).intervals.alpha // [lo, hi]
 */
export function parameterIntervals(fit: MultiStartFit, options: IntervalOptions): ParameterIntervals {
  const { problem, options: resolved } = fit;
  const intervals: Record<string, [number, number]> = {};
  if (resolved.intervals === "bootstrap") {
    const boot = bootstrapDraws(problem, {
      samples: resolved.bootstrap,
      seed: resolved.seed,
      starts: options.minima.slice(0, 3).map((m) => m.params),
      unit: resolved.resample,
      blockLength: resolved.blockLength,
      // A curve law's grid is costly: its refits start from the fit's minima only.
      gridStarts: !fit.law.curve,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    for (const s of problem.free) intervals[s.name] = percentileInterval(boot.draws[s.name]!, resolved.level);
    return {
      intervals,
      draws: boot.draws,
      bootstrapFailures: boot.failures,
      bootstrapUnconverged: boot.unconverged,
    };
  }
  if (resolved.intervals !== "covariance")
    return { intervals, draws: null, bootstrapFailures: 0, bootstrapUnconverged: 0 };
  const result = fit.refined[0]!.result;
  // Student's t with n − k degrees of freedom: the residual scale is estimated from the same points, which
  // matters with few of them (t = 4.30 at 2 degrees of freedom against the normal's 1.96).
  let used = 0;
  for (const w of problem.weights) if (w > 0) used++;
  const dof = used - problem.free.length;
  const covariance = options.statistics.estimate.covariance;
  const draws = dof > 0 ? covarianceSamples(problem, result, covariance, resolved.seed, dof) : null;
  const identifiedDraws =
    !draws && dof > 0 ? covarianceSamples(problem, result, covariance, resolved.seed, dof, true) : null;
  const z = dof > 0 ? studentQuantile((1 + resolved.level) / 2, dof) : NaN;
  problem.free.forEach((s, j) => {
    const value = fit.params[s.name]!;
    const se = options.statistics.stderr[j]!;
    if (!Number.isFinite(se) || !Number.isFinite(z)) intervals[s.name] = [NaN, NaN];
    else if (s.log)
      intervals[s.name] = [value * Math.exp((-z * se) / value), value * Math.exp((z * se) / value)];
    else
      intervals[s.name] = [
        Math.max(value - z * se, s.min ?? -Infinity),
        Math.min(value + z * se, s.max ?? Infinity),
      ];
  });
  return {
    intervals,
    draws,
    ...(identifiedDraws ? { identifiedDraws } : {}),
    bootstrapFailures: 0,
    bootstrapUnconverged: 0,
  };
}

/**
 * Profile-likelihood intervals of the parameters the options name (Venzon & Moolgavkar 1988), each
 * searched from steps of its standard error.
 * @example profileIntervals(fit, {statistics}).alpha // [lo, hi] when options.profile includes alpha
 */
export function profileIntervals(
  fit: MultiStartFit,
  options: Omit<IntervalOptions, "minima">,
): Record<string, readonly [number, number]> {
  const { problem, params, options: resolved } = fit;
  const { stderr, degree } = options.statistics;
  const profiles: Record<string, readonly [number, number]> = {};
  for (const name of resolved.profile) {
    const j = problem.free.findIndex((s) => s.name === name);
    const spec = problem.free[j]!;
    const step = spec.log ? stderr[j]! / params[name]! : stderr[j]!;
    profiles[name] = profileParameter(problem, params, name, {
      level: resolved.level,
      degree,
      step,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }).interval;
  }
  return profiles;
}

/**
 * Samples of the free parameters from the multivariate t distribution centred on û with scale Σ and `dof`
 * degrees of freedom (a normal draw over √(χ²_dof/dof)), in the internal coordinates, mapped through the
 * bounds; the draws of derived quantities then match the parameters' t intervals. A parameter whose
 * variance is not estimable gives no draws, unless `hold`: then it (and any whose variance exceeds 100) is
 * held at its value (zero variance in its rows and columns) and the others are drawn from their block; null
 * when none is left to draw.
 */
function covarianceSamples(
  problem: FitProblem,
  result: LeastSquaresResult,
  covariance: Float64Array,
  seed: number,
  dof: number,
  hold = false,
): Record<string, Float64Array> | null {
  const k = problem.free.length;
  let sigma = covariance;
  if (!covariance.every(Number.isFinite)) {
    if (!hold) return null;
    // The covariance marks the parameters a direction it cannot see moves with NaN in their rows and columns.
    // A standard deviation above 10 in the internal coordinate (±9 decades for a logarithm) is no estimate
    // either: such draws overflow (qat's A/N^alpha term, alive at one of three sizes: alpha 11.5 ± 3e5).
    const held = problem.free.map((_, a) => !(covariance[a * k + a]! <= 100));
    if (held.every(Boolean)) return null;
    sigma = covariance.map((v, i) => (held[Math.floor(i / k)]! || held[i % k]! ? 0 : v));
  }
  const L = cholesky(sigma, k);
  // A bounded parameter whose internal coordinate has a standard deviation above 1 (one sitting on its bound,
  // where the transform's slope is 0 and that deviation unbounded) is drawn in its bounded coordinate by the
  // linearisation and clamped there: its draws then match its printed interval [bound, value + t·se]. Mapped
  // through the transform instead, u = û ± 1e6 made pe = 1e6 in encdec's draws, and the encoder share's
  // interval [0.99997, 1] around a share of 0.
  const linearised = problem.free.map((s, a) => isBounded(s) && sigma[a * k + a]! > 1);
  const slopes = problem.free.map((s, a) => boundSlope(s, result.x[a]!));
  const bounded = problem.free.map((s, a) => boundedCoordinate(s, result.x[a]!));
  const random = randomSource(seed);
  const out: Record<string, Float64Array> = {};
  for (const s of problem.free) out[s.name] = new Float64Array(covarianceDraws);
  const z = new Float64Array(k);
  for (let b = 0; b < covarianceDraws; b++) {
    for (let j = 0; j < k; j++) z[j] = random.normal();
    // Beyond 200 degrees of freedom the t is the normal to 0.5 % in its 97.5 % quantile.
    let chi = 0;
    if (dof <= 200) for (let m = 0; m < dof; m++) chi += random.normal() ** 2;
    const inflation = dof <= 200 ? Math.sqrt(dof / chi) : 1;
    problem.free.forEach((s, a) => {
      let du = 0;
      for (let j = 0; j <= a; j++) du += inflation * L[a * k + j]! * z[j]!;
      out[s.name]![b] = linearised[a]
        ? linearisedDraw(s, bounded[a]!, slopes[a]! * du)
        : fromInternal(s, result.x[a]! + du);
    });
  }
  return out;
}
