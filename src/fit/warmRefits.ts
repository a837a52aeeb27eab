import type { Observations, ParamSpec, Params } from "../dataTypes.js";
import type { Law } from "../types.js";
import { projectedGridStarts } from "./projectedGridStarts.js";
import { randomSource, type RandomSource } from "../random.js";
import { createProblem, type FitProblem, type ObjectiveSettings } from "./problem.js";
import { refineWhitened, type Whitening } from "./whitening.js";

/**
 * Everything a bootstrap refit of sample b depends on, as plain data: the same job gives the same refit of
 * every sample on any thread (the worker rebuilds the law from its name and spec).
 */
export interface RefitJob {
  readonly law: Law;
  readonly data: Observations;
  readonly specs: readonly ParamSpec[];
  /** The refits' objective (`refitSettings` of the fit's). */
  readonly settings: ObjectiveSettings;
  /** Warm starts: the full-data optimum and the minima competing with it. */
  readonly starts: readonly Params[];
  /** Each start's whitened coordinates (`whiteningAt` on the full data), in which its refits run. */
  readonly whitenings?: readonly (Whitening | undefined)[];
  /** The fit's weight of each point, before resampling. */
  readonly base: Float64Array;
  /** Resampling unit of each point. */
  readonly index: Int32Array;
  /** The units of each stratum (a sample redraws each stratum's units among its own). */
  readonly members: readonly (readonly number[])[];
  readonly units: number;
  readonly seed: number;
  readonly samples: number;
  /**
   * The samples (increasing) to refit from a coarse grid cell of their own resample instead of the warm
   * starts: those whose warm refit did not converge or landed far from the others.
   */
  readonly escapes?: Int32Array;
}

/** The items of a job: its escapes, or every sample. */
export function itemCount(job: RefitJob): number {
  return job.escapes?.length ?? job.samples;
}

/** The sample of the job's item i. */
export function sampleOf(job: RefitJob, i: number): number {
  return job.escapes ? job.escapes[i]! : i;
}

/** The free parameters of a job's law: the coordinates of each refit. */
export function freeCount(job: RefitJob): number {
  return job.specs.filter((s) => !s.fixed).length;
}

/** Where sample b's refit landed: internal coordinates of its best start, cost, whether any start converged. */
export interface WarmRefit {
  readonly x: Float64Array | undefined;
  readonly cost: number;
  readonly converged: boolean;
}

/**
 * The resampled weights of samples 0, 1, 2, … in order, from one seeded stream: `skip` passes over a sample
 * another thread fits (drawing its units, not its weights), so every thread sees every sample's resample.
 * @example const r = new Resampler(job); r.skip(); r.weights() // sample 1's weights
 */
export class Resampler {
  private readonly random: RandomSource;
  private readonly multiplicity: Float64Array;
  private readonly out: Float64Array;
  next = 0;
  constructor(private readonly job: RefitJob) {
    this.random = randomSource(job.seed);
    this.multiplicity = new Float64Array(job.units);
    this.out = new Float64Array(job.base.length);
  }
  /** Draws the next sample's units without forming its weights. */
  skip(): void {
    const { members } = this.job;
    const { random, multiplicity } = this;
    multiplicity.fill(0);
    for (const group of members)
      for (let k = 0; k < group.length; k++) multiplicity[group[random.int(group.length)]!]! += 1;
    this.next++;
  }
  /** The next sample's weights (a unit drawn k times weighs k); the array is reused by the next call. */
  weights(): Float64Array {
    this.skip();
    const { base, index } = this.job;
    for (let i = 0; i < base.length; i++) this.out[i] = base[i]! * this.multiplicity[index[i]!]!;
    return this.out;
  }
  /** Moves the stream to sample b (b ≥ next) and returns its weights. */
  weightsOf(b: number): Float64Array {
    while (this.next < b) this.skip();
    return this.weights();
  }
}

/**
 * The refit problem of one resample: the job's law, data and objective under `weights`.
 * @example const refit = refitProblem(job, resampler.weights())
 */
export function refitProblem(job: RefitJob, weights: Float64Array): FitProblem {
  return createProblem(job.law, job.data, job.specs, job.settings, weights);
}

/**
 * A refit from the warm starts only: a few Gauss–Newton steps each (in the start's whitened coordinates where
 * it has them), the best kept.
 * @example warmRefit(refitProblem(job, weights), job.starts, job.whitenings)
 */
function warmRefit(
  refit: FitProblem,
  starts: readonly Params[],
  whitenings: RefitJob["whitenings"] = [],
): WarmRefit {
  let best: WarmRefit = { x: undefined, cost: Infinity, converged: false };
  let converged = false;
  for (const [i, start] of starts.entries()) {
    const whitening = whitenings[i];
    const result = whitening ? refineWhitened(refit, start, whitening) : refit.refine(start);
    converged = result.success || converged;
    if (Number.isFinite(result.cost) && result.cost < best.cost)
      best = { x: result.x, cost: result.cost, converged };
  }
  return { ...best, converged };
}

/**
 * The best refit from a coarse grid cell of the resample itself, so a refit can leave the full-data basin
 * (`converged` is that start's). The law's own starts where it has them, else the projected grid's best cell.
 * @example escapeRefit(refit)
 */
function escapeRefit(refit: FitProblem): WarmRefit {
  const { law, data } = refit;
  const starts = law.starts
    ? law
        .starts({ ...data, weight: refit.weights }, refit.fixed, {
          space: refit.settings.space,
          specs: refit.specs,
        })
        .slice(0, 1)
    : projectedGridStarts(law, data, refit.specs, refit.fixed, {
        space: refit.settings.space,
        weights: refit.weights,
        keep: 1,
        stride: 3,
      });
  return warmRefit(refit, starts);
}

/**
 * Sample b's refit under the job: from its warm starts, or from a grid cell when b is one of its escapes.
 * @example refitOf(job, resampler.weightsOf(b))
 */
export function refitOf(job: RefitJob, weights: Float64Array): WarmRefit {
  const refit = refitProblem(job, weights);
  return job.escapes ? escapeRefit(refit) : warmRefit(refit, job.starts, job.whitenings);
}
