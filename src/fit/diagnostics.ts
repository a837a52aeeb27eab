import type { Params, Warning } from "../dataTypes.js";
import type { FittedParam, LocalMinimum } from "../types.js";

/** What the diagnostics look at. */
export interface DiagnosticInput {
  readonly lawName: string;
  readonly variables: readonly FittedParam[];
  readonly points: number;
  readonly converged: boolean;
  readonly message: string;
  readonly correlations: number[][] | null;
  readonly conditionNumber: number;
  readonly rank: number;
  /** Undetermined directions of the free parameters (see `covarianceEstimate`). */
  readonly nullSpace: readonly (readonly number[])[];
  readonly minima: readonly LocalMinimum[];
  /** Deviance of each minimum relative to the best (same order as `minima`). */
  readonly minimaDeviance: readonly number[];
  /** Chi-square(1) quantile of the level: deviances below it are statistically indistinguishable. */
  readonly devianceThreshold: number;
  readonly bootstrapFailures: number;
  readonly bootstrapUnconverged: number;
  readonly bootstrapSamples: number;
  readonly robustCorrection: boolean;
}

/** Thresholds of the warnings, in one place. */
const warningThresholds = {
  correlation: 0.99,
  condition: 1e8,
  pointsPerParameter: 3,
  /** An interval wider than this factor (hi/lo of a positive parameter) spans more than an order of magnitude. */
  intervalRatio: 10,
  /** Minima whose parameters differ by more than this (relative) count as different answers. */
  distinctMinimum: 0.05,
} as const;

/**
 * The warnings of a fit, each a code and one line: not converged, parameters at bounds, too few points,
 * ill-conditioning, strong correlations, unidentified directions, competing minima, wide intervals.
 * @example fitWarnings(input).map((w) => w.code) // ["correlation"]
 */
export function fitWarnings(input: DiagnosticInput): Warning[] {
  const warnings: Warning[] = [];
  const free = input.variables.filter((v) => !v.fixed);
  if (!input.converged)
    warnings.push({ code: "not-converged", message: `the best fit did not converge (${input.message})` });
  for (const v of free) {
    if (v.atBound) {
      const bound = v.atBound === "min" ? v.min : v.max;
      warnings.push({
        code: "at-bound",
        message: `${v.name} = ${format(v.value)} is at its ${v.atBound === "min" ? "lower" : "upper"} bound ${format(bound ?? 0)}: the optimum may lie beyond it`,
      });
    }
  }
  if (input.points < warningThresholds.pointsPerParameter * free.length) {
    warnings.push({
      code: "few-points",
      message: `only ${input.points} points for ${free.length} free parameters (fewer than ${warningThresholds.pointsPerParameter} per parameter)`,
    });
  }
  if (input.rank < free.length) {
    const involved = free
      .filter((_, j) => input.nullSpace.some((v) => Math.abs(v[j]!) > 0.1))
      .map((v) => v.name);
    warnings.push({
      code: "not-identified",
      message:
        `the data cannot identify all parameters of ${input.lawName}: the Jacobian has rank ${input.rank} for ${free.length} free parameters` +
        (involved.length ? ` (undetermined: ${involved.join(", ")})` : ""),
    });
  } else if (input.conditionNumber > warningThresholds.condition) {
    warnings.push({
      code: "condition",
      message: `ill-conditioned fit (condition number ${input.conditionNumber.toExponential(1)}): standard errors are unreliable`,
    });
  }
  if (input.correlations) {
    for (let a = 0; a < free.length; a++) {
      for (let b = a + 1; b < free.length; b++) {
        const r = input.correlations[a]![b]!;
        if (Math.abs(r) > warningThresholds.correlation) {
          warnings.push({
            code: "correlation",
            message: `${free[a]!.name} and ${free[b]!.name} are correlated (r = ${r.toFixed(4)}): the data constrain mainly a combination of them`,
          });
        }
      }
    }
  }
  const best = input.minima[0];
  let competing = 0;
  if (best) {
    input.minima.slice(1).forEach((other, k) => {
      const deviance = input.minimaDeviance[k + 1]!;
      if (!(deviance < input.devianceThreshold)) return;
      const differing = free.filter(
        (v) => relativeDifference(best.params, other.params, v.name) > warningThresholds.distinctMinimum,
      );
      if (differing.length === 0) return;
      // Two competing minima make the point; more would bury the other warnings.
      if (++competing > 2) return;
      warnings.push({
        code: "multimodal",
        message:
          `another local minimum fits about as well (objective ${other.objective.toExponential(6)} vs ${best.objective.toExponential(6)}, deviance ${deviance.toFixed(2)}) ` +
          `with ${differing.map((v) => `${v.name} = ${format(other.params[v.name]!)}`).join(", ")}: these parameters are not identified by the data`,
      });
    });
    if (competing > 2) {
      warnings.push({
        code: "multimodal",
        message: `${competing - 2} more local minima fit about as well (see the minima of the fit)`,
      });
    }
  }
  for (const v of free) {
    const interval = v.interval ?? v.profile;
    if (!interval) continue;
    const [lo, hi] = interval;
    // A bound the law's meaning imposes (a loss floor ≥ 0, an exponent ≥ 0) that the interval reaches: the
    // data allow the parameter to sit at the limit (the optimum itself there is reported as at-bound).
    for (const [side, bound, end] of [
      ["lower", v.min, lo],
      ["upper", v.max, hi],
    ] as const) {
      if (bound === undefined || v.atBound || !Number.isFinite(end)) continue;
      if (Math.abs(end - bound) <= 1e-6 * Math.max(1, Math.abs(bound)))
        warnings.push({
          code: "interval-at-bound",
          message: `the interval of ${v.name} [${format(lo)}, ${format(hi)}] reaches its ${side} bound ${format(bound)}: the data do not keep it away from that limit`,
        });
    }
    if (Number.isNaN(lo) || Number.isNaN(hi)) {
      warnings.push({
        code: "wide-interval",
        message: `the interval of ${v.name} cannot be estimated from these data`,
      });
    } else if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      warnings.push({
        code: "wide-interval",
        message: `the data do not bound ${v.name}: its interval is [${format(lo)}, ${format(hi)}]`,
      });
    } else if (lo > 0 && hi / lo > warningThresholds.intervalRatio) {
      warnings.push({
        code: "wide-interval",
        message: `the interval of ${v.name} spans ${Math.log10(hi / lo).toFixed(1)} orders of magnitude [${format(lo)}, ${format(hi)}]`,
      });
    }
  }
  if (input.bootstrapSamples > 0 && input.bootstrapFailures > 0.05 * input.bootstrapSamples) {
    warnings.push({
      code: "bootstrap-failures",
      message: `${input.bootstrapFailures} of ${input.bootstrapSamples} bootstrap refits failed: intervals are unreliable`,
    });
  }
  if (input.bootstrapSamples > 0 && input.bootstrapUnconverged > 0.05 * input.bootstrapSamples) {
    warnings.push({
      code: "bootstrap-failures",
      message: `${input.bootstrapUnconverged} of ${input.bootstrapSamples} bootstrap refits did not converge (a direction the data do not fix): their draws stop where the refit did, so the intervals understate the uncertainty`,
    });
  }
  if (!input.robustCorrection) {
    warnings.push({
      code: "covariance",
      message:
        "no residual lies inside the robust loss's quadratic zone: standard errors use the plain residual variance",
    });
  }
  return warnings;
}

function relativeDifference(a: Params, b: Params, name: string): number {
  const x = a[name]!;
  const y = b[name]!;
  return Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-12);
}

/** Compact number for messages. */
export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(5)));
}
