import type { LocalMinimum } from "../types.js";
import { chiSquare1Quantile } from "./distributions.js";
import type { LeastSquaresResult } from "./leastSquares.js";
import type { FitProblem } from "./problem.js";

/**
 * Distinct solutions of the refinements, best first, at most ten. Two solutions are one when they are within
 * 1 % in every fitted coordinate (the solver's scale: logarithms for log parameters), or when their
 * predictions differ at no point by more than a thousandth of the best fit's RMS residual (in the fit's
 * space): no data could tell them apart, so a parameter at a bound reached from several starts (E = 0,
 * 3e-13, 4e-13 beside the same A, alpha) is one minimum, not several.
 * @example distinctMinima(problem, refined.map((r) => r.result))[0].objective // the best cost
 */
export function distinctMinima(problem: FitProblem, results: readonly LeastSquaresResult[]): LocalMinimum[] {
  const kept: { x: Float64Array; cost: number; predictions: Float64Array }[] = [];
  const log = problem.settings.space === "log";
  const best = results[0]?.residuals ?? new Float64Array();
  let sum = 0;
  for (const r of best) sum += r * r;
  const tolerance = Math.max(1e-3 * Math.sqrt(sum / Math.max(best.length, 1)), 1e-12);
  for (const r of results) {
    const near = (m: (typeof kept)[number]) =>
      m.x.every((u, j) => Math.abs(u - r.x[j]!) <= 0.01 * Math.max(1, Math.abs(u)));
    if (kept.some(near)) continue;
    const predictions = problem.predictions(problem.toParams(r.x));
    if (log) for (let i = 0; i < predictions.length; i++) predictions[i] = Math.log(predictions[i]!);
    const alike = (m: (typeof kept)[number]) =>
      m.predictions.every((v, i) => Math.abs(v - predictions[i]!) <= tolerance);
    if (kept.some(alike)) continue;
    kept.push({ x: r.x, cost: r.cost, predictions });
  }
  return kept.slice(0, 10).map((m) => ({ objective: m.cost, params: problem.toParams(m.x) }));
}

/**
 * Deviance of each minimum from the best, (2n/degree)·log(objective/best): the likelihood-ratio statistic
 * of the loss's effective degree (see `effectiveDegree`), 0 for the best.
 * @example minimaDeviance(minima, 240, 1.2) // [0, 0.8, 35.1]
 */
export function minimaDeviance(minima: readonly LocalMinimum[], points: number, degree: number): number[] {
  const best = minima[0]?.objective ?? NaN;
  return minima.map((m) => ((2 * points) / degree) * Math.log(m.objective / best));
}

/**
 * The minima that compete with the best: those whose deviance is below the χ²(1) quantile of the level
 * (statistically indistinguishable from the best), best first and the best included.
 * @example competingMinima(minima, 240, 1.2, 0.95).length // 1 when the fit is unimodal
 */
export function competingMinima(
  minima: readonly LocalMinimum[],
  points: number,
  degree: number,
  level: number,
): LocalMinimum[] {
  const deviance = minimaDeviance(minima, points, degree);
  const threshold = chiSquare1Quantile(level);
  return minima.filter((_, k) => k === 0 || deviance[k]! < threshold);
}
