import type { Params } from "../dataTypes.js";
import { chiSquare1Quantile } from "./distributions.js";
import { robustCost } from "./losses.js";
import { createProblem, type FitProblem } from "./problem.js";

/** A profile-likelihood interval and the points it was traced through. */
export interface ProfileResult {
  /** Interval at the requested level; an infinite end means the data do not bound the parameter there. */
  readonly interval: readonly [number, number];
  /** (value, deviance) pairs visited, sorted by value. */
  readonly trace: readonly { readonly value: number; readonly deviance: number }[];
}

/** Options of `profileParameter`. */
export interface ProfileOptions {
  readonly level: number;
  /** Degree of the loss's growth (see `effectiveDegree`): 2 for least squares. */
  readonly degree: number;
  /** A first step in the parameter's transformed scale (log for log-scaled parameters). */
  readonly step?: number;
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

/**
 * Profile-likelihood interval of one parameter: hold it at a value, refit all the others, and find where
 * the deviance (2n/d)·log(cost/cost_min) crosses the chi-square(1) quantile of the level (Venzon & Moolgavkar
 * 1988; lmfit's `conf_interval` does the same with an F test). Steps outward in the parameter's fitting
 * scale (log for log-scaled parameters), then bisects each crossing.
 * @example profileParameter(problem, best, "alpha", {level: 0.95, degree: 1})
 */
export function profileParameter(
  problem: FitProblem,
  best: Params,
  name: string,
  options: ProfileOptions,
): ProfileResult {
  const spec = problem.specs.find((s) => s.name === name)!;
  const target = chiSquare1Quantile(options.level);
  const n = problem.weights.reduce((count, w) => count + (w > 0 ? 1 : 0), 0);
  const bestCost = costAt(problem, best, name, best[name]!).cost;
  const toScale = (v: number) => (spec.log ? Math.log(v) : v);
  const fromScale = (w: number) => (spec.log ? Math.exp(w) : w);
  const lo = spec.log
    ? spec.min !== undefined && spec.min > 0
      ? Math.log(spec.min)
      : -Infinity
    : (spec.min ?? -Infinity);
  const hi = spec.log
    ? spec.max !== undefined && spec.max > 0
      ? Math.log(spec.max)
      : Infinity
    : (spec.max ?? Infinity);
  const center = toScale(best[name]!);
  const h =
    options.step && Number.isFinite(options.step) && options.step > 0
      ? options.step
      : 0.05 * Math.max(1, Math.abs(center));
  const trace: { value: number; deviance: number }[] = [{ value: best[name]!, deviance: 0 }];
  const deviance = (cost: number) => Math.max(0, ((2 * n) / options.degree) * Math.log(cost / bestCost));
  let evaluations = 0;
  const total = 2 * 24;

  const side = (direction: -1 | 1): number => {
    let inside = center;
    let warm = best;
    let step = h;
    for (let k = 0; k < 16; k++) {
      let w = inside + direction * step;
      const limit = direction < 0 ? lo : hi;
      const atLimit = direction < 0 ? w <= limit : w >= limit;
      if (atLimit) w = limit - direction * 1e-9 * Math.max(1, Math.abs(limit));
      const result = costAt(problem, warm, name, fromScale(w));
      options.onProgress?.(++evaluations, total, `profile ${name}`);
      const d = deviance(result.cost);
      trace.push({ value: fromScale(w), deviance: d });
      if (d >= target) return bisect(inside, w, warm);
      if (atLimit) return w;
      inside = w;
      warm = result.params;
      step *= 2;
    }
    return direction * Infinity;
  };
  const bisect = (inside: number, outside: number, warm: Params): number => {
    for (let k = 0; k < 8; k++) {
      const middle = (inside + outside) / 2;
      const result = costAt(problem, warm, name, fromScale(middle));
      options.onProgress?.(++evaluations, total, `profile ${name}`);
      const d = deviance(result.cost);
      trace.push({ value: fromScale(middle), deviance: d });
      if (d >= target) outside = middle;
      else {
        inside = middle;
        warm = result.params;
      }
    }
    return (inside + outside) / 2;
  };
  const lower = side(-1);
  const upper = side(1);
  trace.sort((a, b) => a.value - b.value);
  return {
    interval: [
      Number.isFinite(lower) ? fromScale(lower) : spec.log ? 0 : -Infinity,
      Number.isFinite(upper) ? fromScale(upper) : Infinity,
    ],
    trace,
  };
}

/** Minimum cost with one parameter held at `value`, refitting the others from `warm`. */
function costAt(
  problem: FitProblem,
  warm: Params,
  name: string,
  value: number,
): { cost: number; params: Params } {
  const specs = problem.specs.map((s) => (s.name === name ? { ...s, fixed: true, value } : s));
  const held = createProblem(problem.law, problem.data, specs, problem.settings, problem.weights);
  if (held.free.length === 0) {
    const r = new Float64Array(problem.n);
    held.residuals(new Float64Array(0), r);
    return {
      cost: robustCost(r, problem.settings.loss, problem.settings.delta),
      params: { ...warm, [name]: value },
    };
  }
  const result = held.refine({ ...warm, [name]: value });
  return { cost: result.cost, params: held.toParams(result.x) };
}
