/**
 * The model's parameters: a plain object of `tf.Variable`s, their fixed order (the optimiser's, the
 * gradients' and the checkpoint's) and their seeded initialisation (every weight matrix and embedding
 * N(0, initStd²), biases 0, LayerNorm gains 1, as in the PyTorch reference trainer tiny_lm_torch.py).
 */
import type * as TF from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.js";
import type { RandomSource } from "../random.js";

type Tf = typeof TF;

/** One transformer block's parameters. Matrices are [in, out]. */
interface BlockWeights {
  ln1Gain: TF.Variable;
  ln1Bias: TF.Variable;
  query: TF.Variable;
  queryBias: TF.Variable;
  key: TF.Variable;
  keyBias: TF.Variable;
  value: TF.Variable;
  valueBias: TF.Variable;
  /** Attention output projection [d, d]. */
  proj: TF.Variable;
  projBias: TF.Variable;
  ln2Gain: TF.Variable;
  ln2Bias: TF.Variable;
  /** MLP in [d, mlpRatio·d]. */
  fc: TF.Variable;
  fcBias: TF.Variable;
  /** MLP out [mlpRatio·d, d]. */
  out: TF.Variable;
  outBias: TF.Variable;
}

/** Every parameter of the model, as variables. */
export interface ModelWeights {
  /** [vocab, d] token embedding (also the output head when tied). */
  tokens: TF.Variable;
  /** [seqLen, d] learned absolute positions. */
  positions: TF.Variable;
  blocks: BlockWeights[];
  lnFGain: TF.Variable;
  lnFBias: TF.Variable;
  /** [d, vocab] separate output head when not tied. */
  head?: TF.Variable;
}

const blockOrder: ReadonlyArray<keyof BlockWeights> = [
  "ln1Gain",
  "ln1Bias",
  "query",
  "queryBias",
  "key",
  "keyBias",
  "value",
  "valueBias",
  "proj",
  "projBias",
  "ln2Gain",
  "ln2Bias",
  "fc",
  "fcBias",
  "out",
  "outBias",
];

/**
 * The parameter variables in a fixed order (the optimiser's, the gradients' and the checkpoint's), with names.
 * @example namedWeights(weights).map(([name]) => name) // ["tokens", "positions", "blocks.0.ln1Gain", …]
 */
export function namedWeights(weights: ModelWeights): Array<[string, TF.Variable]> {
  const list: Array<[string, TF.Variable]> = [
    ["tokens", weights.tokens],
    ["positions", weights.positions],
  ];
  weights.blocks.forEach((block, i) => {
    for (const name of blockOrder) list.push([`blocks.${i}.${name}`, block[name]]);
  });
  list.push(["lnFGain", weights.lnFGain], ["lnFBias", weights.lnFBias]);
  if (weights.head) list.push(["head", weights.head]);
  return list;
}

/**
 * Creates the model's variables from the seeded random source (normal weights, zero biases, unit LayerNorm
 * gains), in `namedWeights` order, so the same seed gives the same weights on every backend.
 * @example const weights = initWeights(tf, { ...defaultModelConfig, vocab: 80 }, randomSource(0))
 */
export function initWeights(tf: Tf, config: ModelConfig, random: RandomSource): ModelWeights {
  const { dModel: d, vocab, seqLen, mlpRatio } = config;
  const hidden = mlpRatio * d;
  const normal = (rows: number, cols: number) => {
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i++) values[i] = config.initStd * random.normal();
    return tf.variable(tf.tensor2d(values, [rows, cols]));
  };
  const filled = (size: number, value: number) => tf.variable(tf.fill([size], value));
  const tokens = normal(vocab, d);
  const positions = normal(seqLen, d);
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < config.layers; i++) {
    blocks.push({
      ln1Gain: filled(d, 1),
      ln1Bias: filled(d, 0),
      query: normal(d, d),
      queryBias: filled(d, 0),
      key: normal(d, d),
      keyBias: filled(d, 0),
      value: normal(d, d),
      valueBias: filled(d, 0),
      proj: normal(d, d),
      projBias: filled(d, 0),
      ln2Gain: filled(d, 1),
      ln2Bias: filled(d, 0),
      fc: normal(d, hidden),
      fcBias: filled(hidden, 0),
      out: normal(hidden, d),
      outBias: filled(d, 0),
    });
  }
  return {
    tokens,
    positions,
    blocks,
    lnFGain: filled(d, 1),
    lnFBias: filled(d, 0),
    ...(config.tied ? {} : { head: normal(d, vocab) }),
  };
}
