/**
 * A run's QAT plan from its train settings (the fake quantisation itself: quantize.ts): bits per weight, the last
 * full-precision step, and the rounding's granularity.
 */
import { UserError } from "../errors.js";

/** How a run quantises. */
export interface QatPlan {
  /** Bits per weight, 2–16. */
  readonly bits: number;
  /** The last full-precision step: steps after it are QAT steps (0: QAT from the start; T: no QAT steps). */
  readonly start: number;
  readonly granularity: "channel" | "tensor";
}

/**
 * The plan of a run from its QAT settings: bits in 2–16, the fraction in [0, 1] (the QAT steps round(f·T)).
 * @example qatPlan({ qatBits: 4, qatFraction: 0.25 }, 1000) // {bits: 4, start: 750, granularity: "channel"}
 */
export function qatPlan(
  train: { qatBits?: number; qatFraction?: number; qatGranularity?: "channel" | "tensor" },
  steps: number,
  where = "train",
): QatPlan | undefined {
  const { qatBits: bits, qatFraction: fraction, qatGranularity: granularity = "channel" } = train;
  if (bits === undefined) {
    if (fraction !== undefined)
      throw new UserError(`${where}: qatFraction needs qatBits (the bits the QAT phase rounds weights to)`);
    return undefined;
  }
  if (!Number.isInteger(bits) || bits < 2 || bits > 16)
    throw new UserError(`${where}: qatBits must be an integer from 2 to 16, got ${JSON.stringify(bits)}`);
  const f = fraction ?? 0;
  if (!(typeof f === "number" && f >= 0 && f <= 1))
    throw new UserError(
      `${where}: qatFraction must be a fraction in [0, 1], got ${JSON.stringify(fraction)}`,
    );
  if (granularity !== "channel" && granularity !== "tensor")
    throw new UserError(
      `${where}: qatGranularity must be "channel" or "tensor", got ${JSON.stringify(granularity)}`,
    );
  return { bits, start: steps - Math.round(f * steps), granularity };
}
