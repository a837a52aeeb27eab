/**
 * A decoder-only transformer language model in TensorFlow.js (nanoGPT is the model for clarity):
 *
 *   x = onehot(tokens)·E + P                                  (E [vocab, d] token, P [seq, d] position embeddings)
 *   for each block:  x += Wo·Attn(LN1(x));  x += W2·GELU(W1·LN2(x))          (pre-LayerNorm, causal attention)
 *   logits = LNf(x)·Eᵀ  (tied head, GPT-2 and the PyTorch anchor)  or LNf(x)·Wout
 *   loss = mean cross-entropy in nats per token.
 *
 * Queries, keys and values are three d×d projections with biases (the anchor's fused QKV Linear, split by
 * columns); exact or tanh-form GELU; LayerNorm ε 1e-5; no dropout; every weight matrix and embedding
 * initialised N(0, initStd²), biases 0, LayerNorm gains 1 — the same model as
 * the PyTorch reference trainer tiny_lm_torch.py.
 *
 * Two ways through it:
 * - `lossOf` is the forward pass alone, differentiated by TF.js's autodiff (`tf.variableGrads`): the reference.
 * - `lossAndGradients` runs the forward pass keeping what the backward pass needs and then the backward pass
 *   written out by hand. On the wasm backend this is several times faster (bench/trainer.ts; docs/trainers.md
 *   has the figures), because XNNPACK serves only plain `A·B` matmuls with a 2-D right operand: autodiff emits
 *   `Aᵀ·B` / `A·Bᵀ` matmuls (much slower there), 2-D transposes (slower than our blocked transpose) and axis-0
 *   sums (slower than a ones-row matmul). Both give the same gradients (test/trainers/model.test.ts: within
 *   2e-5 of the largest gradient).
 *
 * Activations are [batch·seq, d] matrices so every projection is one 2-D matmul; only attention reshapes to
 * [batch, heads, seq, headDim]. The parameters are a plain object of `tf.Variable`s (`ModelWeights`,
 * modelWeights.ts), GELU and its derivative are in gelu.ts; every function here is pure and runs inside the
 * caller's `tf.tidy`.
 */
import type * as TF from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.js";
import { geluBackward, geluForward } from "./gelu.js";
import type { ModelWeights } from "./modelWeights.js";
import { batchMatMul, matMul, registerWasmKernels, transpose } from "./wasmOps.js";
import { layerNormFused, layerNormGradFused, layerNormKernelFits } from "./wasmLayerNorm.js";

type Tf = typeof TF;
type T2 = TF.Tensor2D;
type T4 = TF.Tensor4D;

/**
 * Constants a batch shape needs (the causal mask, a ones row for column sums), made once per run.
 * Dispose with `disposeWorkspace`.
 */
export interface Workspace {
  batch: number;
  seq: number;
  /** [seq, seq]: 0 on and below the diagonal, −1e9 above. */
  mask: T2;
  /** [1, batch·seq] ones: column sums as a matmul. */
  onesRows: T2;
  /** [1, batch] ones: position-gradient sums over the batch. */
  onesBatch: T2;
  /**
   * The wasm SIMD kernels (matmuls: wasmOps.ts, LayerNorm: wasmLayerNorm.ts, GELU: wasmFused.ts); false:
   * TF.js ops only (differentiable).
   */
  kernels: boolean;
}

/**
 * Makes the constants for batches of `batch` sequences of `seq` tokens; `kernels` (default: on wasm) sends
 * the matmuls, LayerNorms and GELU to the wasm SIMD kernels. The autodiff reference needs it off.
 * @example const workspace = makeWorkspace(tf, 16, 64)
 */
export function makeWorkspace(tf: Tf, batch: number, seq: number, kernels = true): Workspace {
  const values = new Float32Array(seq * seq);
  for (let i = 0; i < seq; i++) for (let j = i + 1; j < seq; j++) values[i * seq + j] = -1e9;
  return {
    batch,
    seq,
    mask: tf.tensor2d(values, [seq, seq]),
    onesRows: tf.ones([1, batch * seq]),
    onesBatch: tf.ones([1, batch]),
    kernels: kernels && registerWasmKernels(tf),
  };
}

/** Frees a workspace's tensors. */
export function disposeWorkspace(workspace: Workspace): void {
  workspace.mask.dispose();
  workspace.onesRows.dispose();
  workspace.onesBatch.dispose();
}

/**
 * One-hot rows for token ids as a flat Float32Array, [tokens.length, vocab] (or its transpose, [vocab, n],
 * which the embedding gradient needs): built in JavaScript, cheaper than tf.oneHot + cast on wasm.
 * @example oneHot(Int32Array.of(2, 0), 3) // Float32Array [0,0,1, 1,0,0]
 */
export function oneHot(tokens: Int32Array, vocab: number, transposed = false): Float32Array {
  const n = tokens.length;
  const values = new Float32Array(n * vocab);
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    values[transposed ? t * n + i : i * vocab + t] = 1;
  }
  return values;
}

/**
 * Column sums of [rows, cols] as a [cols] vector: a ones row times x (the SIMD kernel when on: XNNPACK would
 * pack x first, more work than the product itself). tf.sum over axis 0 is much slower on wasm.
 */
export function columnSums(tf: Tf, workspace: Workspace, x: T2): TF.Tensor1D {
  return batchMatMul(tf, workspace.onesRows, x, workspace.kernels).reshape([x.shape[1]]);
}

export interface LayerNormSaved {
  y: T2;
  normalised: T2;
  rstd: T2;
}

export function layerNormForward(
  tf: Tf,
  x: T2,
  gain: TF.Tensor,
  bias: TF.Tensor,
  kernels: boolean,
): LayerNormSaved {
  if (kernels && layerNormKernelFits(tf, x)) {
    const [y, normalised, rstd] = layerNormFused(tf, x, gain, bias);
    return { y, normalised, rstd };
  }
  const centred = x.sub(x.mean(-1, true)) as T2;
  const rstd = tf.rsqrt(centred.square().mean(-1, true).add(1e-5)) as T2;
  const normalised = centred.mul(rstd) as T2;
  return { y: normalised.mul(gain).add(bias) as T2, normalised, rstd };
}

/** d/dx of LayerNorm: rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ x̂)) with ĝ = dy·gain; gain and bias gradients as column sums. */
export function layerNormBackward(
  tf: Tf,
  workspace: Workspace,
  dy: T2,
  saved: LayerNormSaved,
  gain: TF.Tensor,
): { dx: T2; dGain: TF.Tensor1D; dBias: TF.Tensor1D } {
  if (workspace.kernels && layerNormKernelFits(tf, dy)) {
    const [dx, dGain, dBias] = layerNormGradFused(tf, dy, saved.normalised, saved.rstd, gain);
    return { dx, dGain, dBias };
  }
  const dNorm = dy.mul(gain);
  const dx = saved.rstd.mul(
    dNorm.sub(dNorm.mean(-1, true)).sub(saved.normalised.mul(dNorm.mul(saved.normalised).mean(-1, true))),
  ) as T2;
  return {
    dx,
    dGain: columnSums(tf, workspace, dy.mul(saved.normalised) as T2),
    dBias: columnSums(tf, workspace, dy),
  };
}

/** [rows, d] → [batch, heads, seq, headDim]. */
export function toHeads(x: T2, batch: number, seq: number, heads: number): T4 {
  const headDim = x.shape[1] / heads;
  return x.reshape([batch, seq, heads, headDim]).transpose([0, 2, 1, 3]);
}

/** [batch, heads, seq, headDim] → [rows, d]. */
export function fromHeads(x: T4): T2 {
  const [batch, heads, seq, headDim] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape([batch * seq, heads * headDim]);
}

export function swapLast(x: T4): T4 {
  return x.transpose([0, 1, 3, 2]);
}

interface BlockSaved {
  ln1: LayerNormSaved;
  q: T4;
  k: T4;
  v: T4;
  probs: T4;
  merged: T2;
  ln2: LayerNormSaved;
  hidden: T2;
  gate: T2;
  activated: T2;
}

interface ForwardSaved {
  blocks: BlockSaved[];
  lnF: LayerNormSaved;
  probs: T2;
  targets: T2;
}

function forwardPass(
  tf: Tf,
  config: ModelConfig,
  weights: ModelWeights,
  workspace: Workspace,
  inputs: Int32Array,
  targets: Int32Array,
): { loss: TF.Scalar; saved: ForwardSaved } {
  const { batch, seq, mask } = workspace;
  const { dModel: d, heads, vocab } = config;
  const rows = batch * seq;
  const scale = 1 / Math.sqrt(d / heads);
  const bmm = (a: T4, b: T4) => batchMatMul(tf, a, b, workspace.kernels);
  const linear = (input: T2, w: TF.Variable, bias: TF.Variable) =>
    matMul(tf, input, w as TF.Tensor as T2, workspace.kernels, { bias: bias as TF.Tensor as TF.Tensor1D });
  const tokenEmbedding = tf.tensor2d(oneHot(inputs, vocab), [rows, vocab]);
  const positions = seq === config.seqLen ? weights.positions : weights.positions.slice([0, 0], [seq, d]);
  let x = matMul(tf, tokenEmbedding, weights.tokens as TF.Tensor as T2, workspace.kernels)
    .reshape([batch, seq, d])
    .add(positions)
    .reshape([rows, d]) as T2;
  const blocks: BlockSaved[] = [];
  for (const block of weights.blocks) {
    const ln1 = layerNormForward(tf, x, block.ln1Gain, block.ln1Bias, workspace.kernels);
    const q = toHeads(linear(ln1.y, block.query, block.queryBias), batch, seq, heads);
    const k = toHeads(linear(ln1.y, block.key, block.keyBias), batch, seq, heads);
    const v = toHeads(linear(ln1.y, block.value, block.valueBias), batch, seq, heads);
    const probs = tf.softmax(bmm(q, swapLast(k)).mul(scale).add(mask)) as T4;
    const merged = fromHeads(bmm(probs, v));
    x = x.add(linear(merged, block.proj, block.projBias)) as T2;
    const ln2 = layerNormForward(tf, x, block.ln2Gain, block.ln2Bias, workspace.kernels);
    const hidden = linear(ln2.y, block.fc, block.fcBias);
    const { y: activated, gate } = geluForward(tf, hidden, config.gelu, workspace.kernels);
    x = x.add(linear(activated, block.out, block.outBias)) as T2;
    blocks.push({ ln1, q, k, v, probs, merged, ln2, hidden, gate, activated });
  }
  const lnF = layerNormForward(tf, x, weights.lnFGain, weights.lnFBias, workspace.kernels);
  const logits = weights.head
    ? tf.matMul(lnF.y, weights.head)
    : tf.matMul(lnF.y, transpose(tf, weights.tokens as TF.Tensor as T2));
  // Softmax is one fast kernel on wasm (logSoftmax is five, with a scalar exp); the log is taken of the
  // target's probability only, floored at 1e-30 (a logit gap beyond 69 nats).
  const probs = tf.softmax(logits) as T2;
  const targetRows = tf.tensor2d(oneHot(targets, vocab), [rows, vocab]);
  const targetProbs = probs.mul(targetRows).sum(-1).maximum(1e-30);
  const loss = tf.log(targetProbs).mean().neg() as TF.Scalar;
  return { loss, saved: { blocks, lnF, probs, targets: targetRows } };
}

/**
 * Mean cross-entropy (nats per token) of `targets` given `inputs` (both batch·seq token ids, row-major
 * [batch, seq]), forward pass only: evaluation, and the autodiff reference for the hand-written gradients.
 * @example const loss = tf.tidy(() => lossOf(tf, config, weights, workspace, inputs, targets).dataSync()[0])
 */
export function lossOf(
  tf: Tf,
  config: ModelConfig,
  weights: ModelWeights,
  workspace: Workspace,
  inputs: Int32Array,
  targets: Int32Array,
): TF.Scalar {
  return forwardPass(tf, config, weights, workspace, inputs, targets).loss;
}

/**
 * The loss and its gradient with respect to every parameter, in `namedWeights` order, by the forward pass and
 * the hand-written backward pass. Call inside `tf.tidy`.
 * @example const { loss, gradients } = lossAndGradients(tf, config, weights, workspace, inputs, targets)
 */
export function lossAndGradients(
  tf: Tf,
  config: ModelConfig,
  weights: ModelWeights,
  workspace: Workspace,
  inputs: Int32Array,
  targets: Int32Array,
): { loss: TF.Scalar; gradients: TF.Tensor[] } {
  const { batch, seq, onesBatch } = workspace;
  const { dModel: d, heads, vocab } = config;
  const rows = batch * seq;
  const scale = 1 / Math.sqrt(d / heads);
  const bmm = (a: T4, b: T4) => batchMatMul(tf, a, b, workspace.kernels);
  const { loss, saved } = forwardPass(tf, config, weights, workspace, inputs, targets);
  const { kernels } = workspace;
  /** dy·Wᵀ: W is small, its transpose cheap. */
  const throughWeights = (dy: T2, w: TF.Variable) =>
    matMul(tf, dy, transpose(tf, w as TF.Tensor as T2), kernels);
  /** inputᵀ·dy, the weight gradient. */
  const weightGradient = (input: T2, dy: T2) => matMul(tf, input, dy, kernels, { transposeA: true });
  const linearBackward = (dy: T2, input: T2, w: TF.Variable) => ({
    dx: throughWeights(dy, w),
    dW: weightGradient(input, dy),
    dB: columnSums(tf, workspace, dy),
  });

  // Cross-entropy over softmax: d loss / d logits = (p − y) / rows.
  const dLogits = saved.probs.sub(saved.targets).mul(1 / rows) as T2;
  let dTokens: TF.Tensor;
  let dHead: TF.Tensor | undefined;
  let dx: T2;
  if (weights.head) {
    dx = throughWeights(dLogits, weights.head);
    dHead = weightGradient(saved.lnF.y, dLogits);
    dTokens = tf.zerosLike(weights.tokens);
  } else {
    dx = matMul(tf, dLogits, weights.tokens as TF.Tensor as T2, kernels);
    dTokens = weightGradient(dLogits, saved.lnF.y);
  }
  const lnFGrad = layerNormBackward(tf, workspace, dx, saved.lnF, weights.lnFGain);
  dx = lnFGrad.dx;

  const blockGradients: TF.Tensor[][] = [];
  for (let i = weights.blocks.length - 1; i >= 0; i--) {
    const block = weights.blocks[i]!;
    const s = saved.blocks[i]!;
    // x += GELU(LN2(x)·W1 + b1)·W2 + b2
    const out = linearBackward(dx, s.activated, block.out);
    const dHidden = geluBackward(tf, out.dx, s.hidden, s.gate, config.gelu, kernels);
    const fc = linearBackward(dHidden, s.ln2.y, block.fc);
    const ln2 = layerNormBackward(tf, workspace, fc.dx, s.ln2, block.ln2Gain);
    dx = dx.add(ln2.dx) as T2;
    // x += softmax(q kᵀ·scale + mask)·v·Wo + bo
    const proj = linearBackward(dx, s.merged, block.proj);
    const dAttended = toHeads(proj.dx, batch, seq, heads);
    const dProbs = bmm(dAttended, swapLast(s.v));
    const dV = bmm(swapLast(s.probs), dAttended);
    const dScores = s.probs.mul(dProbs.sub(dProbs.mul(s.probs).sum(-1, true))).mul(scale) as T4;
    const dQ = fromHeads(bmm(dScores, s.k));
    const dK = fromHeads(bmm(swapLast(dScores), s.q));
    const dVal = fromHeads(dV);
    const dIn = tf.addN([
      throughWeights(dQ, block.query),
      throughWeights(dK, block.key),
      throughWeights(dVal, block.value),
    ]) as T2;
    const ln1 = layerNormBackward(tf, workspace, dIn, s.ln1, block.ln1Gain);
    dx = dx.add(ln1.dx) as T2;
    blockGradients.unshift([
      ln1.dGain,
      ln1.dBias,
      weightGradient(s.ln1.y, dQ),
      columnSums(tf, workspace, dQ),
      weightGradient(s.ln1.y, dK),
      columnSums(tf, workspace, dK),
      weightGradient(s.ln1.y, dVal),
      columnSums(tf, workspace, dVal),
      proj.dW,
      proj.dB,
      ln2.dGain,
      ln2.dBias,
      fc.dW,
      fc.dB,
      out.dW,
      out.dB,
    ]);
  }
  // x0 = onehot·E + P
  const embedding = tf.tensor2d(oneHot(inputs, vocab, true), [vocab, rows]);
  dTokens = dTokens.add(tf.matMul(embedding, dx));
  // A reshaped tensor keeps its data id, and the wasm backend caches XNNPACK's packed right operand by data
  // id alone: `dx.reshape(…)` as a right operand would reuse the [rows, d] packing of `dx` (wrong results).
  const dxByBatch = tf.transpose(dx.reshape([batch, seq * d, 1]), [0, 2, 1]).reshape([batch, seq * d]);
  let dPositions: TF.Tensor = tf.matMul(onesBatch, dxByBatch).reshape([seq, d]);
  if (seq < config.seqLen)
    dPositions = tf.pad(dPositions, [
      [0, config.seqLen - seq],
      [0, 0],
    ]);
  const gradients = [
    dTokens,
    dPositions,
    ...blockGradients.flat(),
    lnFGrad.dGain,
    lnFGrad.dBias,
    ...(dHead ? [dHead] : []),
  ];
  return { loss, gradients };
}
