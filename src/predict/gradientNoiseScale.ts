import { UserError } from "../errors.js";

/** Squared gradient norms measured at two batch sizes. */
export interface GradientNorms {
  /** Batch size of the measurement (examples or tokens: the noise scale comes out in the same unit). */
  readonly B: number;
  /** |G_B|², one value or several (steps); several are averaged before the estimate, as McCandlish advises. */
  readonly norm2: number | readonly number[];
}

/**
 * The simple gradient noise scale B_simple = tr(Σ)/|G|² from squared gradient norms at two batch sizes
 * B_small < B_big (McCandlish et al. 2018, appendix A.1): |G|² ≈ (B_big|G_big|² − B_small|G_small|²)/(B_big −
 * B_small) and tr Σ ≈ (|G_small|² − |G_big|²)/(1/B_small − 1/B_big), each averaged over the measurements
 * before the ratio (the ratio of averages is the less biased estimate). B_simple estimates the critical
 * batch size without a batch-size sweep.
 * @example gradientNoiseScale({B: 32, norm2: 2.0}, {B: 512, norm2: 1.0625}) // {gradientNorm2: 1, traceSigma: 32, Bsimple: 32}
 */
export function gradientNoiseScale(
  small: GradientNorms,
  big: GradientNorms,
): { gradientNorm2: number; traceSigma: number; Bsimple: number } {
  const mean = (v: number | readonly number[]) => {
    const values = typeof v === "number" ? [v] : v;
    if (values.length === 0 || !values.every((x) => Number.isFinite(x) && x >= 0))
      throw new UserError("gradient norms must be non-negative numbers");
    return values.reduce((s, x) => s + x, 0) / values.length;
  };
  if (!(small.B > 0) || !(big.B > small.B))
    throw new UserError(`the two batch sizes must be positive and different (got ${small.B} and ${big.B})`);
  const gSmall = mean(small.norm2);
  const gBig = mean(big.norm2);
  const gradientNorm2 = (big.B * gBig - small.B * gSmall) / (big.B - small.B);
  const traceSigma = (gSmall - gBig) / (1 / small.B - 1 / big.B);
  return { gradientNorm2, traceSigma, Bsimple: traceSigma / gradientNorm2 };
}
