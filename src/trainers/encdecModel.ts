/**
 * An encoder-decoder transformer (Vaswani et al. 2017, pre-LayerNorm as in T5 and the decoder of model.ts):
 *
 *   encoder:  h = onehot(source)·Ee + Pe;  per block  h += Attn(LN1(h), LN1(h));  h += MLP(LN2(h));  m = LNe(h)
 *   decoder:  x = onehot(input)·Ed + Pd;   per block  x += Attn(LN1(x), LN1(x), causal);
 *                                                      x += Attn(LNc(x), m; + b[s − t]) (cross-attention,
 *                                                           with a learned bias per head and offset s − t);
 *                                                      x += MLP(LN2(x))
 *   logits = LNd(x)·Edᵀ (tied head);  loss = mean cross-entropy of the targets, nats per token.
 *
 * Attention is multi-head with per-head scale 1/√(d/heads); the encoder attends without a mask, the decoder's
 * self-attention causally, its cross-attention to every source position. As in model.ts, `encDecLoss` is the
 * forward pass alone (the autodiff reference) and `encDecLossAndGradients` adds the backward pass written out
 * by hand, reusing the decoder's LayerNorm, head-reshaping and wasm matmul kernels; test/trainers/encdec.test.ts
 * checks the two against each other. Source and target have the same length (the workspace's seq).
 */
import type * as TF from "@tensorflow/tfjs";
import { geluBackward, geluForward } from "./gelu.js";
import type { AttentionWeights, EncDecConfig, EncDecWeights, MlpWeights } from "./encdecWeights.js";
import {
  columnSums,
  fromHeads,
  layerNormBackward,
  layerNormForward,
  oneHot,
  swapLast,
  toHeads,
  type LayerNormSaved,
  type Workspace,
} from "./model.js";
import { offsetBias, offsetBiasGradient, offsetMap } from "./crossBias.js";
import { batchMatMul, matMul, transpose } from "./wasmOps.js";

type Tf = typeof TF;
type T2 = TF.Tensor2D;
type T4 = TF.Tensor4D;

/** A sequence-to-sequence batch: source ids, decoder input ids and targets, each row-major [batch, seq]. */
export interface Seq2SeqBatch {
  source: Int32Array;
  inputs: Int32Array;
  targets: Int32Array;
}

interface AttentionSaved {
  xq: T2;
  xkv: T2;
  q: T4;
  k: T4;
  v: T4;
  probs: T4;
  merged: T2;
}

interface MlpSaved {
  x: T2;
  hidden: T2;
  gate: T2;
  activated: T2;
}

/** The operations of one batch shape (kernels on wasm), shared by forward and backward passes. */
function ops(tf: Tf, workspace: Workspace) {
  const { kernels } = workspace;
  const linear = (input: T2, w: TF.Variable, bias: TF.Variable) =>
    matMul(tf, input, w as TF.Tensor as T2, kernels, { bias: bias as TF.Tensor as TF.Tensor1D });
  const throughWeights = (dy: T2, w: TF.Variable) =>
    matMul(tf, dy, transpose(tf, w as TF.Tensor as T2), kernels);
  const weightGradient = (input: T2, dy: T2) => matMul(tf, input, dy, kernels, { transposeA: true });
  const bmm = (a: T4, b: T4) => batchMatMul(tf, a, b, kernels);
  return { linear, throughWeights, weightGradient, bmm };
}

function attentionForward(
  tf: Tf,
  workspace: Workspace,
  xq: T2,
  xkv: T2,
  w: AttentionWeights,
  heads: number,
  causal: boolean,
  bias?: T4,
): { out: T2; saved: AttentionSaved } {
  const { batch, seq, mask } = workspace;
  const { linear, bmm } = ops(tf, workspace);
  const d = w.proj.shape[0]!;
  const q = toHeads(linear(xq, w.query, w.queryBias), batch, seq, heads);
  const k = toHeads(linear(xkv, w.key, w.keyBias), batch, seq, heads);
  const v = toHeads(linear(xkv, w.value, w.valueBias), batch, seq, heads);
  const scaled = bmm(q, swapLast(k)).mul(1 / Math.sqrt(d / heads)) as T4;
  const scores = bias ? (scaled.add(bias) as T4) : scaled;
  const probs = tf.softmax(causal ? scores.add(mask) : scores) as T4;
  const merged = fromHeads(bmm(probs, v));
  return { out: linear(merged, w.proj, w.projBias), saved: { xq, xkv, q, k, v, probs, merged } };
}

/**
 * Gradients of an attention: to its two inputs, of its weights in `AttentionWeights` order, and of the
 * scores (before the 1/√(d/heads) scale) summed over the batch, [heads, seq, seq], what an additive bias
 * gets (only when `biased`).
 */
function attentionBackward(
  tf: Tf,
  workspace: Workspace,
  dOut: T2,
  s: AttentionSaved,
  w: AttentionWeights,
  heads: number,
  biased = false,
): { dXq: T2; dXkv: T2; grads: TF.Tensor[]; dBias?: TF.Tensor3D } {
  const { batch, seq } = workspace;
  const { throughWeights, weightGradient, bmm } = ops(tf, workspace);
  const d = w.proj.shape[0]!;
  const dAttended = toHeads(throughWeights(dOut, w.proj), batch, seq, heads);
  const dProbs = bmm(dAttended, swapLast(s.v));
  const dRaw = s.probs.mul(dProbs.sub(dProbs.mul(s.probs).sum(-1, true))) as T4;
  const dScores = dRaw.mul(1 / Math.sqrt(d / heads)) as T4;
  const dQ = fromHeads(bmm(dScores, s.k));
  const dK = fromHeads(bmm(swapLast(dScores), s.q));
  const dV = fromHeads(bmm(swapLast(s.probs), dAttended));
  return {
    dXq: throughWeights(dQ, w.query),
    dXkv: tf.addN([throughWeights(dK, w.key), throughWeights(dV, w.value)]) as T2,
    grads: [
      weightGradient(s.xq, dQ),
      columnSums(tf, workspace, dQ),
      weightGradient(s.xkv, dK),
      columnSums(tf, workspace, dK),
      weightGradient(s.xkv, dV),
      columnSums(tf, workspace, dV),
      weightGradient(s.merged, dOut),
      columnSums(tf, workspace, dOut),
    ],
    ...(biased ? { dBias: dRaw.sum<TF.Tensor3D>(0) } : {}),
  };
}

function mlpForward(
  tf: Tf,
  workspace: Workspace,
  x: T2,
  w: MlpWeights,
  gelu: EncDecConfig["gelu"],
): { out: T2; saved: MlpSaved } {
  const { linear } = ops(tf, workspace);
  const hidden = linear(x, w.fc, w.fcBias);
  const { y: activated, gate } = geluForward(tf, hidden, gelu, workspace.kernels);
  return { out: linear(activated, w.out, w.outBias), saved: { x, hidden, gate, activated } };
}

function mlpBackward(
  tf: Tf,
  workspace: Workspace,
  dOut: T2,
  s: MlpSaved,
  w: MlpWeights,
  gelu: EncDecConfig["gelu"],
): { dx: T2; grads: TF.Tensor[] } {
  const { throughWeights, weightGradient } = ops(tf, workspace);
  const dActivated = throughWeights(dOut, w.out);
  const dHidden = geluBackward(tf, dActivated, s.hidden, s.gate, gelu, workspace.kernels);
  return {
    dx: throughWeights(dHidden, w.fc),
    grads: [
      weightGradient(s.x, dHidden),
      columnSums(tf, workspace, dHidden),
      weightGradient(s.activated, dOut),
      columnSums(tf, workspace, dOut),
    ],
  };
}

/** onehot(ids)·E + P as [batch·seq, d]. */
function embed(
  tf: Tf,
  workspace: Workspace,
  ids: Int32Array,
  tokens: TF.Variable,
  positions: TF.Variable,
): T2 {
  const { batch, seq } = workspace;
  const [vocab, d] = tokens.shape as [number, number];
  const onehot = tf.tensor2d(oneHot(ids, vocab), [batch * seq, vocab]);
  return matMul(tf, onehot, tokens as TF.Tensor as T2, workspace.kernels)
    .reshape([batch, seq, d])
    .add(positions)
    .reshape([batch * seq, d]) as T2;
}

/** Gradients of the token embedding and the positions from d(embedded). */
function embedBackward(
  tf: Tf,
  workspace: Workspace,
  ids: Int32Array,
  vocab: number,
  dx: T2,
): [TF.Tensor, TF.Tensor] {
  const { batch, seq, onesBatch } = workspace;
  const d = dx.shape[1];
  const transposedHot = tf.tensor2d(oneHot(ids, vocab, true), [vocab, batch * seq]);
  const dTokens = tf.matMul(transposedHot, dx);
  // As in model.ts: a reshape keeps the data id, so the batch sum goes through a transposed copy.
  const byBatch = tf.transpose(dx.reshape([batch, seq * d, 1]), [0, 2, 1]).reshape([batch, seq * d]);
  return [dTokens, tf.matMul(onesBatch, byBatch).reshape([seq, d])];
}

interface EncoderSaved {
  ln1: LayerNormSaved;
  attention: AttentionSaved;
  ln2: LayerNormSaved;
  mlp: MlpSaved;
}

interface DecoderSaved {
  ln1: LayerNormSaved;
  self: AttentionSaved;
  lnCross: LayerNormSaved;
  cross: AttentionSaved;
  ln2: LayerNormSaved;
  mlp: MlpSaved;
}

function forwardPass(
  tf: Tf,
  config: EncDecConfig,
  w: EncDecWeights,
  workspace: Workspace,
  batch: Seq2SeqBatch,
) {
  const { kernels } = workspace;
  let h = embed(tf, workspace, batch.source, w.encTokens, w.encPositions);
  const encoder: EncoderSaved[] = [];
  for (const block of w.encoder) {
    const ln1 = layerNormForward(tf, h, block.ln1Gain, block.ln1Bias, kernels);
    const attention = attentionForward(
      tf,
      workspace,
      ln1.y,
      ln1.y,
      block.attention,
      config.encoder.heads,
      false,
    );
    h = h.add(attention.out) as T2;
    const ln2 = layerNormForward(tf, h, block.ln2Gain, block.ln2Bias, kernels);
    const mlp = mlpForward(tf, workspace, ln2.y, block.mlp, config.gelu);
    h = h.add(mlp.out) as T2;
    encoder.push({ ln1, attention: attention.saved, ln2, mlp: mlp.saved });
  }
  const lnE = layerNormForward(tf, h, w.encLnGain, w.encLnBias, kernels);
  const memory = lnE.y;
  const map = offsetMap(tf, workspace.seq);
  let x = embed(tf, workspace, batch.inputs, w.decTokens, w.decPositions);
  const decoder: DecoderSaved[] = [];
  for (const block of w.decoder) {
    const ln1 = layerNormForward(tf, x, block.ln1Gain, block.ln1Bias, kernels);
    const self = attentionForward(tf, workspace, ln1.y, ln1.y, block.self, config.decoder.heads, true);
    x = x.add(self.out) as T2;
    const lnCross = layerNormForward(tf, x, block.lnCrossGain, block.lnCrossBias, kernels);
    const cross = attentionForward(
      tf,
      workspace,
      lnCross.y,
      memory,
      block.cross,
      config.decoder.heads,
      false,
      offsetBias(tf, workspace, block.crossBias, map),
    );
    x = x.add(cross.out) as T2;
    const ln2 = layerNormForward(tf, x, block.ln2Gain, block.ln2Bias, kernels);
    const mlp = mlpForward(tf, workspace, ln2.y, block.mlp, config.gelu);
    x = x.add(mlp.out) as T2;
    decoder.push({ ln1, self: self.saved, lnCross, cross: cross.saved, ln2, mlp: mlp.saved });
  }
  const lnD = layerNormForward(tf, x, w.decLnGain, w.decLnBias, kernels);
  const probs = tf.softmax(tf.matMul(lnD.y, transpose(tf, w.decTokens as TF.Tensor as T2))) as T2;
  const targetRows = tf.tensor2d(oneHot(batch.targets, config.vocab), probs.shape);
  const loss = tf.log(probs.mul(targetRows).sum(-1).maximum(1e-30)).mean().neg() as TF.Scalar;
  return { loss, saved: { encoder, lnE, decoder, lnD, probs, targetRows, map } };
}

/**
 * Mean cross-entropy of the targets given source and decoder inputs, forward pass only (evaluation, and the
 * autodiff reference). Call inside `tf.tidy`.
 * @example const loss = tf.tidy(() => encDecLoss(tf, config, weights, workspace, batch).dataSync()[0])
 */
export function encDecLoss(
  tf: Tf,
  config: EncDecConfig,
  weights: EncDecWeights,
  workspace: Workspace,
  batch: Seq2SeqBatch,
): TF.Scalar {
  return forwardPass(tf, config, weights, workspace, batch).loss;
}

/**
 * The loss and its gradients in `encDecNamed` order, by the hand-written backward pass. Call inside `tf.tidy`.
 * @example const { loss, gradients } = encDecLossAndGradients(tf, config, weights, workspace, batch)
 */
export function encDecLossAndGradients(
  tf: Tf,
  config: EncDecConfig,
  w: EncDecWeights,
  workspace: Workspace,
  batch: Seq2SeqBatch,
): { loss: TF.Scalar; gradients: TF.Tensor[] } {
  const { loss, saved } = forwardPass(tf, config, w, workspace, batch);
  const { kernels } = workspace;
  const rows = workspace.batch * workspace.seq;
  const dLogits = saved.probs.sub(saved.targetRows).mul(1 / rows) as T2;
  let dx = matMul(tf, dLogits, w.decTokens as TF.Tensor as T2, kernels);
  const dDecHead = matMul(tf, dLogits, saved.lnD.y, kernels, { transposeA: true });
  const lnD = layerNormBackward(tf, workspace, dx, saved.lnD, w.decLnGain);
  dx = lnD.dx;
  let dMemory: T2 | undefined;
  const decoderGrads: TF.Tensor[][] = [];
  for (let i = w.decoder.length - 1; i >= 0; i--) {
    const block = w.decoder[i]!;
    const s = saved.decoder[i]!;
    const mlp = mlpBackward(tf, workspace, dx, s.mlp, block.mlp, config.gelu);
    const ln2 = layerNormBackward(tf, workspace, mlp.dx, s.ln2, block.ln2Gain);
    dx = dx.add(ln2.dx) as T2;
    const cross = attentionBackward(tf, workspace, dx, s.cross, block.cross, config.decoder.heads, true);
    dMemory = dMemory ? (dMemory.add(cross.dXkv) as T2) : cross.dXkv;
    const dCrossBias = offsetBiasGradient(tf, cross.dBias!, saved.map);
    const lnCross = layerNormBackward(tf, workspace, cross.dXq, s.lnCross, block.lnCrossGain);
    dx = dx.add(lnCross.dx) as T2;
    const self = attentionBackward(tf, workspace, dx, s.self, block.self, config.decoder.heads);
    const ln1 = layerNormBackward(tf, workspace, tf.addN([self.dXq, self.dXkv]) as T2, s.ln1, block.ln1Gain);
    dx = dx.add(ln1.dx) as T2;
    decoderGrads.unshift([
      ln1.dGain,
      ln1.dBias,
      ...self.grads,
      lnCross.dGain,
      lnCross.dBias,
      ...cross.grads,
      dCrossBias,
      ln2.dGain,
      ln2.dBias,
      ...mlp.grads,
    ]);
  }
  const [dDecTokens, dDecPositions] = embedBackward(tf, workspace, batch.inputs, config.vocab, dx);
  // The encoder, from what the cross-attentions sent back to its output m = LNe(h).
  const lnE = layerNormBackward(tf, workspace, dMemory ?? tf.zerosLike(saved.lnE.y), saved.lnE, w.encLnGain);
  let dh = lnE.dx;
  const encoderGrads: TF.Tensor[][] = [];
  for (let i = w.encoder.length - 1; i >= 0; i--) {
    const block = w.encoder[i]!;
    const s = saved.encoder[i]!;
    const mlp = mlpBackward(tf, workspace, dh, s.mlp, block.mlp, config.gelu);
    const ln2 = layerNormBackward(tf, workspace, mlp.dx, s.ln2, block.ln2Gain);
    dh = dh.add(ln2.dx) as T2;
    const attention = attentionBackward(
      tf,
      workspace,
      dh,
      s.attention,
      block.attention,
      config.encoder.heads,
    );
    const ln1 = layerNormBackward(
      tf,
      workspace,
      tf.addN([attention.dXq, attention.dXkv]) as T2,
      s.ln1,
      block.ln1Gain,
    );
    dh = dh.add(ln1.dx) as T2;
    encoderGrads.unshift([ln1.dGain, ln1.dBias, ...attention.grads, ln2.dGain, ln2.dBias, ...mlp.grads]);
  }
  const [dEncTokens, dEncPositions] = embedBackward(tf, workspace, batch.source, config.vocab, dh);
  return {
    loss,
    gradients: [
      dEncTokens,
      dEncPositions,
      ...encoderGrads.flat(),
      lnE.dGain,
      lnE.dBias,
      dDecTokens.add(dDecHead),
      dDecPositions,
      ...decoderGrads.flat(),
      lnD.dGain,
      lnD.dBias,
    ],
  };
}
