import type { Params } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";
import { percentileInterval } from "./distributions.js";
import { drawParams } from "./fitLaw.js";
import { heldParams, movesWithAny } from "./identifiability.js";

/** A two-sided interval `[lo, hi]`. */
export type Interval = readonly [number, number];

/**
 * A function of the parameters at the fit and over its draws, with the percentile interval of one number
 * picked from it: the way every derived answer (a split, a fraction, an allocation) gets its interval. An
 * answer that moves with a parameter the data's range cannot identify gets none (`FitResult.unidentified`).
 * Without draws of every parameter, the covariance draws of the identified ones (`identifiedDraws`) serve
 * an answer that moves with none of the parameters they hold at their values.
 * @example withDraws(fit, (p) => p.pe / (p.pe + p.pd), (share) => share) // {best: 0.41, interval: [0.35, 0.47], all}
 */
export function withDraws<T>(
  fit: FittedLaw,
  answer: (p: Params, draw?: number) => T,
  pick: (value: T) => number,
): {
  best: T;
  interval: Interval | null;
  all: T[];
  /** The interval of another number from the same answers, null where that one moves with them. */
  intervalOf: (other: (value: T) => number) => Interval | null;
} {
  const best = answer(fit.params);
  const draws = fit.draws ?? fit.identifiedDraws;
  const still = [...(fit.unidentified ?? []), ...(fit.draws ? [] : heldParams(draws))];
  const moves = (value: (p: Params) => number) => !draws || movesWithAny(value, fit.params, still);
  if (moves((p) => pick(answer(p)))) return { best, interval: null, all: [], intervalOf: () => null };
  const all = drawParams(fit.params, draws!).map((p, b) => answer(p, b));
  const intervalOf = (other: (value: T) => number) =>
    moves((p) => other(answer(p))) ? null : (percentileInterval(all.map(other), fit.level) as Interval);
  return { best, interval: percentileInterval(all.map(pick), fit.level) as Interval, all, intervalOf };
}
