import { percentileInterval } from "../fit/distributions.js";
import { drawParams } from "../fit/fitLaw.js";
import { format } from "../fit/diagnostics.js";
import { randomSource } from "../random.js";
import { widenInterval } from "./conformal.js";
import type { Inputs, Warning } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";

/** Options of `predictLoss`. */
export interface PredictOptions {
  /** Interval level. @default the fit's level */
  readonly level?: number;
  /** Seed for the residuals drawn into prediction intervals. @default the fit's seed */
  readonly seed?: number;
  /**
   * Widen the prediction intervals by this factor in log space around the prediction (`widenInterval`): a
   * backtest's calibration factor (`HoldoutReport.calibration.factor`), for predictions at a similar
   * extrapolation distance. The law's `interval` is left as it is. @default 1
   */
  readonly widen?: number;
}

/** A predicted loss with its intervals. */
export interface Prediction {
  readonly at: Inputs;
  /** The law's loss at the best-fit parameters. */
  readonly loss: number;
  /** Interval of the law's loss from parameter uncertainty (the fit's draws); absent without draws. */
  readonly interval?: readonly [number, number];
  /** Interval for one new run's loss: parameter draws plus a resampled residual of the fit. */
  readonly predictionInterval: readonly [number, number];
  /** Decades beyond the fitted range, per input (0 inside the range). */
  readonly extrapolation: Readonly<Record<string, number>>;
  readonly warnings: readonly Warning[];
}

/**
 * Predicts the loss at new points with two intervals: `interval` for the law itself (from the bootstrap
 * or covariance draws of the fit) and `predictionInterval` for an actual run, which adds the fit's
 * residual scatter (resampled residuals, as OLMo's `predict_loss_distribution` does). Each prediction says
 * how many decades it extrapolates beyond the data.
 * @example predictLoss(fit, [{N: 70e9, D: 1.4e12}])[0] // {loss: 1.94, interval: [1.90, 1.99], ...}
 */
export function predictLoss(
  fit: FittedLaw,
  points: readonly Inputs[],
  options: PredictOptions = {},
): Prediction[] {
  const level = options.level ?? fit.level;
  const widen = options.widen ?? 1;
  if (!(widen > 0 && Number.isFinite(widen))) throw new RangeError(`invalid widen: ${widen}`);
  const random = randomSource(options.seed ?? fit.options.seed);
  const draws = fit.draws ? drawParams(fit.params, fit.draws) : [];
  const residuals = Array.from(fit.residuals).filter(Number.isFinite);
  const log = fit.options.space === "log";
  return points.map((at) => {
    for (const name of fit.law.inputs) {
      if (!(name in at)) throw new RangeError(`predictLoss needs ${name} for law ${fit.law.name}`);
    }
    const loss = fit.law.predict(fit.params, at);
    const central = draws.map((p) => fit.law.predict(p, at));
    const sources = central.length > 0 ? central : new Array<number>(1000).fill(loss);
    const noisy = sources.map((value) => {
      if (residuals.length === 0) return value;
      const r = residuals[random.int(residuals.length)]!;
      // residual = log L̂ − log L (or L̂ − L): a new run's loss is the prediction minus one of them
      return log ? value * Math.exp(-r) : value - r;
    });
    const extrapolation: Record<string, number> = {};
    const warnings: Warning[] = [];
    for (const name of fit.law.inputs) {
      const range = fit.dataRange[name];
      if (!range) continue;
      const v = at[name]!;
      const decades = Math.max(0, Math.log10(v / range[1]), Math.log10(range[0] / v));
      extrapolation[name] = decades;
      if (decades > 0) {
        const side = v > range[1] ? "largest" : "smallest";
        warnings.push({
          code: "extrapolation",
          message: `${name} = ${format(v)} is ${decades.toFixed(2)} decades beyond the ${side} fitted ${name} (${format(v > range[1] ? range[1] : range[0])})`,
        });
      }
    }
    return {
      at: { ...at },
      loss,
      ...(central.length > 0 ? { interval: percentileInterval(central, level) } : {}),
      predictionInterval:
        widen === 1
          ? percentileInterval(noisy, level)
          : widenInterval(loss, percentileInterval(noisy, level), widen),
      extrapolation,
      warnings,
    };
  });
}
