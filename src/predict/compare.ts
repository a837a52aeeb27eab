import type { FitOptions, Observations, Warning } from "../dataTypes.js";
import type { FitResult, Law } from "../types.js";
import { backtest, type HoldoutReport, type HoldoutRule } from "./backtest.js";
import { isUserError, UserError } from "../errors.js";
import { defaultObjective } from "../fit/checkFitOptions.js";
import { fitLaw } from "../fit/fitLaw.js";
import type { Interval } from "../fit/draws.js";
import { chooseQuestion } from "./questions.js";

/** One law's line in a comparison. */
export interface Comparison {
  readonly law: string;
  readonly formula: string;
  readonly params: Readonly<Record<string, number>>;
  readonly freeParams: number;
  readonly points: number;
  readonly objective: number;
  /** The objective in words (the same for every law of a comparison). */
  readonly objectiveDefinition: string;
  readonly aic: number;
  readonly bic: number;
  /** AIC minus the best AIC, and the Akaike weight exp(−ΔAIC/2) normalised over the laws. */
  readonly deltaAic: number;
  readonly akaikeWeight: number;
  readonly converged: boolean;
  readonly warnings: readonly Warning[];
  /** Held-out error of the fit on the small runs, when a holdout rule is given. */
  readonly holdout?: HoldoutReport;
  /**
   * The compute-optimal N* and D* at `compute`, when asked and the law answers it (Approach 3's closed form
   * beside Approach 2's vertices), or why it does not.
   */
  readonly allocation?: Allocation | { readonly C: number; readonly error: string };
}

/** N* and D* at a budget, with intervals from the fit's draws. */
interface Allocation {
  readonly C: number;
  readonly N: number;
  readonly D: number;
  readonly intervals: { readonly N: Interval; readonly D: Interval } | null;
}

/** Options of `compareLaws`: the fit options, plus an optional holdout rule. */
export interface CompareOptions extends FitOptions {
  readonly holdout?: HoldoutRule;
  /** A compute budget (FLOPs) at which each law's compute-optimal N* and D* are set side by side. */
  readonly compute?: number;
}

/**
 * Fits several laws to the same data and ranks them: by held-out mean relative error when a holdout rule
 * is given, else by AIC (Burnham & Anderson 2002, ch. 2: ΔAIC and Akaike weights). Each law is fitted with
 * the same loss, space and options (the ones given, else Huber δ = 1e-3 on log losses, whatever a law's own
 * defaults), so the information criteria are comparable; laws fitted to different points (hparams picks its
 * own) are refused. With `compute`, each law's compute-optimal N*, D* at that budget sit beside it.
 * @example compareLaws([isoflop, chinchilla], llama3, {compute: 3.8e25})
 */
export function compareLaws(
  laws: readonly Law[],
  data: Observations,
  options: CompareOptions = {},
): Comparison[] {
  const { holdout: rule, compute, ...given } = options;
  const fitOptions = {
    ...given,
    loss: given.loss ?? defaultObjective.loss,
    space: given.space ?? defaultObjective.space,
    delta: given.delta ?? defaultObjective.delta,
  };
  const rows = laws.map((law) => {
    const fit = fitLaw(law, data, fitOptions);
    const held = rule ? backtest(law, data, rule, fitOptions).holdout : undefined;
    return { law, fit, held, allocation: compute === undefined ? undefined : allocationOf(fit, compute) };
  });
  if (new Set(rows.map((r) => r.fit.points)).size > 1)
    throw new UserError(
      `the laws were fitted to different points (${rows.map((r) => `${r.law.name} ${r.fit.points}`).join(", ")}): their objectives cannot be compared`,
    );
  const bestAic = Math.min(...rows.map((r) => r.fit.aic));
  const weights = rows.map((r) => Math.exp(-(r.fit.aic - bestAic) / 2));
  const total = weights.reduce((s, w) => s + w, 0);
  const result: Comparison[] = rows.map(({ law, fit, held }, k) => ({
    law: law.name,
    formula: law.formula,
    params: fit.params,
    freeParams: fit.freeParams,
    points: fit.points,
    objective: fit.objective,
    objectiveDefinition: fit.objectiveDefinition,
    aic: fit.aic,
    bic: fit.bic,
    deltaAic: fit.aic - bestAic,
    akaikeWeight: weights[k]! / total,
    converged: fit.converged,
    warnings: fit.warnings,
    ...(held ? { holdout: held } : {}),
    ...(rows[k]!.allocation ? { allocation: rows[k]!.allocation } : {}),
  }));
  return result.sort((a, b) =>
    a.holdout && b.holdout ? a.holdout.meanAbsRelError - b.holdout.meanAbsRelError : a.aic - b.aic,
  );
}

/** A fit's answer to `optimize --compute C` (its own question, or the closed form of a law in N and D). */
function allocationOf(fit: FitResult, C: number): Comparison["allocation"] {
  const question = chooseQuestion(fit.law, "optimize", new Set(["compute"]));
  if (!question || !("compute" in question.options))
    return { C, error: `law ${fit.law.name} has no compute-optimal allocation` };
  try {
    const a = question.answer(fit, { compute: [C] }) as unknown as Allocation & {
      intervals?: { N: Interval; D: Interval } | null;
    };
    return { C, N: a.N, D: a.D, intervals: a.intervals ? { N: a.intervals.N, D: a.intervals.D } : null };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { C, error: error.message };
  }
}
