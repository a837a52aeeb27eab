import type { Params } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";
import { percentileInterval } from "./distributions.js";
import { drawParams } from "./fitLaw.js";
import { movesWithAny } from "./identifiability.js";

/** A two-sided interval `[lo, hi]`. */
export type Interval = readonly [number, number];

/**
 * A function of the parameters at the fit and over its draws, with the percentile interval of one number
 * picked from it: the way every derived answer (a split, a fraction, an allocation) gets its interval. An
 * answer that moves with a parameter the data's range cannot identify gets none (`FitResult.unidentified`).
 * @example withDraws(fit, (p) => p.pe / (p.pe + p.pd), (share) => share) // {best: 0.41, interval: [0.35, 0.47], all}
 */
export function withDraws<T>(
  fit: FittedLaw,
  answer: (p: Params, draw?: number) => T,
  pick: (value: T) => number,
): { best: T; interval: Interval | null; all: T[] } {
  const best = answer(fit.params);
  const unidentified = fit.unidentified ?? [];
  if (!fit.draws || movesWithAny((p) => pick(answer(p)), fit.params, unidentified))
    return { best, interval: null, all: [] };
  const all = drawParams(fit.params, fit.draws).map((p, b) => answer(p, b));
  return { best, interval: percentileInterval(all.map(pick), fit.level) as Interval, all };
}
