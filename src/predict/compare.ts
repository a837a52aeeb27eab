import type { FitOptions, Observations, Warning } from "../dataTypes.js";
import type { Law } from "../types.js";
import { backtest, type HoldoutReport, type HoldoutRule } from "./backtest.js";
import { fitLaw } from "../fit/fitLaw.js";

/** One law's line in a comparison. */
export interface Comparison {
  readonly law: string;
  readonly formula: string;
  readonly params: Readonly<Record<string, number>>;
  readonly freeParams: number;
  readonly points: number;
  readonly objective: number;
  readonly aic: number;
  readonly bic: number;
  /** AIC minus the best AIC, and the Akaike weight exp(−ΔAIC/2) normalised over the laws. */
  readonly deltaAic: number;
  readonly akaikeWeight: number;
  readonly converged: boolean;
  readonly warnings: readonly Warning[];
  /** Held-out error of the fit on the small runs, when a holdout rule is given. */
  readonly holdout?: HoldoutReport;
}

/** Options of `compareLaws`: the fit options, plus an optional holdout rule. */
export interface CompareOptions extends FitOptions {
  readonly holdout?: HoldoutRule;
}

/**
 * Fits several laws to the same data and ranks them: by held-out mean relative error when a holdout rule
 * is given, else by AIC (Burnham & Anderson 2002, ch. 2: ΔAIC and Akaike weights). Each law is fitted with
 * the same loss and options, so the information criteria are comparable.
 * @example compareLaws([chinchilla, kaplan, powerLaw("C")], data, {holdout: {by: "C", fraction: 0.125}})
 */
export function compareLaws(
  laws: readonly Law[],
  data: Observations,
  options: CompareOptions = {},
): Comparison[] {
  const { holdout: rule, ...fitOptions } = options;
  const rows = laws.map((law) => {
    const fit = fitLaw(law, data, fitOptions);
    const held = rule ? backtest(law, data, rule, fitOptions).holdout : undefined;
    return { law, fit, held };
  });
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
    aic: fit.aic,
    bic: fit.bic,
    deltaAic: fit.aic - bestAic,
    akaikeWeight: weights[k]! / total,
    converged: fit.converged,
    warnings: fit.warnings,
    ...(held ? { holdout: held } : {}),
  }));
  return result.sort((a, b) =>
    a.holdout && b.holdout ? a.holdout.meanAbsRelError - b.holdout.meanAbsRelError : a.aic - b.aic,
  );
}
