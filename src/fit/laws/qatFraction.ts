/**
 * Bit widths at or above this are full precision (bf16): no quantisation penalty (Dremov et al. 2025 quantise to
 * 1–6 bits).
 * @example qat.predict(p, {N: 1e8, Dfp: 2e9, Dqat: 0, bits: fullPrecisionBits}) // the Chinchilla part alone
 */
export const fullPrecisionBits = 16;

/**
 * The one-parameter law of the compute-optimal QAT fraction (Dremov et al. 2025):
 * f̂ = exp(−a / ln S_total), S_total = D/(N·bits/8) tokens per parameter-byte, a = 6.7297 (MAE 0.091 on the
 * authors' runs; docs/laws.md#qat). It grows with S_total: f̂(20) ≈ 0.11, f̂(100) ≈ 0.23, f̂(1000) ≈ 0.38.
 * @example qatFractionLaw(100) // 0.2318
 */
export function qatFractionLaw(tokensPerParameterByte: number, a = publishedQatA): number {
  return Math.exp(-a / Math.log(tokensPerParameterByte));
}

/**
 * The published constant of the one-parameter QAT-fraction law, a = 6.7297 (Dremov et al. 2025; docs/laws.md#qat).
 * @example qatFractionLaw(100, publishedQatA) // 0.2318
 */
export const publishedQatA = 6.7297;
