/**
 * Gradient noise measured during training, for the simple noise scale B_simple = tr(Σ)/|G|² (McCandlish et
 * al. 2018, appendix A.1). At a step, K independent small batches of r training windows each give gradients
 * g_1 … g_K; the mean of their squared norms estimates E|G_small|² at batch r·seq tokens, and the squared norm
 * of their mean estimates E|G_big|² at batch K·r·seq tokens. `gradientNoiseScale` (predict) turns the two,
 * averaged over steps, into B_simple. The small batches come from their own stream (seeded by the run's seed
 * and the step, apart from the training batches), so the measurement does not depend on the run's batch size.
 */
import type * as TF from "@tensorflow/tfjs";
import type { GradientNoise } from "../types.js";
import type { ModelConfig } from "./config.js";
import { trainingBatch, type TokenSource } from "./corpus.js";
import { lossAndGradients, type Workspace } from "./model.js";
import type { ModelWeights } from "./modelWeights.js";
import { flatten } from "./adamw.js";

/** What to measure: K small batches of `rows` windows each, from the stream of `seed` at `step`. */
export interface NoiseRequest {
  readonly batches: number;
  readonly rows: number;
  readonly seed: number;
  readonly step: number;
}

/**
 * The two squared gradient norms at one step. `workspace` must be sized for `rows` windows.
 * @example await measureGradientNoise(tf, model, weights, workspace, source, { batches: 16, rows: 1, seed: 0, step: 200 })
 */
export async function measureGradientNoise(
  tf: typeof TF,
  model: ModelConfig,
  weights: ModelWeights,
  workspace: Workspace,
  source: TokenSource,
  { batches, rows, seed, step }: NoiseRequest,
): Promise<GradientNoise> {
  const seq = model.seqLen;
  // A stream of its own: the seed's bits flipped, so it never repeats a training batch of the run.
  const windows = trainingBatch(source, batches * rows, seq, (seed ^ 0x6e6f6973) >>> 0, step);
  let sum: Float64Array | undefined;
  let smallNorm2 = 0;
  for (let k = 0; k < batches; k++) {
    const from = k * rows * seq;
    const to = from + rows * seq;
    const flat = tf.tidy(() => {
      const { gradients } = lossAndGradients(
        tf,
        model,
        weights,
        workspace,
        windows.inputs.subarray(from, to),
        windows.targets.subarray(from, to),
      );
      return flatten(tf, gradients);
    });
    const g = (await flat.data()) as Float32Array;
    flat.dispose();
    sum ??= new Float64Array(g.length);
    let norm2 = 0;
    for (let i = 0; i < g.length; i++) {
      norm2 += g[i]! * g[i]!;
      sum[i]! += g[i]!;
    }
    smallNorm2 += norm2;
  }
  let bigNorm2 = 0;
  for (const v of sum!) bigNorm2 += (v / batches) ** 2;
  return {
    smallBatch: rows * seq,
    smallNorm2: smallNorm2 / batches,
    bigBatch: batches * rows * seq,
    bigNorm2,
  };
}
