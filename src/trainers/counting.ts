/**
 * Parameter and FLOP counts of the decoder LM as pure functions, with named conventions (stored with every
 * run in `runs.conventions`, so a fit knows what N and C mean):
 * - parameters "total": every trainable number (the tied head counted once);
 *   "non-embedding": without the token and position embeddings and an untied output head (Kaplan et al. 2020).
 * - FLOPs "6ND": 6 × N × tokens with N the total parameters (Kaplan's C ≈ 6ND);
 *   "exact": Hoffmann et al. (2022), Appendix F — embeddings, QKV/attention/softmax/output projections,
 *   dense blocks and logits per token, backward pass 2× the forward pass.
 */
import type { ModelConfig } from "./config.js";

/** Parameter counts by part. */
export interface ParameterCounts {
  total: number;
  nonEmbedding: number;
  /** Token embedding (plus an untied head) and positions. */
  embedding: number;
}

/**
 * Counts the model's parameters.
 * @example parameterCounts({ ...defaultModelConfig, vocab: 63 }).total // 108224, as the PyTorch anchor counts
 */
export function parameterCounts(config: ModelConfig): ParameterCounts {
  const { vocab, dModel: d, layers, seqLen, mlpRatio } = config;
  const hidden = mlpRatio * d;
  const perBlock = 2 * d + (4 * d * d + 4 * d) + 2 * d + (d * hidden + hidden) + (hidden * d + d);
  const embedding = vocab * d + seqLen * d + (config.tied ? 0 : d * vocab);
  const nonEmbedding = layers * perBlock + 2 * d;
  return { total: embedding + nonEmbedding, nonEmbedding, embedding };
}

/** FLOP-counting conventions. */
export type FlopConvention = "6ND" | "exact";

/**
 * Forward-pass FLOPs per token by Hoffmann et al. (2022), Appendix F (one sequence of seqLen tokens, divided
 * by seqLen).
 * @example forwardFlopsPerToken({ ...defaultModelConfig, vocab: 63 })
 */
export function forwardFlopsPerToken(config: ModelConfig): number {
  const { vocab, dModel: d, layers, heads, seqLen: S, mlpRatio } = config;
  const keySize = d / heads;
  const embeddings = 2 * S * vocab * d;
  const attention =
    2 * 3 * S * d * (keySize * heads) + // Q, K, V projections
    2 * S * S * (keySize * heads) + // K·Q logits
    3 * heads * S * S + // softmax
    2 * S * S * (keySize * heads) + // softmax·V
    2 * S * (keySize * heads) * d; // output projection
  const dense = 2 * S * (d * mlpRatio * d + mlpRatio * d * d);
  const logits = 2 * S * d * vocab;
  return (embeddings + layers * (attention + dense) + logits) / S;
}

/**
 * Training FLOPs for `tokens` tokens under a convention.
 * @example trainingFlops({ ...defaultModelConfig, vocab: 63 }, 1024, "6ND")
 */
export function trainingFlops(config: ModelConfig, tokens: number, convention: FlopConvention): number {
  if (convention === "6ND") return 6 * parameterCounts(config).total * tokens;
  return 3 * forwardFlopsPerToken(config) * tokens;
}
