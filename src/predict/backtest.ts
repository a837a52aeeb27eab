import { UserError } from "../errors.js";
import { predictLoss } from "./predictLoss.js";
import { judgeCoverage, type Calibration } from "./coverage.js";
import type { FitOptions, Observations, Warning } from "../dataTypes.js";
import type { FitResult, Law } from "../types.js";
import { fitLaw } from "../fit/fitLaw.js";

/** Which runs are held out: those whose `by` exceeds `fraction` × the largest run's. */
export interface HoldoutRule {
  readonly by: "C" | "N" | "D";
  readonly fraction: number;
}

/** Held-out error of a fit on the small runs. */
export interface HoldoutReport {
  /** The rule as written on the command line, e.g. `C:0.125`. */
  readonly rule: string;
  /** Points used for the fit and points held out. */
  readonly trainPoints: number;
  readonly points: number;
  /** Mean and largest |L̂ − L| / L over held-out points. */
  readonly meanAbsRelError: number;
  readonly maxAbsRelError: number;
  /** Fraction of held-out points inside their prediction intervals; null without intervals. */
  readonly insideInterval: number | null;
  /** The level of the prediction intervals (the fit's). */
  readonly level: number;
  /**
   * P(X ≤ k) for X ~ Binomial(points, level), k points inside: how likely so few inside would be if the
   * intervals held their level (below 0.05, a `coverage` warning); null without intervals.
   */
  readonly coveragePValue: number | null;
  /**
   * The split-conformal factor that widens the prediction intervals (in log space, around the prediction)
   * until they hold the held-out points, with the held-out coverage after widening — in-sample for these
   * points; the factor is what to apply to predictions at a similar extrapolation distance. `factor: null` and
   * a `reason` with fewer than 5 held-out points or without intervals.
   */
  readonly calibration: Calibration;
  /** Soft issues of the backtest: `coverage` when too few held-out points fall inside their intervals. */
  readonly warnings: readonly Warning[];
}

/** A backtest: the fit on the small runs and its error on the large ones. */
export interface Backtest {
  readonly fit: FitResult;
  readonly holdout: HoldoutReport;
  /** Indices of the held-out points (the fit weighs them 0). */
  readonly held: readonly number[];
}

/**
 * Parses a holdout rule `C:0.125` (or `N:…`, `D:…`).
 * @example parseHoldout("C:0.125") // {by: "C", fraction: 0.125}
 */
export function parseHoldout(text: string): HoldoutRule {
  const match = /^(C|N|D):([0-9.eE+-]+)$/.exec(text.trim());
  const fraction = match ? Number(match[2]) : NaN;
  if (!match || !(fraction > 0 && fraction < 1)) {
    throw new UserError(
      `invalid holdout: ${text} (expected C:, N: or D: and a fraction between 0 and 1, e.g. C:0.125)`,
    );
  }
  return { by: match[1] as HoldoutRule["by"], fraction };
}

/**
 * Backtests a law the way it will be used: fit on the runs whose compute (or N, or D) is at most
 * `fraction` × the largest run's, predict the held-out larger runs, and report the relative error and
 * how many held-out losses fall inside their prediction intervals (OLMo's `ScalingLawRollout` splits
 * by size the same way). The value of a run is its largest value over its points. The coverage is judged
 * (`judgeCoverage`): a one-sided binomial test of the count inside against the intervals' level, and the
 * split-conformal factor that widens the intervals to hold the held-out points (Lei et al. 2018).
 * @example backtest(chinchilla, data, {by: "C", fraction: 0.125}).holdout.meanAbsRelError
 */
export function backtest(
  law: Law,
  data: Observations,
  rule: HoldoutRule,
  options: FitOptions = {},
): Backtest {
  const n = data.loss.length;
  const value = holdoutValues(data, rule.by);
  const runOf = (i: number) => (data.run ? data.run[i]! : String(i));
  const runMax = new Map<string, number>();
  for (let i = 0; i < n; i++) runMax.set(runOf(i), Math.max(runMax.get(runOf(i)) ?? -Infinity, value[i]!));
  const largest = Math.max(...runMax.values());
  const cut = rule.fraction * largest;
  const train = new Float64Array(n);
  const held: number[] = [];
  for (let i = 0; i < n; i++) {
    if (runMax.get(runOf(i))! <= cut) train[i] = data.weight ? data.weight[i]! : 1;
    else held.push(i);
  }
  const ruleText = `${rule.by}:${rule.fraction}`;
  const trainPoints = train.reduce((s, w) => s + (w > 0 ? 1 : 0), 0);
  if (held.length === 0) throw new UserError(`holdout ${ruleText} holds out no runs`);
  if (trainPoints === 0) throw new UserError(`holdout ${ruleText} leaves no runs to fit`);
  const fit = fitLaw(law, { ...data, weight: train }, options);
  const predictions = predictLoss(
    fit,
    held.map((i) => Object.fromEntries(law.inputs.map((name) => [name, data.inputs[name]![i]!]))),
  );
  let sum = 0;
  let max = 0;
  predictions.forEach((prediction, k) => {
    const observed = data.loss[held[k]!]!;
    const error = Math.abs(prediction.loss - observed) / observed;
    sum += error;
    max = Math.max(max, error);
  });
  const coverage = fit.draws
    ? judgeCoverage(
        predictions.map((p, k) => ({ ...p, observed: data.loss[held[k]!]! })),
        fit.level,
      )
    : null;
  return {
    fit,
    held,
    holdout: {
      rule: ruleText,
      trainPoints,
      points: held.length,
      meanAbsRelError: sum / held.length,
      maxAbsRelError: max,
      insideInterval: coverage ? coverage.insideInterval : null,
      level: fit.level,
      coveragePValue: coverage ? coverage.coveragePValue : null,
      calibration: coverage
        ? coverage.calibration
        : {
            factor: null,
            insideAfter: null,
            reason: "no prediction intervals (the fit has no parameter draws)",
          },
      warnings: coverage ? coverage.warnings : [],
    },
  };
}

/** The holdout variable of each point: its input, or C = 6 N D when the data have N and D but not C. */
function holdoutValues(data: Observations, by: "C" | "N" | "D"): Float64Array {
  const direct = data.inputs[by];
  if (direct) return direct;
  if (by === "C" && data.inputs.N && data.inputs.D) {
    const N = data.inputs.N;
    const D = data.inputs.D;
    return N.map((v, i) => 6 * v * D[i]!);
  }
  throw new UserError(
    `holdout by ${by} needs a ${by} column${by === "C" ? " (or N and D, with C = 6ND)" : ""}`,
  );
}
