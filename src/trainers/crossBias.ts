/**
 * The cross-attention's relative position bias (T5's, Raffel et al. 2020, with one bucket per offset): a
 * learned bias b[h, o] per head h and offset o = s − t between source position s and target position t, added
 * to the scores. With it the decoder can attend to the source position of its own target position from the
 * start, where two separately learned position tables would first have to be aligned.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Workspace } from "./model.js";
import { matMul } from "./wasmOps.js";

type Tf = typeof TF;
type T2 = TF.Tensor2D;
type T4 = TF.Tensor4D;

/** The maps already built, by sequence length: kept (outside every tidy), as each step needs one. */
const offsetMaps = new Map<number, T2>();

/**
 * The offsets' one-hot map [2·seq − 1, seq·seq]: row o marks the (target t, source s) pairs with
 * s − t = o − (seq − 1), so a bias per offset b [heads, 2·seq − 1] spreads to scores as b·map (and the
 * scores' gradient, summed over the batch, gathers back to b as dScores·mapᵀ). Built once per length
 * (2 MB at 64) and never disposed.
 * @example offsetMap(tf, 64).shape // [127, 4096]
 */
export function offsetMap(tf: Tf, seq: number): T2 {
  const cached = offsetMaps.get(seq);
  if (cached && !cached.isDisposed) return cached;
  const values = new Float32Array((2 * seq - 1) * seq * seq);
  for (let t = 0; t < seq; t++)
    for (let s = 0; s < seq; s++) values[(s - t + seq - 1) * seq * seq + t * seq + s] = 1;
  const map = tf.keep(tf.tensor2d(values, [2 * seq - 1, seq * seq]));
  offsetMaps.set(seq, map);
  return map;
}

/**
 * The bias as scores [1, heads, seq, seq], from the parameter [heads, 2·seq − 1] and `offsetMap`.
 * @example const scores = offsetBias(tf, workspace, block.crossBias, offsetMap(tf, workspace.seq))
 */
export function offsetBias(tf: Tf, workspace: Workspace, bias: TF.Variable, map: T2): T4 {
  const { seq, kernels } = workspace;
  const heads = bias.shape[0]!;
  return matMul(tf, bias as TF.Tensor as T2, map, kernels).reshape([1, heads, seq, seq]);
}

/**
 * The parameter's gradient [heads, 2·seq − 1] from the scores' gradient summed over the batch
 * [heads, seq, seq]: each offset gathers the pairs at that offset, dScores·mapᵀ.
 * @example const dBias = offsetBiasGradient(tf, cross.dBias, offsetMap(tf, seq))
 */
export function offsetBiasGradient(tf: Tf, dScores: TF.Tensor3D, map: T2): T2 {
  const [heads, seq] = dScores.shape;
  return tf.matMul(dScores.reshape([heads, seq * seq]), map, false, true);
}
