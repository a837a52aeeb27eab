import type { Params } from "../../dataTypes.js";
import { multiStartFit } from "../multiStart.js";
import { chinchilla } from "./chinchilla.js";

/**
 * Starting values of a law's Chinchilla part (E, A, B, alpha, beta) from a Chinchilla fit of some of its
 * points — the runs without repetition for `data-constrained`, the full-precision runs for `qat` — with the
 * law's held parameters held here too. Undefined when those points cannot be fitted (too few sizes).
 * The point estimate only (`multiStartFit`, the fit `fitLaw` starts with): no intervals or diagnostics.
 * @example chinchillaStart(N, D, loss, [0, 3, 7, …], {alpha: 0.35}, "log") // {E, A, B, alpha: 0.35, beta}
 */
export function chinchillaStart(
  N: Float64Array,
  D: Float64Array,
  loss: Float64Array,
  rows: readonly number[],
  fixed: Params,
  space: "log" | "linear",
): Params | undefined {
  const pick = (column: Float64Array) => Float64Array.from(rows, (i) => column[i]!);
  const held = Object.fromEntries(Object.entries(fixed).filter(([name]) => name in chinchillaNames));
  try {
    return multiStartFit(
      chinchilla,
      { inputs: { N: pick(N), D: pick(D) }, loss: pick(loss) },
      { intervals: "none", fix: held, space },
    ).params;
  } catch {
    return undefined;
  }
}

const chinchillaNames = { E: 0, A: 0, B: 0, alpha: 0, beta: 0 };
