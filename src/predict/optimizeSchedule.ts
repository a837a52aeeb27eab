import { UserError } from "../errors.js";
import { percentileInterval } from "../fit/distributions.js";
import { evaluateLaw } from "../fit/evaluate.js";
import { drawParams } from "../fit/fitLaw.js";
import { goldenSection } from "../fit/search.js";
import { formatSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule, type DecayShape, type Schedule } from "../schedules/schedule.js";
import type { Observations, Params } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";

/**
 * Schedule families `optimizeSchedule` searches: warmup-stable-decay (Hu et al. 2024), cosine and linear decay.
 * @example scheduleFamilies.includes("wsd") // true
 */
export const scheduleFamilies = ["wsd", "cosine", "linear"] as const;

/** Options of `optimizeSchedule`. */
export interface ScheduleSearch {
  /** Training steps T: the loss is predicted at step T. */
  readonly steps: number;
  readonly family: (typeof scheduleFamilies)[number];
  /** Peak LR and warmup steps, kept fixed (default: the fit's training schedules). */
  readonly peak: number;
  readonly warmup: number;
  /** Model size, for laws fitted across sizes. */
  readonly N?: number;
  readonly level?: number;
}

/** A schedule and its predicted final loss. */
export interface ScheduleChoice {
  readonly schedule: Schedule;
  readonly text: string;
  readonly loss: number;
}

/** The best schedule of a family, the cosine baseline, and the gain with an interval from the fit's draws. */
export interface ScheduleOptimum {
  readonly best: ScheduleChoice;
  /** Cosine to a tenth of the peak, the common default. */
  readonly baseline: ScheduleChoice;
  /** baseline loss − best loss (positive: the best schedule helps). */
  readonly gain: number;
  /** Interval of the gain over the fit's draws (the same draws for both schedules). */
  readonly gainInterval?: readonly [number, number];
  /** Every candidate tried, best first (at most 20). */
  readonly candidates: readonly ScheduleChoice[];
}

/**
 * Finds the schedule of a family that minimises a curve law's predicted loss at step T, with the peak LR and
 * warmup held fixed: WSD over decay fraction (2–60 %), decay shape (linear, exp, 1−sqrt, cosine) and floor;
 * cosine and linear over their floor. A grid, then golden-section search on the continuous knob of the best
 * cell. The gain over cosine-to-10 % carries an interval from the fit's draws.
 * @example optimizeSchedule(fit, {steps: 24000, family: "wsd", peak: 3e-4, warmup: 2160})
 */
export function optimizeSchedule(fit: FittedLaw, search: ScheduleSearch): ScheduleOptimum {
  const { law } = fit;
  if (!law.curve)
    throw new UserError(
      `optimize --family needs a curve law (lr-anneal, multipower); law ${law.name} is not one`,
    );
  const { steps: T, peak, warmup } = search;
  if (!Number.isInteger(T) || T < 2)
    throw new UserError(`invalid --steps ${T} (expected a whole number of steps)`);
  if (!(peak > 0)) throw new UserError(`invalid --peak ${peak} (expected a positive learning rate)`);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= T)
    throw new UserError(`invalid --warmup ${warmup} (expected 0 to ${T - 1} steps)`);
  if (law.inputs.includes("N") && !(search.N! > 0))
    throw new UserError(`law ${law.name} needs the model size: --at N=<parameters>`);
  const finalLoss = (schedule: Schedule, p: Params = fit.params) =>
    evaluateLaw(law, p, finalPoint(schedule, T, search.N), new Float64Array(1))[0]!;
  const choice = (schedule: Schedule): ScheduleChoice => ({
    schedule,
    text: formatSchedule(schedule),
    loss: finalLoss(schedule),
  });
  const common = { steps: T, ...(warmup ? { warmup } : {}) };
  const floors = [0, 0.01, 0.03, 0.1, 0.3].map((f) => f * peak);
  const candidates: ScheduleChoice[] = [];
  let refine: ((x: number) => Schedule) | undefined;
  let range: [number, number];
  if (search.family === "wsd") {
    const shapes: DecayShape[] = ["linear", "exp", "sqrt", "cosine"];
    const fractions = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6];
    const wsd = (fraction: number, shape: DecayShape, floor: number): Schedule => ({
      kind: "wsd",
      peak,
      floor,
      shape,
      decayStart: Math.max(warmup, Math.round(T * (1 - fraction))),
      ...common,
    });
    for (const shape of shapes)
      for (const floor of floors) {
        if (shape === "exp" && floor === 0) continue; // exponential interpolation needs a positive floor
        for (const fraction of fractions) candidates.push(choice(wsd(fraction, shape, floor)));
      }
    candidates.sort((a, b) => a.loss - b.loss);
    const top = candidates[0]!.schedule as Extract<Schedule, { kind: "wsd" }>;
    refine = (fraction) => wsd(fraction, top.shape, top.floor);
    const f = 1 - top.decayStart / T;
    range = [Math.max(0.005, f / 2), Math.min(1 - warmup / T, f * 1.5 + 0.02)];
  } else {
    const kind = search.family;
    const make = (floor: number): Schedule => ({ kind, peak, floor, ...common });
    for (const floor of floors) candidates.push(choice(make(floor)));
    candidates.sort((a, b) => a.loss - b.loss);
    refine = (x) => make(x * peak);
    range = [0, 0.5];
  }
  // Golden-section search on the continuous knob around the best cell.
  const knob = goldenSection((x) => finalLoss(refine(x)), range[0], range[1], {
    iterations: 30,
    tolerance: 0,
  });
  const polished = choice(refine(knob));
  if (polished.loss < candidates[0]!.loss) candidates.unshift(polished);
  const best = candidates[0]!;
  const baseline = choice({ kind: "cosine", peak, floor: 0.1 * peak, ...common });
  let gainInterval: [number, number] | undefined;
  if (fit.draws) {
    const baselineData = finalPoint(baseline.schedule, T, search.N);
    const bestData = finalPoint(best.schedule, T, search.N);
    const at = (data: Observations, p: Params) => evaluateLaw(law, p, data, new Float64Array(1))[0]!;
    const gains = drawParams(fit.params, fit.draws)
      .slice(0, 400)
      .map((p) => at(baselineData, p) - at(bestData, p));
    gainInterval = percentileInterval(gains, search.level ?? fit.level);
  }
  return {
    best,
    baseline,
    gain: baseline.loss - best.loss,
    ...(gainInterval ? { gainInterval } : {}),
    candidates: candidates.slice(0, 20),
  };
}

/** Observations holding the single final step of a schedule. */
function finalPoint(schedule: Schedule, T: number, N: number | undefined): Observations {
  return {
    inputs: { step: Float64Array.of(T), ...(N ? { N: Float64Array.of(N) } : {}) },
    loss: Float64Array.of(1),
    run: ["candidate"],
    schedules: { candidate: denseSchedule(schedule) },
  };
}
