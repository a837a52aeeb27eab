import { UserError } from "../errors.js";
import { percentileInterval } from "../fit/distributions.js";
import { drawParams } from "../fit/fitLaw.js";
import { batchPowerLaw, criticalBatch, stepsLaw } from "../fit/laws/bcrit.js";
import type { Params } from "../types.js";
import type { FittedLaw } from "../types.js";

/** The predicted loss at one step of a run at a batch size. */
export interface TrajectoryPoint {
  readonly step: number;
  readonly loss: number;
  /** The critical batch size at that loss (tokens). */
  readonly Bcrit: number;
  readonly interval: readonly [number, number] | null;
}

/**
 * The loss trajectory of a run at batch size B (tokens per step) from a `bcrit` fit, Su et al. 2024's
 * self-consistent form at one model size: L = LN + (Sc/S_min)^alphaS with S_min = S/(1 + B_crit(L)/B) and
 * B_crit(L) = Bstar/L^(1/alphaB). At each step the equation is solved for L by bisection (its left side minus
 * its right side increases with L, so the root is unique). Needs a fit with three or more targets; intervals
 * from the fit's draws.
 * @example batchTrajectory(fit, {B: 262144, steps: [1000, 2000, 4000]})
 */
export function batchTrajectory(
  fit: FittedLaw,
  { B, steps }: { B: number; steps: readonly number[] },
): { B: number; curve: TrajectoryPoint[] } {
  if (fit.law.name !== "bcrit")
    throw new UserError(`--batch needs a fit of law bcrit; this fit is law ${fit.law.name}`);
  const targets = (fit.law.spec as { targets: number[] }).targets;
  if (targets.length < 3)
    throw new UserError(
      `a trajectory needs a bcrit fit with three targets or more (this one has ${targets.length})`,
    );
  if (!(B > 0)) throw new UserError(`invalid --batch ${B} (expected a positive number of tokens per step)`);
  steps.forEach((s) => {
    if (!(s > 0)) throw new UserError(`invalid step ${s} (expected a positive number)`);
  });
  const curveOf = (p: Params) => {
    const batch = batchPowerLaw(targets, p);
    const { LN, Sc, alphaS } = stepsLaw(targets, p);
    return steps.map((S) => {
      const excess = (L: number) => L - LN - ((Sc * (1 + criticalBatch(L, batch) / B)) / S) ** alphaS;
      let lo = LN;
      let hi = LN + ((Sc * (1 + criticalBatch(LN, batch) / B)) / S) ** alphaS;
      if (!(hi > lo) || !Number.isFinite(hi)) return NaN;
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        if (excess(mid) > 0) hi = mid;
        else lo = mid;
      }
      return (lo + hi) / 2;
    });
  };
  const best = curveOf(fit.params);
  const batch = batchPowerLaw(targets, fit.params);
  const draws = fit.draws ? drawParams(fit.params, fit.draws).map(curveOf) : null;
  return {
    B,
    curve: steps.map((step, i) => ({
      step,
      loss: best[i]!,
      Bcrit: criticalBatch(best[i]!, batch),
      interval: draws
        ? percentileInterval(
            draws.map((d) => d[i]!),
            fit.level,
          )
        : null,
    })),
  };
}

/** Squared gradient norms measured at two batch sizes. */
export interface GradientNorms {
  /** Batch size of the measurement (examples or tokens: the noise scale comes out in the same unit). */
  readonly B: number;
  /** |G_B|², one value or several (steps); several are averaged before the estimate, as McCandlish advises. */
  readonly norm2: number | readonly number[];
}

/**
 * The simple gradient noise scale B_simple = tr(Σ)/|G|² from squared gradient norms at two batch sizes
 * B_small < B_big (McCandlish et al. 2018, appendix A.1): |G|² ≈ (B_big|G_big|² − B_small|G_small|²)/(B_big −
 * B_small) and tr Σ ≈ (|G_small|² − |G_big|²)/(1/B_small − 1/B_big), each averaged over the measurements
 * before the ratio (the ratio of averages is the less biased estimate). B_simple estimates the critical
 * batch size without a batch-size sweep.
 * @example gradientNoiseScale({B: 32, norm2: 2.0}, {B: 512, norm2: 1.0625}) // {gradientNorm2: 1, traceSigma: 32, Bsimple: 32}
 */
export function gradientNoiseScale(
  small: GradientNorms,
  big: GradientNorms,
): { gradientNorm2: number; traceSigma: number; Bsimple: number } {
  const mean = (v: number | readonly number[]) => {
    const values = typeof v === "number" ? [v] : v;
    if (values.length === 0 || !values.every((x) => Number.isFinite(x) && x >= 0))
      throw new UserError("gradient norms must be non-negative numbers");
    return values.reduce((s, x) => s + x, 0) / values.length;
  };
  if (!(small.B > 0) || !(big.B > small.B))
    throw new UserError(`the two batch sizes must be positive and different (got ${small.B} and ${big.B})`);
  const gSmall = mean(small.norm2);
  const gBig = mean(big.norm2);
  const gradientNorm2 = (big.B * gBig - small.B * gSmall) / (big.B - small.B);
  const traceSigma = (gSmall - gBig) / (1 / small.B - 1 / big.B);
  return { gradientNorm2, traceSigma, Bsimple: traceSigma / gradientNorm2 };
}

/** What a `bcrit` fit answers: Bstar and alphaB, and each target's S_min, E_min and B_crit, with intervals. */
export interface BatchSummary {
  readonly Bstar: number | null;
  readonly alphaB: number | null;
  readonly BstarInterval: readonly [number, number] | null;
  readonly alphaBInterval: readonly [number, number] | null;
  readonly targets: readonly {
    readonly loss: number;
    readonly Smin: number;
    readonly Emin: number;
    readonly Bcrit: number;
    readonly intervals: Readonly<Record<"Smin" | "Emin" | "Bcrit", readonly [number, number]>> | null;
  }[];
}

/**
 * The answers of a `bcrit` fit by name (the fit's parameters are Smin_k and Emin_k, its derived quantities
 * Bcrit_k, Bstar and alphaB): what `scalefit fit --law bcrit --json` prints beside the fit.
 * @example bcritSummary(fit).targets[0] // {loss: 3, Smin: 812, Emin: 2.1e9, Bcrit: 2.6e6, intervals}
 */
export function bcritSummary(fit: {
  law: { spec?: Readonly<Record<string, unknown>> };
  params: Params;
  intervals: Readonly<Record<string, readonly [number, number]>>;
  derived: Readonly<Record<string, { value: number; interval?: readonly [number, number] }>>;
}): BatchSummary {
  const targets = (fit.law.spec as { targets: number[] }).targets;
  const Bstar = fit.derived.Bstar;
  const alphaB = fit.derived.alphaB;
  return {
    Bstar: Bstar?.value ?? null,
    alphaB: alphaB?.value ?? null,
    BstarInterval: Bstar?.interval ?? null,
    alphaBInterval: alphaB?.interval ?? null,
    targets: targets.map((loss, i) => {
      const [S, E, B] = [`Smin_${i + 1}`, `Emin_${i + 1}`, `Bcrit_${i + 1}`];
      const bcrit = fit.derived[B]!;
      return {
        loss,
        Smin: fit.params[S]!,
        Emin: fit.params[E]!,
        Bcrit: bcrit.value,
        intervals:
          fit.intervals[S] && fit.intervals[E] && bcrit.interval
            ? { Smin: fit.intervals[S]!, Emin: fit.intervals[E]!, Bcrit: bcrit.interval }
            : null,
      };
    }),
  };
}
