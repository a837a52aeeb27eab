/**
 * The encoder-decoder transformer's shape, parameters and their counts (the model: encdecModel.ts). Encoder
 * and decoder have their own width, depth and heads, so the encoder parameters Ne and the decoder parameters
 * Nd vary independently (Ghorbani et al. 2021 scale them apart). The decoder's cross-attention reads the
 * encoder's output: its key and value projections are [dEncoder, dDecoder] and count as decoder parameters.
 *
 * Counting (docs/trainers.md, "Encoder-decoder"): Ne = the encoder blocks and its final LayerNorm; Nd = the
 * decoder blocks (self-attention, cross-attention with its offset bias, MLP, three LayerNorms each) and its
 * final LayerNorm; embeddings (each side's token embedding and positions; the decoder's token embedding is
 * also its output head) are counted apart, as the enc/dec law counts non-embedding parameters.
 */
import type * as TF from "@tensorflow/tfjs";
import { UserError } from "../errors.js";
import type { RandomSource } from "../random.js";

type Tf = typeof TF;

/** One side's shape. */
interface StackShape {
  dModel: number;
  layers: number;
  heads: number;
}

/** The model's shape. */
export interface EncDecConfig {
  /** Tokens of source and target, mask and begin-of-sequence symbols included. */
  vocab: number;
  /** Source and target length. */
  seqLen: number;
  encoder: StackShape;
  decoder: StackShape;
  /** MLP width as a multiple of the side's width. Default 4. */
  mlpRatio: number;
  gelu: "tanh" | "erf";
  initStd: number;
}

/** Projections of one attention: query from the attending stream, key and value from the attended one. */
export interface AttentionWeights {
  query: TF.Variable;
  queryBias: TF.Variable;
  key: TF.Variable;
  keyBias: TF.Variable;
  value: TF.Variable;
  valueBias: TF.Variable;
  proj: TF.Variable;
  projBias: TF.Variable;
}

export interface MlpWeights {
  fc: TF.Variable;
  fcBias: TF.Variable;
  out: TF.Variable;
  outBias: TF.Variable;
}

interface EncoderBlock {
  ln1Gain: TF.Variable;
  ln1Bias: TF.Variable;
  attention: AttentionWeights;
  ln2Gain: TF.Variable;
  ln2Bias: TF.Variable;
  mlp: MlpWeights;
}

interface DecoderBlock {
  ln1Gain: TF.Variable;
  ln1Bias: TF.Variable;
  self: AttentionWeights;
  lnCrossGain: TF.Variable;
  lnCrossBias: TF.Variable;
  cross: AttentionWeights;
  /** [heads, 2·seqLen − 1]: the cross-attention's learned bias per head and offset s − t (source s, target t). */
  crossBias: TF.Variable;
  ln2Gain: TF.Variable;
  ln2Bias: TF.Variable;
  mlp: MlpWeights;
}

export interface EncDecWeights {
  encTokens: TF.Variable;
  encPositions: TF.Variable;
  encoder: EncoderBlock[];
  encLnGain: TF.Variable;
  encLnBias: TF.Variable;
  /** [vocab, dDecoder]: the decoder's token embedding and (tied) output head. */
  decTokens: TF.Variable;
  decPositions: TF.Variable;
  decoder: DecoderBlock[];
  decLnGain: TF.Variable;
  decLnBias: TF.Variable;
}

const attentionOrder = [
  "query",
  "queryBias",
  "key",
  "keyBias",
  "value",
  "valueBias",
  "proj",
  "projBias",
] as const;
const mlpOrder = ["fc", "fcBias", "out", "outBias"] as const;

/**
 * Every parameter with its name, in the fixed order of the gradients, the optimiser and checkpoints.
 * @example encDecNamed(weights)[0][0] // "encTokens"
 */
export function encDecNamed(w: EncDecWeights): Array<[string, TF.Variable]> {
  const list: Array<[string, TF.Variable]> = [
    ["encTokens", w.encTokens],
    ["encPositions", w.encPositions],
  ];
  const attention = (prefix: string, a: AttentionWeights) =>
    attentionOrder.forEach((name) => list.push([`${prefix}.${name}`, a[name]]));
  const mlp = (prefix: string, m: MlpWeights) =>
    mlpOrder.forEach((name) => list.push([`${prefix}.${name}`, m[name]]));
  w.encoder.forEach((b, i) => {
    const p = `encoder.${i}`;
    list.push([`${p}.ln1Gain`, b.ln1Gain], [`${p}.ln1Bias`, b.ln1Bias]);
    attention(`${p}.attention`, b.attention);
    list.push([`${p}.ln2Gain`, b.ln2Gain], [`${p}.ln2Bias`, b.ln2Bias]);
    mlp(`${p}.mlp`, b.mlp);
  });
  list.push(["encLnGain", w.encLnGain], ["encLnBias", w.encLnBias]);
  list.push(["decTokens", w.decTokens], ["decPositions", w.decPositions]);
  w.decoder.forEach((b, i) => {
    const p = `decoder.${i}`;
    list.push([`${p}.ln1Gain`, b.ln1Gain], [`${p}.ln1Bias`, b.ln1Bias]);
    attention(`${p}.self`, b.self);
    list.push([`${p}.lnCrossGain`, b.lnCrossGain], [`${p}.lnCrossBias`, b.lnCrossBias]);
    attention(`${p}.cross`, b.cross);
    list.push([`${p}.crossBias`, b.crossBias]);
    list.push([`${p}.ln2Gain`, b.ln2Gain], [`${p}.ln2Bias`, b.ln2Bias]);
    mlp(`${p}.mlp`, b.mlp);
  });
  list.push(["decLnGain", w.decLnGain], ["decLnBias", w.decLnBias]);
  return list;
}

/**
 * Seeded initialisation in `encDecNamed` order: weight matrices and embeddings N(0, initStd²), biases (the
 * cross-attention's offset bias too) 0, LayerNorm gains 1.
 * @example const weights = initEncDec(tf, config, randomSource(0))
 */
export function initEncDec(tf: Tf, config: EncDecConfig, random: RandomSource): EncDecWeights {
  const { vocab, seqLen, mlpRatio, initStd } = config;
  const normal = (rows: number, cols: number) => {
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i++) values[i] = initStd * random.normal();
    return tf.variable(tf.tensor2d(values, [rows, cols]));
  };
  const filled = (size: number, value: number) => tf.variable(tf.fill([size], value));
  const attention = (qIn: number, kvIn: number, d: number): AttentionWeights => ({
    query: normal(qIn, d),
    queryBias: filled(d, 0),
    key: normal(kvIn, d),
    keyBias: filled(d, 0),
    value: normal(kvIn, d),
    valueBias: filled(d, 0),
    proj: normal(d, d),
    projBias: filled(d, 0),
  });
  const mlp = (d: number): MlpWeights => ({
    fc: normal(d, mlpRatio * d),
    fcBias: filled(mlpRatio * d, 0),
    out: normal(mlpRatio * d, d),
    outBias: filled(d, 0),
  });
  const dE = config.encoder.dModel;
  const dD = config.decoder.dModel;
  const encTokens = normal(vocab, dE);
  const encPositions = normal(seqLen, dE);
  const encoder: EncoderBlock[] = [];
  for (let i = 0; i < config.encoder.layers; i++)
    encoder.push({
      ln1Gain: filled(dE, 1),
      ln1Bias: filled(dE, 0),
      attention: attention(dE, dE, dE),
      ln2Gain: filled(dE, 1),
      ln2Bias: filled(dE, 0),
      mlp: mlp(dE),
    });
  const encLnGain = filled(dE, 1);
  const encLnBias = filled(dE, 0);
  const decTokens = normal(vocab, dD);
  const decPositions = normal(seqLen, dD);
  const decoder: DecoderBlock[] = [];
  for (let i = 0; i < config.decoder.layers; i++)
    decoder.push({
      ln1Gain: filled(dD, 1),
      ln1Bias: filled(dD, 0),
      self: attention(dD, dD, dD),
      lnCrossGain: filled(dD, 1),
      lnCrossBias: filled(dD, 0),
      cross: attention(dD, dE, dD),
      crossBias: tf.variable(tf.zeros([config.decoder.heads, 2 * seqLen - 1])),
      ln2Gain: filled(dD, 1),
      ln2Bias: filled(dD, 0),
      mlp: mlp(dD),
    });
  return {
    encTokens,
    encPositions,
    encoder,
    encLnGain,
    encLnBias,
    decTokens,
    decPositions,
    decoder,
    decLnGain: filled(dD, 1),
    decLnBias: filled(dD, 0),
  };
}

/** Parameter counts: encoder, decoder (non-embedding), embeddings, total. */
export interface EncDecCounts {
  Ne: number;
  Nd: number;
  embedding: number;
  total: number;
}

/**
 * Counts the parameters as the variables hold them (test/trainers/encdec.test.ts checks the two agree).
 * @example encDecCounts(config).Ne
 */
export function encDecCounts(config: EncDecConfig): EncDecCounts {
  const { vocab, seqLen, mlpRatio } = config;
  const dE = config.encoder.dModel;
  const dD = config.decoder.dModel;
  const attention = (qIn: number, kvIn: number, d: number) => qIn * d + d + 2 * (kvIn * d + d) + d * d + d;
  const mlp = (d: number) => 2 * mlpRatio * d * d + mlpRatio * d + d;
  const encoderBlock = 4 * dE + attention(dE, dE, dE) + mlp(dE);
  const crossBias = config.decoder.heads * (2 * seqLen - 1);
  const decoderBlock = 6 * dD + attention(dD, dD, dD) + attention(dD, dE, dD) + crossBias + mlp(dD);
  const Ne = config.encoder.layers * encoderBlock + 2 * dE;
  const Nd = config.decoder.layers * decoderBlock + 2 * dD;
  const embedding = (vocab + seqLen) * (dE + dD);
  return { Ne, Nd, embedding, total: Ne + Nd + embedding };
}

/**
 * Checks the shape: positive integers, heads dividing each width; a one-line message naming the field.
 * @example checkEncDecConfig(config, "encdec.json")
 */
export function checkEncDecConfig(config: EncDecConfig, where: string): void {
  const int = (value: number, name: string) => {
    if (!Number.isInteger(value) || value < 1)
      throw new UserError(`${where}: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  };
  int(config.vocab, "vocab");
  int(config.seqLen, "seqLen");
  int(config.mlpRatio, "mlpRatio");
  for (const side of ["encoder", "decoder"] as const) {
    const s = config[side];
    int(s.dModel, `${side}.dModel`);
    int(s.layers, `${side}.layers`);
    int(s.heads, `${side}.heads`);
    if (s.dModel % s.heads !== 0)
      throw new UserError(`${where}: ${side}.heads (${s.heads}) must divide ${side}.dModel (${s.dModel})`);
  }
}
