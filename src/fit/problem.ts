import type { LossName, Observations, ParamSpec, Params } from "../dataTypes.js";
import type { Law } from "../types.js";
import { evaluateLaw, lawJacobian } from "./evaluate.js";
import { leastSquares, type LeastSquaresOptions, type LeastSquaresResult } from "./leastSquares.js";
import { fromInternal, gradientScale, insideBounds, toInternal } from "./transforms.js";

/** Settings that define the objective (everything but the starts). */
export interface ObjectiveSettings {
  readonly space: "log" | "linear";
  readonly loss: LossName;
  readonly delta: number;
  readonly fTol: number;
  readonly xTol: number;
  readonly gTol: number;
  readonly maxEvaluations: number;
}

/**
 * The evaluations a refit from the full-data optimum may take. One that converges needs tens; one that has not
 * after 500 is sliding along a direction the data do not fix. encdec on the kjv-encdec grid (pe at its bound):
 * the default fit took 25.8 s with 5000 per refit, 3.6 s with 500. multipower held out from Luo et al.'s
 * constant curve slides along B → ∞, beta → 0 (B·beta fixed) while the held-out predictions it is run for stay
 * put (RMS log error 5.17e-3 after 100 evaluations, 5.19e-3 after 400, 5.20e-3 after 5000, on the 25M curves).
 * Bootstrap refits that do not converge are counted, and the fit warns when they are many (their draws stop
 * where the refit did: the interval understates the uncertainty).
 */
const refitEvaluations = 500;

/**
 * The settings of a refit that starts next to the full-data optimum (bootstrap refits, held-out refits): the
 * same objective with looser stopping tolerances, since it needs less polish than the reported fit.
 * @example createProblem(law, data, specs, refitSettings(problem.settings), weights)
 */
export function refitSettings(settings: ObjectiveSettings): ObjectiveSettings {
  return {
    ...settings,
    fTol: Math.max(settings.fTol, 1e-9),
    xTol: Math.max(settings.xTol, 1e-7),
    gTol: Math.max(settings.gTol, 1e-7),
    maxEvaluations: Math.min(settings.maxEvaluations, refitEvaluations),
  };
}

/**
 * The solver's options of an objective (its loss and stopping rules, in `leastSquares`'s names).
 * @example leastSquares(residuals, x0, { n, jacobian, ...solverOptions(problem.settings) })
 */
export function solverOptions(settings: ObjectiveSettings): Omit<LeastSquaresOptions, "n"> {
  return {
    loss: settings.loss,
    fScale: settings.delta,
    fTol: settings.fTol,
    xTol: settings.xTol,
    gTol: settings.gTol,
    maxEvaluations: settings.maxEvaluations,
  };
}

/**
 * A law bound to data and settings: residuals and Jacobian in the solver's internal coordinates.
 * Residuals are √w_i (log L̂_i − log L_i) in log space, √w_i (L̂_i − L_i) in linear space.
 */
export interface FitProblem {
  readonly law: Law;
  readonly data: Observations;
  readonly settings: ObjectiveSettings;
  /** All parameters, in the law's order, after overrides. */
  readonly specs: readonly ParamSpec[];
  /** The fitted (not fixed) parameters, in the law's order. */
  readonly free: readonly ParamSpec[];
  /** Values of the fixed parameters. */
  readonly fixed: Params;
  /** Weight of each point (user weights times bootstrap multiplicities). */
  readonly weights: Float64Array;
  readonly n: number;
  toParams(u: ArrayLike<number>): Params;
  /** Internal coordinates of a start, moved inside the bounds. */
  toInternal(p: Params): Float64Array;
  residuals(u: Float64Array, out: Float64Array): void;
  jacobian(u: Float64Array, r: Float64Array, columns: Float64Array[]): void;
  /** Predictions at every point. */
  predictions(p: Params): Float64Array;
  /** Local refinement from one start. */
  refine(start: Params): LeastSquaresResult;
}

/**
 * Binds a law to observations. `weights` (default: the data's weights or 1) lets the bootstrap refit on
 * resampled runs without copying the data: a run drawn k times weighs k.
 */
export function createProblem(
  law: Law,
  data: Observations,
  specs: readonly ParamSpec[],
  settings: ObjectiveSettings,
  weights?: Float64Array,
): FitProblem {
  const n = data.loss.length;
  const free = specs.filter((s) => !s.fixed);
  const fixed: Params = {};
  for (const s of specs) if (s.fixed) fixed[s.name] = s.value!;
  const lawIndex = free.map((s) => law.params.findIndex((q) => q.name === s.name));
  const w = weights ?? data.weight ?? new Float64Array(n).fill(1);
  const sqrtW = w.map(Math.sqrt);
  const log = settings.space === "log";
  const target = log ? data.loss.map(Math.log) : data.loss;
  const toParams = (u: ArrayLike<number>): Params => {
    const p: Params = { ...fixed };
    for (let j = 0; j < free.length; j++) p[free[j]!.name] = fromInternal(free[j]!, u[j]!);
    return p;
  };
  const predicted = new Float64Array(n);
  // The solver asks for the Jacobian right after evaluating the same point: keep its predictions.
  const predictedAt = new Float64Array(free.length).fill(NaN);
  const residuals = (u: Float64Array, out: Float64Array) => {
    evaluateLaw(law, toParams(u), data, predicted);
    predictedAt.set(u);
    for (let i = 0; i < n; i++) {
      const sw = sqrtW[i]!;
      out[i] = sw === 0 ? 0 : sw * ((log ? Math.log(predicted[i]!) : predicted[i]!) - target[i]!);
    }
  };
  const scales = new Float64Array(free.length);
  const lawColumns = law.params.map(() => new Float64Array(n));
  const jacobian = (u: Float64Array, _r: Float64Array, out: Float64Array[]) => {
    const p = toParams(u);
    for (let j = 0; j < free.length; j++) scales[j] = gradientScale(free[j]!, u[j]!);
    lawJacobian(law, p, data, lawColumns);
    if (log && !u.every((v, j) => v === predictedAt[j])) {
      evaluateLaw(law, p, data, predicted);
      predictedAt.set(u);
    }
    for (let j = 0; j < free.length; j++) {
      const column = lawColumns[lawIndex[j]!]!;
      const target = out[j]!;
      const scale = scales[j]!;
      for (let i = 0; i < n; i++) {
        const sw = sqrtW[i]!;
        target[i] = sw === 0 ? 0 : (log ? sw / predicted[i]! : sw) * column[i]! * scale;
      }
    }
  };
  const problem: FitProblem = {
    law,
    data,
    settings,
    specs,
    free,
    fixed,
    weights: w,
    n,
    toParams,
    toInternal: (p) =>
      Float64Array.from(free, (s) => toInternal(s, insideBounds(s, p[s.name] ?? s.value ?? 1))),
    residuals,
    jacobian,
    predictions: (p) => evaluateLaw(law, p, data, new Float64Array(n)),
    refine(start) {
      return leastSquares(residuals, problem.toInternal(start), { n, jacobian, ...solverOptions(settings) });
    },
  };
  return problem;
}
