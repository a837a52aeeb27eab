/**
 * Learning-rate schedules as plain data and pure functions of the step, shared by the curve laws (which
 * need the LR at every step) and the trainers. Steps count from 0. A warmup of W steps rises linearly from
 * 0 at step 0 to the peak at step W − 1 (NumPy's `linspace(0, peak, W)`, the convention of the multi-power
 * law's data), and the main phase starts at step W.
 */

/** Decay shapes of WSD (warmup–stable–decay) schedules over the decay fraction u ∈ [0, 1]. */
export type DecayShape = "linear" | "exp" | "sqrt" | "cosine";

/** Fields every schedule family has. */
interface Common {
  /** Total steps T; the schedule is defined on steps 0..T. */
  readonly steps: number;
  /** Linear warmup steps from 0 to the peak. @default 0 */
  readonly warmup?: number;
}

/**
 * A schedule: a family and its parameters. Compact text form: `kind:key=value,…`, e.g.
 * `cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160` (see `parseSchedule`).
 */
export type Schedule =
  | (Common & { readonly kind: "constant"; readonly peak: number })
  | (Common & { readonly kind: "cosine"; readonly peak: number; readonly floor: number })
  | (Common & { readonly kind: "linear"; readonly peak: number; readonly floor: number })
  | (Common & {
      readonly kind: "wsd";
      readonly peak: number;
      readonly floor: number;
      /** First step of the decay. */
      readonly decayStart: number;
      readonly shape: DecayShape;
    })
  | (Common & {
      readonly kind: "two-stage";
      readonly peak: number;
      readonly second: number;
      readonly switch: number;
    })
  | (Common & {
      readonly kind: "step";
      readonly peak: number;
      readonly milestones: readonly number[];
      readonly factor: number;
    })
  | (Common & { readonly kind: "inverse-sqrt"; readonly peak: number })
  | { readonly kind: "table"; readonly steps: number; readonly lr: Float64Array };

/**
 * The learning rate at one step (nanoGPT's `get_lr` as a pure function of the schedule).
 * @example learningRate({kind: "cosine", peak: 3e-4, floor: 3e-5, steps: 24000, warmup: 2160}, 2160) // 3e-4
 */
export function learningRate(schedule: Schedule, step: number): number {
  if (schedule.kind === "table") return schedule.lr[Math.min(step, schedule.lr.length - 1)]!;
  const W = schedule.warmup ?? 0;
  if (step < W) return W === 1 ? schedule.peak : (schedule.peak * step) / (W - 1);
  const T = schedule.steps;
  const t = Math.min(step, T);
  switch (schedule.kind) {
    case "constant":
      return schedule.peak;
    case "cosine":
      return (
        schedule.floor +
        0.5 * (schedule.peak - schedule.floor) * (1 + Math.cos((Math.PI * (t - W)) / Math.max(T - W, 1)))
      );
    case "linear":
      return schedule.peak + ((schedule.floor - schedule.peak) * (t - W)) / Math.max(T - W, 1);
    case "wsd": {
      if (t < schedule.decayStart) return schedule.peak;
      const u = (t - schedule.decayStart) / Math.max(T - schedule.decayStart, 1);
      return decay(schedule.shape, schedule.peak, schedule.floor, u);
    }
    case "two-stage":
      return t < schedule.switch ? schedule.peak : schedule.second;
    case "step": {
      let lr = schedule.peak;
      for (const m of schedule.milestones) if (t >= m) lr *= schedule.factor;
      return lr;
    }
    case "inverse-sqrt":
      return schedule.peak * Math.sqrt(Math.max(W, 1) / Math.max(t, W, 1));
  }
}

/**
 * The LR of a decay from `peak` to `floor` at fraction u of the decay: linear, exponential interpolation
 * (peak^(1−u)·floor^u, the multi-power paper's "wsd"), 1 − sqrt (Hägele et al. 2024), or cosine.
 * @example decay("sqrt", 1, 0, 0.25) // 0.5
 */
export function decay(shape: DecayShape, peak: number, floor: number, u: number): number {
  switch (shape) {
    case "linear":
      return peak + (floor - peak) * u;
    case "exp":
      return peak ** (1 - u) * floor ** u;
    case "sqrt":
      return floor + (peak - floor) * (1 - Math.sqrt(u));
    case "cosine":
      return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * u));
  }
}

/**
 * Most steps a schedule may have: the curve laws read the LR at every step (`denseSchedule`, 80 MB of
 * doubles at this length), and ten million steps are twenty times those of published pretraining runs (Llama 2:
 * 2T tokens in batches of 4M, 5e5 steps; Touvron et al. 2023, §2.2).
 * @example maxScheduleSteps // 10000000
 */
export const maxScheduleSteps = 10_000_000;

/**
 * The LR at every step 0..T of a schedule, as the curve laws read it.
 * @example denseSchedule({kind: "constant", peak: 1e-3, steps: 3}) // [0.001, 0.001, 0.001, 0.001]
 */
export function denseSchedule(schedule: Schedule): Float64Array {
  if (schedule.kind === "table") return schedule.lr;
  const out = new Float64Array(schedule.steps + 1);
  for (let t = 0; t <= schedule.steps; t++) out[t] = learningRate(schedule, t);
  return out;
}

/**
 * The largest LR of a dense schedule and the first step that reaches it (the end of warmup).
 * @example schedulePeak(Float64Array.of(0, 1e-4, 3e-4, 3e-4, 1e-4)) // {peak: 3e-4, warmup: 2}
 */
export function schedulePeak(lr: Float64Array): { peak: number; warmup: number } {
  let peak = -Infinity;
  let at = 0;
  for (let t = 0; t < lr.length; t++) {
    if (lr[t]! > peak) {
      peak = lr[t]!;
      at = t;
    }
  }
  return { peak, warmup: at === 0 ? 0 : at + 1 };
}
