import { UserError } from "../errors.js";
import { percentileInterval } from "../fit/distributions.js";
import { evaluateLaw } from "../fit/evaluate.js";
import { drawParams } from "../fit/fitLaw.js";
import { num } from "../fit/report.js";
import { randomSource } from "../random.js";
import type { CurveMisfit, Observations, StepBase } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";

/** One step of a predicted curve. */
export interface CurvePoint {
  /** Counted from the `stepBase` of the prediction. */
  readonly step: number;
  readonly lr: number;
  readonly loss: number;
  /** Interval of the law's loss from the fit's draws. */
  readonly interval?: readonly [number, number];
  /** Interval for one run's logged loss: draws plus a resampled residual of the fit. */
  readonly predictionInterval: readonly [number, number];
}

/** Options of `predictCurve`. */
export interface CurveOptions {
  /** Steps to predict, counted from `stepBase`. @default every step from the first with a positive summed LR */
  readonly steps?: readonly number[];
  /**
   * Where the steps asked for and returned count from (`StepBase`): with 1, step s is the state after s
   * updates, the laws' step s − 1, and its LR is `lr[s − 1]`. @default 0
   */
  readonly stepBase?: StepBase;
  /** Model size, for laws fitted across sizes (`lr-anneal-n`, `multipower-n`). */
  readonly N?: number;
  readonly level?: number;
  /** Most steps at which every draw is evaluated; intervals between them are interpolated. @default 400 */
  readonly intervalSteps?: number;
}

/** A predicted curve, and at how many steps its intervals were computed from the draws. */
export interface CurvePrediction {
  readonly points: readonly CurvePoint[];
  /** Steps at which the draws were evaluated (intervals elsewhere are interpolated); 0 without draws. */
  readonly intervalSteps: number;
  /**
   * What a new run's band draws from besides the parameter draws: the fit's held-out refits (`curveMisfit`)
   * or, for fits without them, the training residuals; with a note when the curve extrapolates further
   * than the fit's horizon test measured.
   */
  readonly band: { readonly source: "held-out refits" | "training residuals"; readonly note?: string };
}

/**
 * Predicts a whole loss curve for a schedule given as the LR at every step 0..T. The law is evaluated at
 * every requested step; its interval comes from the fit's draws (bootstrap or covariance), evaluated at up
 * to `intervalSteps` evenly spaced steps and interpolated in between: intervals change slowly along a
 * curve, and one evaluation per draw per step would cost draws × steps. Steps are counted from 0, or from 1
 * with `stepBase: 1` (the same `lr` then gives step s the loss of the laws' step s − 1).
 * @example predictCurve(fit, denseSchedule(parseSchedule("wsd:peak=3e-4,floor=3e-5,steps=24000,decay=0.2,warmup=2160")), {steps: [24000]})
 */
export function predictCurve(fit: FittedLaw, lr: Float64Array, options: CurveOptions = {}): CurvePrediction {
  const law = fit.law;
  if (!law.curve) throw new UserError(`law ${law.name} is not a curve law: predict points with --at`);
  const needsN = law.inputs.includes("N");
  if (needsN && !(options.N! > 0))
    throw new UserError(`law ${law.name} needs the model size: --at N=<parameters>`);
  const level = options.level ?? fit.level;
  const base = options.stepBase ?? 0;
  let first = 0;
  for (let area = lr[0]!; first < lr.length - 1 && !(area > 0);) area += lr[++first]!;
  // From here on, steps are the laws' (from 0); the points say them again from `base`.
  const steps = options.steps
    ? options.steps.map((step) => step - base)
    : Array.from({ length: lr.length - first }, (_, k) => first + k);
  steps.forEach((step, i) => {
    const asked = options.steps?.[i] ?? step + base;
    if (!Number.isInteger(step) || step < 0)
      throw new UserError(
        asked === 0 && base === 1
          ? "invalid step 0: steps count from 1 here (step 0 comes before the first update)"
          : `invalid step ${asked}`,
      );
    if (step >= lr.length)
      throw new UserError(`step ${asked} is beyond the schedule, which ends at step ${lr.length - 1 + base}`);
    if (step < first)
      throw new UserError(
        `step ${asked} comes before any training (the learning rate is 0 at every step up to it)`,
      );
  });
  const at = (chosen: readonly number[]): Observations => {
    const n = chosen.length;
    return {
      inputs: {
        step: Float64Array.from(chosen),
        ...(needsN ? { N: new Float64Array(n).fill(options.N!) } : {}),
      },
      loss: new Float64Array(n).fill(1),
      run: new Array<string>(n).fill("prediction"),
      schedules: { prediction: lr },
    };
  };
  const n = steps.length;
  const loss = evaluateLaw(law, fit.params, at(steps), new Float64Array(n));
  const draws = fit.draws
    ? drawParams(fit.params, fit.draws)
        .filter((p) => Object.values(p).every(Number.isFinite))
        .slice(0, 400)
    : [];
  // Draw offsets (draw − best fit) at a subset of the steps, interpolated to all of them.
  const limit = Math.max(2, options.intervalSteps ?? 400);
  const anchors =
    n <= limit
      ? steps.map((_, i) => i)
      : Array.from({ length: limit }, (_, k) => Math.round((k * (n - 1)) / (limit - 1)));
  const offsets: Float64Array[] = [];
  if (draws.length > 0) {
    const data = at(anchors.map((i) => steps[i]!));
    const base = evaluateLaw(law, fit.params, data, new Float64Array(anchors.length));
    for (const p of draws) {
      const values = evaluateLaw(law, p, data, new Float64Array(anchors.length));
      offsets.push(values.map((v, k) => v - base[k]!));
    }
  }
  // Both intervals are computed at the anchor steps, as offsets from the best fit, and interpolated.
  const random = randomSource(fit.options.seed);
  const residuals = Array.from(fit.residuals).filter(Number.isFinite);
  const misfit = fit.curveMisfit;
  // With the fit's held-out refits, a new run's band draws from their residuals (log L̂ − log L, so
  // multiplicative whatever the fit's space); else from the training residuals.
  const log = misfit !== undefined || fit.options.space === "log";
  const poolAt = misfit ? misfitPools(misfit) : () => ({ pool: residuals as readonly number[], ratio: 0 });
  let beyond = 0;
  const lawBounds: [number, number][] = [];
  const runBounds: [number, number][] = [];
  const anchorLoss = anchors.map((i) => loss[i]!);
  anchors.forEach((i, k) => {
    const center = anchorLoss[k]!;
    const samples = offsets.length ? offsets.map((o) => center + o[k]!) : [center];
    const { pool, ratio } = poolAt(steps[i]!);
    beyond = Math.max(beyond, ratio);
    const noisy = samples.flatMap((value) =>
      Array.from({ length: Math.max(1, Math.ceil(400 / samples.length)) }, () => {
        if (pool.length === 0) return value;
        const r = pool[random.int(pool.length)]!;
        return log ? value * Math.exp(-r) : value - r;
      }),
    );
    const [lo, hi] = percentileInterval(samples, level);
    const [plo, phi] = percentileInterval(noisy, level);
    lawBounds.push([lo - center, hi - center]);
    runBounds.push([plo - center, phi - center]);
  });
  let segment = 0;
  const points = steps.map((step, i): CurvePoint => {
    while (segment < anchors.length - 2 && anchors[segment + 1]! < i) segment++;
    const k0 = segment;
    const k1 = Math.min(segment + 1, anchors.length - 1);
    const left = anchors[k0]!;
    const right = anchors[k1]!;
    const f = right === left ? 0 : Math.min(1, Math.max(0, (i - left) / (right - left)));
    const blend = (b: [number, number][]): [number, number] => [
      loss[i]! + (1 - f) * b[k0]![0] + f * b[k1]![0],
      loss[i]! + (1 - f) * b[k0]![1] + f * b[k1]![1],
    ];
    return {
      step: step + base,
      lr: lr[step]!,
      loss: loss[i]!,
      ...(offsets.length ? { interval: blend(lawBounds) } : {}),
      predictionInterval: blend(runBounds),
    };
  });
  return {
    points,
    intervalSteps: offsets.length ? anchors.length : 0,
    band: misfit
      ? {
          source: "held-out refits",
          ...(beyond > maxHorizonRatio(misfit) * 1.001
            ? {
                note: `the curve reaches ${num(beyond, 3)}× the training horizon; the fit's horizon test saw at most ${num(maxHorizonRatio(misfit), 3)}× (its band there is the farthest one measured)`,
              }
            : {}),
        }
      : { source: "training residuals" },
  };
}

/** The largest step / cut ratio the horizon test measured (1 when it measured none). */
function maxHorizonRatio(misfit: CurveMisfit): number {
  return misfit.horizonTest.ratio.reduce((m, r) => Math.max(m, r), 1);
}

/**
 * The residual pool for a new run's band at each step, from a fit's held-out refits: within the training
 * horizon, the leave-one-curve-out residuals (a schedule the fit did not see); beyond it, those and the horizon
 * test's residuals at a similar extrapolation ratio (within ×1.3 of step / horizon, capped at the largest ratio
 * the test measured). Also returns the step's ratio to the training horizon.
 */
function misfitPools(misfit: CurveMisfit): (step: number) => { pool: readonly number[]; ratio: number } {
  const largest = maxHorizonRatio(misfit);
  const cache = new Map<number, number[]>();
  return (step) => {
    const ratio = step / misfit.horizon;
    if (ratio <= 1 || misfit.horizonTest.ratio.length === 0) return { pool: misfit.heldOut, ratio };
    // Bins of 5 % in the ratio: neighbouring anchors share a pool.
    const reach = Math.min(ratio, largest);
    const key = Math.round(Math.log(reach) / Math.log(1.05));
    let pool = cache.get(key);
    if (!pool) {
      const { ratio: ratios, residual } = misfit.horizonTest;
      pool = [...misfit.heldOut];
      ratios.forEach((r, j) => {
        if (r >= reach / 1.3 && r <= reach * 1.3) pool!.push(residual[j]!);
      });
      cache.set(key, pool);
    }
    return { pool, ratio };
  };
}
