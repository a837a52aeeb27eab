import type { CurveMisfit, Params } from "../dataTypes.js";
import { evaluateLaw } from "./evaluate.js";
import { createProblem, refitSettings, type FitProblem } from "./problem.js";

/** Where the horizon test cuts the training curves: it fits their first third and predicts the rest. */
const horizonFraction = 1 / 3;

/**
 * How far off a curve law's fit is where it has not seen the data, measured on its own training curves by two
 * held-out refits, each warm-started from the full-data optimum (a few Levenberg–Marquardt steps):
 * leave-one-curve-out (a schedule the fit did not see, as a new schedule is) and a horizon test (fit every
 * curve's first third of the training horizon, predict the rest: an extrapolation in steps of up to 3×, as a
 * longer run is). The residuals are log L̂ − log L of the held-out points, as the fit's own residuals; a
 * curve prediction's band draws from them (`predictCurve`), so it carries the law's misfit to unseen schedules
 * and horizons and not only the training curves' noise (Arlot & Celisse 2010, "A survey of cross-validation
 * procedures", §8: cross-validated residuals as a predictive error estimate). Undefined without two curves.
 * @example curveMisfit(problem, fit.params)?.heldOut.length // points of every curve, each predicted unseen
 */
export function curveMisfit(problem: FitProblem, params: Params): CurveMisfit | undefined {
  const { data, law, specs, settings } = problem;
  const runs = data.run;
  const step = data.inputs.step;
  if (!runs || !step) return undefined;
  const labels = [...new Set(runs.filter((_, i) => problem.weights[i]! > 0))];
  if (labels.length < 2) return undefined;
  const n = data.loss.length;
  const settingsOfRefits = refitSettings(settings);
  /** log L̂ − log L at the points `keep` selects, after a refit with `weights`. */
  const residualsOf = (weights: Float64Array, keep: (i: number) => boolean) => {
    const refit = createProblem(law, data, specs, settingsOfRefits, weights);
    const result = refit.refine(params);
    const points: { i: number; e: number }[] = [];
    if (!Number.isFinite(result.cost)) return points;
    const predicted = evaluateLaw(law, refit.toParams(result.x), data, new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const e = Math.log(predicted[i]!) - Math.log(data.loss[i]!);
      if (keep(i) && Number.isFinite(e)) points.push({ i, e });
    }
    return points;
  };
  const heldOut: number[] = [];
  for (const label of labels) {
    const weights = problem.weights.map((w, i) => (runs[i] === label ? 0 : w));
    for (const { e } of residualsOf(weights, (i) => runs[i] === label && problem.weights[i]! > 0))
      heldOut.push(e);
  }
  let horizon = 0;
  for (let i = 0; i < n; i++) if (problem.weights[i]! > 0) horizon = Math.max(horizon, step[i]!);
  const cut = horizonFraction * horizon;
  const beyond = (i: number) => step[i]! > cut && problem.weights[i]! > 0;
  const weights = problem.weights.map((w, i) => (step[i]! <= cut ? w : 0));
  const ratio: number[] = [];
  const residual: number[] = [];
  let fitted = 0;
  for (let i = 0; i < n; i++) if (weights[i]! > 0) fitted++;
  // The first third must hold enough points for the law's parameters.
  if (fitted > 3 * problem.free.length) {
    for (const { i, e } of residualsOf(weights, beyond)) {
      ratio.push(step[i]! / cut);
      residual.push(e);
    }
  }
  return { horizon, heldOut, horizonTest: { cut, ratio, residual } };
}
