import { UserError } from "../errors.js";
import { withDraws } from "../fit/draws.js";
import { movesWithAny } from "../fit/identifiability.js";
import { percentileInterval } from "../fit/distributions.js";
import type { Params } from "../dataTypes.js";
import type { Law } from "../types.js";
import type { FittedLaw } from "../types.js";
import { frontier } from "./frontier.js";

/** Compute-optimal allocation at one budget, with intervals from the fit's draws. */
export interface Allocation {
  /** Training compute in FLOPs (C = 6 N D). */
  readonly C: number;
  readonly N: number;
  readonly D: number;
  readonly loss: number;
  /** D / N. */
  readonly tokensPerParameter: number;
  /** How N and D were found: the law's closed form or a numerical sweep. */
  readonly method: "closed-form" | "frontier";
  /** None when N* moves with a parameter the data cannot identify; the loss's alone is null when it does. */
  readonly intervals:
    | (Readonly<Record<"N" | "D" | "tokensPerParameter", readonly [number, number]>> & {
        readonly loss: readonly [number, number] | null;
      })
    | null;
}

/**
 * Whether a law is one in N and D alone, the laws with a compute-optimal allocation at C = 6ND.
 * @example isComputeLaw(chinchilla) // true
 */
export function isComputeLaw(law: Law): boolean {
  return law.inputs.length === 2 && law.inputs.includes("N") && law.inputs.includes("D");
}

/**
 * Compute-optimal N and D at a compute budget C = 6 N D: the law's closed form when it has one
 * (Chinchilla: Hoffmann et al. 2022, eq. 4), otherwise a sweep over N (`frontier`). Intervals come from
 * the same draws as the fit's parameter intervals, so they carry the parameters' correlations.
 * @example computeOptimal(fit, 5.76e23) // {N: 7.2e10, D: 1.33e12, tokensPerParameter: 18.5, ...}
 */
export function computeOptimal(fit: FittedLaw, C: number, { level = fit.level } = {}): Allocation {
  const { law } = fit;
  if (!isComputeLaw(law)) {
    throw new UserError(
      `optimize --compute needs a law in N and D; law ${law.name} has inputs ${law.inputs.join(", ")}`,
    );
  }
  if (!(C > 0) || !Number.isFinite(C))
    throw new UserError(`invalid compute: ${C} (expected a positive number of FLOPs)`);
  const method = law.computeOptimal ? "closed-form" : "frontier";
  const allocate = (p: Params) => {
    if (law.computeOptimal) {
      const { N, D } = law.computeOptimal(p, C);
      return { N, D, loss: law.predict(p, { N, D }) };
    }
    return frontier(law, p, C);
  };
  // withDraws: no interval when N* moves with a parameter the data's range cannot identify.
  const { best, interval, all } = withDraws(fit, allocate, (a) => a.N);
  // Parameters on the edge of the law (an exponent of 0) have no allocation: refuse rather than print 0 and ∞.
  if (![best.N, best.D, best.loss].every((v) => v > 0 && Number.isFinite(v))) {
    const shown = law.params.map((p) => `${p.name} = ${fit.params[p.name]}`).join(", ");
    throw new UserError(`the law's parameters (${shown}) give no compute-optimal allocation at C = ${C}`);
  }
  const of = (pick: (a: ReturnType<typeof allocate>) => number) => percentileInterval(all.map(pick), level);
  // The loss moves with parameters N* does not (Chinchilla's E): with one of them not identified, its draws all
  // sit where the fit put it, and their spread is no interval of the loss.
  const lossMoves = movesWithAny((p) => allocate(p).loss, fit.params, fit.unidentified ?? []);
  const intervals: Allocation["intervals"] = interval
    ? {
        N: of((a) => a.N),
        D: of((a) => a.D),
        loss: lossMoves ? null : of((a) => a.loss),
        tokensPerParameter: of((a) => a.D / a.N),
      }
    : null;
  return { C, ...best, tokensPerParameter: best.D / best.N, method, intervals };
}
