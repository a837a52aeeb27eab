import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import type { Observations } from "../dataTypes.js";

/** A run's schedule prepared once: the LR at every step and its prefix sums. */
interface PreparedRun {
  readonly label: string;
  readonly lr: Float64Array;
  /** prefix[k] = Σ_{τ<k} η_τ, so S1(t) = prefix[t + 1] and Σ_{τ=k..t} η_τ = prefix[t + 1] − prefix[k]. */
  readonly prefix: Float64Array;
}

/** The curves of a data set: each point's run and step, and every run's prepared schedule. */
export interface CurveIndex {
  readonly runs: readonly PreparedRun[];
  /** Index into `runs` of each point. */
  readonly runOf: Int32Array;
  /** Step of each point. */
  readonly step: Int32Array;
  /** S1 at each point: the LR summed over steps 0..t (warmup included). */
  readonly s1: Float64Array;
}

const cache = new WeakMap<Observations, CurveIndex>();

/**
 * Checks and indexes the curves of a data set for curve laws (cached per data set): every point needs a
 * run with a schedule that covers its step, with finite non-negative learning rates.
 * @example curveIndex(data).s1 // S1(t) of every point
 */
export function curveIndex(data: Observations): CurveIndex {
  const cached = cache.get(data);
  if (cached) return cached;
  const n = data.loss.length;
  const steps = data.inputs.step;
  if (!steps) throw new UserError("a curve law needs a step column (the optimiser step of each logged loss)");
  if (!data.run || !data.schedules) {
    throw new UserError("a curve law needs each point's run and the learning rate at every step of each run");
  }
  const labels = new Map<string, number>();
  const runs: PreparedRun[] = [];
  const runOf = new Int32Array(n);
  const step = new Int32Array(n);
  const s1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const label = data.run[i]!;
    let r = labels.get(label);
    if (r === undefined) {
      const lr = ownEntry(data.schedules, label);
      if (!lr) throw new UserError(`run ${label} has no schedule: give its learning rate at every step`);
      const prefix = new Float64Array(lr.length + 1);
      for (let k = 0; k < lr.length; k++) {
        const v = lr[k]!;
        if (!Number.isFinite(v) || v < 0)
          throw new UserError(`run ${label}: learning rate ${v} at step ${k} is not a non-negative number`);
        prefix[k + 1] = prefix[k]! + v;
      }
      labels.set(label, (r = runs.length));
      runs.push({ label, lr, prefix });
    }
    const t = steps[i]!;
    const run = runs[r]!;
    if (!Number.isInteger(t) || t < 0) throw new UserError(`run ${label}: step ${t} is not a whole number`);
    if (t >= run.lr.length) {
      throw new UserError(
        `run ${label}: loss logged at step ${t} but the schedule ends at step ${run.lr.length - 1}`,
      );
    }
    runOf[i] = r;
    step[i] = t;
    s1[i] = run.prefix[t + 1]!;
    if (!(s1[i]! > 0))
      throw new UserError(`run ${label}: the summed learning rate is 0 at step ${t} (no training yet)`);
  }
  const index = { runs, runOf, step, s1 };
  cache.set(data, index);
  return index;
}

/**
 * The `predict` of a curve law: a single point has no schedule, so it refuses with the way to go instead.
 * @example predict: noPointPredictions("multipower")
 */
export function noPointPredictions(name: string): () => never {
  return () => {
    throw new Error(`${name} is a curve law: evaluate whole curves (predictCurve), not single points`);
  };
}
