/**
 * Quantisation-aware training by fake quantisation with a straight-through estimator (Bengio et al. 2013;
 * Jacob et al. 2018), as Dremov et al. 2025 train their QAT phase: the forward and backward passes of a QAT
 * step use the weights rounded to `bits` bits, and the gradient with respect to the rounded weights updates
 * the full-precision ones (the rounding's derivative is taken as 1). Quantised are the weight matrices of every
 * block (attention query, key, value and output projection, the MLP's two matrices); embeddings, positions,
 * biases and LayerNorm stay in full precision, as is usual for weight-only QAT of linear layers.
 *
 * Symmetric absmax rounding: with q = 2^(bits−1) − 1 levels each side of zero and s = max|w| / q over the
 * group (one output column of the [in, out] matrix per channel, or the whole matrix per tensor),
 *   Q(w) = s · clamp(round(w / s), −q, q)
 * (bits 2 is ternary {−s, 0, s}). A run trains in full precision for its first (1 − f)·T steps and with QAT for
 * the last f·T (f the QAT fraction); f = 0 is post-training quantisation. Its evaluations from the QAT start
 * on, and always the last, are of the quantised model.
 */
import type * as TF from "@tensorflow/tfjs";
import type { ModelWeights } from "./modelWeights.js";
import type { QatPlan } from "./qatPlan.js";

/**
 * Rounds a row-major [rows, cols] matrix to `bits` bits, symmetric absmax per column ("channel") or over
 * the whole matrix ("tensor"). An all-zero group stays zero.
 * @example fakeQuantize(Float32Array.from([0.5, -1, 0.2, 0.1]), 2, 2, 2, "tensor") // [1, -1, 0, 0]
 */
export function fakeQuantize(
  values: Float32Array,
  rows: number,
  cols: number,
  bits: number,
  granularity: "channel" | "tensor",
): Float32Array {
  const levels = 2 ** (bits - 1) - 1;
  const absMax = new Float32Array(granularity === "channel" ? cols : 1);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const g = granularity === "channel" ? j : 0;
      const a = Math.abs(values[i * cols + j]!);
      if (a > absMax[g]!) absMax[g] = a;
    }
  const out = new Float32Array(values.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const scale = absMax[granularity === "channel" ? j : 0]! / levels;
      if (scale === 0) continue;
      const q = Math.round(values[i * cols + j]! / scale);
      out[i * cols + j] = scale * Math.max(-levels, Math.min(levels, q));
    }
  return out;
}

/**
 * The matrices QAT rounds: every block's query, key, value, proj, fc and out.
 * @example quantizedMatrices(weights).length // 6 · layers
 */
export function quantizedMatrices(weights: ModelWeights): TF.Variable[] {
  return weights.blocks.flatMap((b) => [b.query, b.key, b.value, b.proj, b.fc, b.out]);
}

/**
 * Puts the rounded weights into the matrices and returns the function that puts the full-precision ones
 * back (call it before the optimiser's update: the straight-through estimator).
 * @example const restore = await quantizeInPlace(tf, quantizedMatrices(weights), plan); …; restore()
 */
export async function quantizeInPlace(
  tf: typeof TF,
  matrices: readonly TF.Variable[],
  plan: QatPlan,
): Promise<() => void> {
  // The full-precision values stay where they are: a clone shares the variable's data, and assigning it back
  // restores them without a copy.
  const saved = matrices.map((m) => tf.clone(m as TF.Tensor));
  const values = await Promise.all(matrices.map((m) => m.data() as Promise<Float32Array>));
  matrices.forEach((m, i) => {
    const [rows, cols] = m.shape as [number, number];
    const rounded = fakeQuantize(values[i]!, rows, cols, plan.bits, plan.granularity);
    tf.tidy(() => m.assign(tf.tensor2d(rounded, [rows, cols])));
  });
  return () =>
    matrices.forEach((m, i) => {
      m.assign(saved[i]!);
      saved[i]!.dispose();
    });
}
