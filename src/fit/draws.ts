import type { Params } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";
import { percentileInterval } from "./distributions.js";
import { drawParams } from "./fitLaw.js";

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
  if (!fit.draws || movesWithUnidentified(fit, answer, pick)) return { best, interval: null, all: [] };
  const all = drawParams(fit.params, fit.draws).map((p, b) => answer(p, b));
  return { best, interval: percentileInterval(all.map(pick), fit.level) as Interval, all };
}

/** Whether the picked answer changes when a parameter the data cannot identify moves by a relative 1e-3. */
function movesWithUnidentified<T>(
  fit: FittedLaw,
  answer: (p: Params) => T,
  pick: (value: T) => number,
): boolean {
  const base = pick(answer(fit.params));
  return (fit.unidentified ?? []).some((name) => {
    const v = fit.params[name]!;
    const moved = pick(answer({ ...fit.params, [name]: v === 0 ? 1e-3 : v * (1 + 1e-3) }));
    return !(Math.abs(moved - base) <= 1e-9 * Math.max(1, Math.abs(base)));
  });
}
