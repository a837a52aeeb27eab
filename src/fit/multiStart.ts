import { UserError } from "../errors.js";
import type { FitOptions, Observations, ParamSpec, Params, ResolvedFitOptions } from "../dataTypes.js";
import type { Law } from "../types.js";
import { checkFitOptions } from "./checkFitOptions.js";
import { defaults } from "./grid.js";
import type { LeastSquaresResult } from "./leastSquares.js";
import { createProblem, type FitProblem, type ObjectiveSettings } from "./problem.js";
import { projectedGridStarts } from "./projectedGridStarts.js";

/** One refined start: where the refinement began and the local solution it reached. */
interface Refinement {
  readonly start: Params;
  readonly result: LeastSquaresResult;
}

/** A law's multi-start fit: the checked options, the problem solved and its refinements, best first. */
export interface MultiStartFit {
  /** The law, bound to the data's constants (see `Law.bind`). */
  readonly law: Law;
  readonly options: ResolvedFitOptions;
  /** All parameters, in the law's order, after overrides and fixed values. */
  readonly specs: readonly ParamSpec[];
  readonly problem: FitProblem;
  /** The finite refinements, best first; never empty. */
  readonly refined: readonly Refinement[];
  /** All parameters at the best refinement. */
  readonly params: Params;
}

/**
 * The point estimate of a fit (the steps of `fitLaw` before intervals and diagnostics): checks the
 * options, binds the law to the data, takes the starts (the law's own, or the projected grid's best
 * cells) and refines them by Levenberg–Marquardt under the robust loss (Hoffmann et al. 2022, appendix
 * D.2). Throws a `UserError` when the options are invalid or no start can be evaluated.
 * @example multiStartFit(chinchilla, {inputs: {N, D}, loss}, {intervals: "none"}).params // {E, A, B, alpha, beta}
 */
export function multiStartFit(law: Law, data: Observations, given: FitOptions = {}): MultiStartFit {
  const options = { ...law.fitDefaults, ...given };
  const checked = checkFitOptions(law, data, options);
  // Constants from the data (reference sizes, budgets) are set once, before the fit and its bootstrap
  // refits; a law whose parameters depend on them is checked again once bound, on the points it fits.
  const bound = law.bind ? law.bind(data) : law;
  const fitted = bound.prepare ? bound.prepare(data) : data;
  const { options: resolved, specs } =
    bound === law && fitted === data
      ? checked
      : checkFitOptions(bound, fitted, options, { prepared: fitted !== data });
  const problem = createProblem(bound, fitted, specs, objectiveSettings(resolved));
  const extra = options.starts ?? [];
  const refined = refineStarts(
    problem,
    initialStarts(problem, resolved.refine, extra),
    extra.length,
    options.onProgress,
  );
  if (refined.length === 0) {
    throw new UserError(
      `law ${bound.name} cannot be evaluated on these data from any start (its predictions are not ${resolved.space === "log" ? "positive and " : ""}finite)`,
    );
  }
  const params = problem.toParams(refined[0]!.result.x);
  return { law: bound, options: resolved, specs, problem, refined, params };
}

/** The settings that define the objective, from the resolved options. */
function objectiveSettings(options: ResolvedFitOptions): ObjectiveSettings {
  return {
    space: options.space,
    loss: options.loss,
    delta: options.delta,
    fTol: options.fTol,
    xTol: options.xTol,
    gTol: options.gTol,
    maxEvaluations: options.maxEvaluations,
  };
}

/**
 * The starts to refine: the law's own starts or the projected grid's best `refine` cells, then the
 * user's `extra` starts (filled from the best grid start); the parameters' defaults when there is none.
 */
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
 * reached from `agreement` different starts; user starts (the last `extra`) are always refined. Reports
 * each start begun to `onProgress`.
 * Returns the finite results, best first.
 */
function refineStarts(
  problem: FitProblem,
  starts: readonly Params[],
  extra: number,
  onProgress?: (done: number, total: number, stage: string) => void,
): Refinement[] {
  const results: Refinement[] = [];
  let best: LeastSquaresResult | undefined;
  let agreeing = 0;
  starts.forEach((start, index) => {
    const isExtra = index >= starts.length - extra;
    if (!isExtra && agreeing >= agreement) return;
    onProgress?.(index, starts.length, "fit (refining starts)");
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
