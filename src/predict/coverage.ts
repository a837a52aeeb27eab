import { num } from "../fit/report.js";
import type { Warning } from "../dataTypes.js";
import { binomialCdf } from "./binomialCdf.js";
import { conformalQuantile, intervalScore } from "./conformal.js";

/** Fewer held-out points than this do not estimate a calibration factor. */
const fewestToCalibrate = 5;

/** Below this one-sided binomial probability, a backtest's coverage is judged too low. */
const coverageAlpha = 0.05;

/**
 * The split-conformal widening of a backtest's prediction intervals, or why there is none. Estimated on the
 * held-out points themselves, so `insideAfter` is in-sample for them (≥ `guarantee` by construction) and says
 * nothing new about them; `factor` is what to apply to predictions at a similar extrapolation distance
 * (`widenInterval`, `scalefit predict --widen`).
 */
export type Calibration =
  | {
      /**
       * The conformal quantile of the held-out points' interval scores (`intervalScore`): > 1, the intervals are
       * that many times too narrow in log space; < 1, wider than needed (reported, but intervals are never
       * shrunk: they are widened by max(1, factor)).
       */
      readonly factor: number;
      /** Fraction of the held-out points inside their intervals widened by max(1, factor). In-sample. */
      readonly insideAfter: number;
      /** Which order statistic `factor` is: ⌈(m + 1)·level⌉, or m when there are too few points for that. */
      readonly rank: number;
      /** rank / (m + 1): the coverage promised to a new point exchangeable with the held-out ones. */
      readonly guarantee: number;
    }
  | {
      readonly factor: null;
      readonly insideAfter: null;
      /** Why no factor: too few held-out points, or intervals that no widening makes reach the observations. */
      readonly reason: string;
    };

/** How well a backtest's prediction intervals held the held-out losses. */
export interface Coverage {
  /** Fraction of the held-out points inside their prediction intervals. */
  readonly insideInterval: number;
  /**
   * P(X ≤ k) for X ~ Binomial(m, level), k of m points inside: how likely so few (or fewer) would be inside
   * if the intervals had their nominal level. Below 0.05 a `coverage` warning is raised.
   */
  readonly coveragePValue: number;
  readonly calibration: Calibration;
  readonly warnings: readonly Warning[];
}

/** A held-out point: the observed loss, the predicted one and its prediction interval. */
export interface HeldOutPrediction {
  readonly observed: number;
  readonly loss: number;
  readonly predictionInterval: readonly [number, number];
}

/**
 * Judges the coverage of prediction intervals on held-out points: the one-sided binomial probability of so
 * few inside at `level` (a `coverage` warning below 0.05), and the split-conformal calibration factor that
 * would have made them cover (Lei et al. 2018, JASA 113, Algorithm 2, with the normalised score of §5.2).
 * @example judgeCoverage(heldOut, 0.95).warnings // [{code: "coverage", message: "only 75 % of the 16 held-out points …"}]
 */
export function judgeCoverage(points: readonly HeldOutPrediction[], level: number): Coverage {
  const m = points.length;
  const inside = points.filter(
    (p) => p.observed >= p.predictionInterval[0] && p.observed <= p.predictionInterval[1],
  ).length;
  const coveragePValue = binomialCdf(inside, m, level);
  const calibration = calibrate(points, level);
  const warnings: Warning[] = [];
  if (coveragePValue < coverageAlpha) {
    const remedy =
      calibration.factor === null
        ? `no calibrated intervals: ${calibration.reason}`
        : `calibrated intervals widen them ×${num(calibration.factor, 3)}`;
    warnings.push({
      code: "coverage",
      message: `only ${num((100 * inside) / m, 3)} % of the ${m} held-out points fall inside their ${num(100 * level, 3)} % prediction intervals (one-sided binomial p = ${num(coveragePValue, 2)}): the intervals are too narrow for this extrapolation; ${remedy}`,
    });
  }
  return { insideInterval: inside / m, coveragePValue, calibration, warnings };
}

function calibrate(points: readonly HeldOutPrediction[], level: number): Calibration {
  const m = points.length;
  if (m < fewestToCalibrate)
    return {
      factor: null,
      insideAfter: null,
      reason: `${m} held-out points are too few to estimate it (${fewestToCalibrate} needed)`,
    };
  const scores = points.map((p) => intervalScore(p.observed, p.loss, p.predictionInterval));
  const { factor, rank, guarantee } = conformalQuantile(scores, level);
  if (!Number.isFinite(factor))
    return {
      factor: null,
      insideAfter: null,
      reason: "some held-out intervals do not reach past their prediction on the observation's side",
    };
  // Counted on the scores, not on re-widened ends, which round the point that set the factor either way.
  const insideAfter = scores.filter((score) => score <= Math.max(1, factor)).length;
  return { factor, insideAfter: insideAfter / m, rank, guarantee };
}
