/**
 * The decoder-only language model's configuration as a typed object with documented defaults (nanoGPT's
 * `GPTConfig` is the model), and the training configuration around it. The defaults are the shape of
 * the PyTorch reference trainer tiny_lm_torch.py at d_model 64, so `scalefit train` with no options measures
 * the same model as the PyTorch baseline.
 */
import { UserError } from "../errors.js";
import { qatPlan } from "./qatPlan.js";

/** The transformer's shape. */
export interface ModelConfig {
  /** Vocabulary size: the corpus's symbols (bytes that occur, or a synthetic source's alphabet). */
  vocab: number;
  /** Width of the residual stream. Default 64. */
  dModel: number;
  /** Number of transformer blocks. Default 2. */
  layers: number;
  /** Attention heads per block; must divide dModel. Default 4. */
  heads: number;
  /** Context length in tokens (learned absolute positions). Default 64. */
  seqLen: number;
  /** MLP hidden width as a multiple of dModel. Default 4. */
  mlpRatio: number;
  /** Output head tied to the token embedding (logits = h Eᵀ), as in GPT-2 and the PyTorch anchor. Default true. */
  tied: boolean;
  /**
   * GELU form: "tanh" (GPT-2's 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), written x·σ(2u); within 4.7e-4 of
   * exact on [−10, 10]) or "erf" (exact, PyTorch's default and the anchor's). On wasm both are one fused
   * SIMD kernel and train equally fast (npm run bench). Default "tanh".
   */
  gelu: "tanh" | "erf";
  /** Standard deviation of the normal initialisation of every weight matrix and embedding. Default 0.02. */
  initStd: number;
}

/** Optimiser and loop settings for one training run. */
export interface TrainConfig {
  /** Sequences per step. Default 16. */
  batch: number;
  /** Optimiser steps. Default 50. */
  steps: number;
  /** AdamW's decoupled weight decay, applied to every parameter as in the anchor. Default 0.01. */
  weightDecay: number;
  /** AdamW's β1. Default 0.9. */
  beta1: number;
  /** AdamW's β2. Default 0.999. */
  beta2: number;
  /** AdamW's ε. Default 1e-8. */
  epsilon: number;
  /** Clip the global gradient norm to this value; 0 turns clipping off. Default 0 (the anchor does not clip). */
  gradClip: number;
  /** Seed of the initialisation and of the batch sampler. Default 0. */
  seed: number;
  /** Log the training loss every this many steps (and at the last). Default 10. */
  logEvery: number;
  /** Evaluate on held-out batches every this many steps (and at the last); 0 evaluates only at the end. Default 0. */
  evalEvery: number;
  /** Held-out batches per evaluation (fixed windows, the same at every evaluation). Default 8. */
  evalBatches: number;
  /**
   * Held-out windows per evaluation, whatever the batch (a multiple of it): the same windows for every run
   * of a batch-size sweep. Default evalBatches · batch.
   */
  evalRows?: number;
  /**
   * Gradient noise: at every evaluation, the gradients of this many independent small batches of `noiseRows`
   * training windows each, whose mean squared norm |G_small|² and the squared norm of their mean |G_big|²
   * (batch noiseBatches · noiseRows) estimate B_simple (McCandlish et al. 2018, appendix A.1). Default 0 (off).
   */
  noiseBatches?: number;
  /** Windows per small batch of the gradient-noise measurement. Default 1. */
  noiseRows?: number;
  /** Quantisation-aware training (quantize.ts): bits per weight of the block matrices, 2–16. Default: off. */
  qatBits?: number;
  /** The fraction of the steps, at the end, trained with QAT; 0 is post-training quantisation. Default 0. */
  qatFraction?: number;
  /** One absmax scale per output channel (default) or per matrix. */
  qatGranularity?: "channel" | "tensor";
}

/** Train settings a run may leave out (off, or derived from others, when absent). */
export const optionalTrainKeys = [
  "evalRows",
  "noiseBatches",
  "noiseRows",
  "qatBits",
  "qatFraction",
  "qatGranularity",
] as const;

/**
 * The model's defaults: the PyTorch anchor's shape at d_model 64 (2 layers, 4 heads, context 64, MLP 4×,
 * tied head, N(0, 0.02²) initialisation), with the tanh-form GELU.
 * @example const config: ModelConfig = { ...defaultModelConfig, vocab: 63, dModel: 128 }
 */
export const defaultModelConfig: Omit<ModelConfig, "vocab"> = {
  dModel: 64,
  layers: 2,
  heads: 4,
  seqLen: 64,
  mlpRatio: 4,
  tied: true,
  gelu: "tanh",
  initStd: 0.02,
};

/**
 * The loop's defaults: the anchor's (batch 16, 50 steps, AdamW β 0.9/0.999, ε 1e-8, weight decay 0.01, no
 * clipping, seed 0), logging every 10 steps and evaluating on 8 held-out batches at the end.
 * @example const train: TrainConfig = { ...defaultTrainConfig, steps: 2000, evalEvery: 200 }
 */
export const defaultTrainConfig: TrainConfig = {
  batch: 16,
  steps: 50,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  gradClip: 0,
  seed: 0,
  logEvery: 10,
  evalEvery: 0,
  evalBatches: 8,
};

/**
 * The peak learning rate of a run that names none: `scalefit train` without `--lr`, a sweep without an `lr`
 * axis.
 * @example scheduleFor({ kind: "cosine" }, defaultPeakLr, 1000) // cosine from 1e-3
 */
export const defaultPeakLr = 1e-3;

function positiveInteger(value: number, name: string, where: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new UserError(`${where}: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Checks a model shape; every impossible shape is a one-line UserError naming the field.
 * @example checkModelConfig({ ...defaultModelConfig, vocab: 80 }, "train") // passes
 */
export function checkModelConfig(config: ModelConfig, where: string): void {
  for (const name of ["vocab", "dModel", "layers", "heads", "seqLen", "mlpRatio"] as const) {
    positiveInteger(config[name], name, where);
  }
  if (config.dModel % config.heads !== 0) {
    throw new UserError(`${where}: heads (${config.heads}) must divide dModel (${config.dModel})`);
  }
  if (config.gelu !== "tanh" && config.gelu !== "erf") {
    throw new UserError(`${where}: gelu must be "tanh" or "erf", got ${String(config.gelu)}`);
  }
  if (!(config.initStd > 0) || !Number.isFinite(config.initStd)) {
    throw new UserError(`${where}: initStd must be a positive number, got ${config.initStd}`);
  }
}

/**
 * Checks the loop settings (batch, steps, optimiser constants).
 * @example checkTrainConfig(defaultTrainConfig, "train") // passes
 */
export function checkTrainConfig(config: TrainConfig, where: string): void {
  positiveInteger(config.batch, "batch", where);
  positiveInteger(config.steps, "steps", where);
  positiveInteger(config.logEvery, "logEvery", where);
  positiveInteger(config.evalBatches, "evalBatches", where);
  if (!Number.isInteger(config.evalEvery) || config.evalEvery < 0) {
    throw new UserError(`${where}: evalEvery must be 0 or a positive integer, got ${config.evalEvery}`);
  }
  if (!Number.isInteger(config.seed) || config.seed < 0) {
    throw new UserError(`${where}: seed must be a non-negative integer, got ${config.seed}`);
  }
  for (const name of ["weightDecay", "gradClip"] as const) {
    if (!(config[name] >= 0) || !Number.isFinite(config[name])) {
      throw new UserError(`${where}: ${name} must be a non-negative number, got ${config[name]}`);
    }
  }
  for (const name of ["beta1", "beta2"] as const) {
    if (!(config[name] >= 0 && config[name] < 1)) {
      throw new UserError(`${where}: ${name} must be in [0, 1), got ${config[name]}`);
    }
  }
  if (!(config.epsilon > 0)) throw new UserError(`${where}: epsilon must be positive, got ${config.epsilon}`);
  for (const name of ["evalRows", "noiseBatches", "noiseRows"] as const)
    if (config[name] !== undefined) positiveInteger(config[name], name, where);
  qatPlan(config, config.steps, where);
  if (config.evalRows !== undefined && config.evalRows % config.batch !== 0)
    throw new UserError(
      `${where}: evalRows (${config.evalRows}) must be a multiple of batch (${config.batch}): held-out windows are evaluated a batch at a time`,
    );
  if (config.noiseBatches !== undefined && config.noiseBatches < 2)
    throw new UserError(
      `${where}: noiseBatches must be at least 2 (the noise scale compares one small batch with their mean), got ${config.noiseBatches}`,
    );
}
