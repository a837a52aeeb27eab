/**
 * AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019) as PyTorch implements it:
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr·wd·p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
 * with the learning rate given per step (the schedule is the caller's) and optional global-norm clipping.
 *
 * The moments are two flat vectors over all parameters (in `namedWeights` order) and the gradient arrives
 * flat (or as weighted shares from data-parallel threads): on wasm the whole update, the threads' gradient
 * average included, is one fused SIMD pass (wasmFused.ts) instead of a chain of TF.js ops per tensor.
 */
import type * as TF from "@tensorflow/tfjs";
import { splitFlat } from "./wasmOps.js";
import {
  input,
  minus,
  over,
  plus,
  runFused,
  scalar,
  sqrt,
  temp,
  times,
  type FusedProgram,
} from "./wasmFused.js";

type Tf = typeof TF;

/** The optimiser's state: flat first and second moments and the step count. */
export interface AdamWState {
  step: number;
  first: TF.Variable;
  second: TF.Variable;
  /** Element count of each parameter, in order. */
  sizes: number[];
}

/** AdamW's constants. */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Global gradient-norm clip; 0 = none. */
  gradClip: number;
}

/**
 * Zero moments for the given parameters.
 * @example const state = adamWState(tf, params)
 */
export function adamWState(tf: Tf, params: readonly TF.Variable[]): AdamWState {
  const sizes = params.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  return { step: 0, first: tf.variable(tf.zeros([total])), second: tf.variable(tf.zeros([total])), sizes };
}

/**
 * The gradients as one flat vector (in parameter order). Call inside `tf.tidy`.
 * @example const flat = flatten(tf, gradients)
 */
export function flatten(tf: Tf, tensors: readonly TF.Tensor[]): TF.Tensor1D {
  return tf.concat(tensors.map((t) => t.reshape([t.size]))) as TF.Tensor1D;
}

/** A share of the batch's gradient: the flat gradient of some rows and its weight (rows / batch). */
export interface GradientPart {
  gradient: TF.Tensor1D;
  weight: number;
}

const adamWPrograms = new Map<number, FusedProgram>();

/**
 * AdamW as one fused pass over [first, second, params, gradient parts…] with scalars [β1, 1−β1, β2, 1−β2,
 * 1−lr·wd, lr/(1−β1ᵗ), 1/√(1−β2ᵗ), ε, weight of each part…]; outputs the new first, second and params.
 */
function adamWProgram(parts: number): FusedProgram {
  const cached = adamWPrograms.get(parts);
  if (cached) return cached;
  const [b1, oneMinusB1, b2, oneMinusB2, decay, stepSize, vScale, eps] = [0, 1, 2, 3, 4, 5, 6, 7].map(scalar);
  let g = times(input(3), scalar(8));
  for (let i = 1; i < parts; i++) g = plus(g, times(input(3 + i), scalar(8 + i)));
  const program: FusedProgram = {
    name: `adamw${parts}`,
    inputs: 3 + parts,
    scalars: 8 + parts,
    outputs: 3,
    statements: [
      { temp: 0, expr: g },
      { temp: 1, expr: plus(times(input(0), b1!), times(temp(0), oneMinusB1!)) },
      { temp: 2, expr: plus(times(input(1), b2!), times(temp(0), temp(0), oneMinusB2!)) },
      { output: 0, expr: temp(1) },
      { output: 1, expr: temp(2) },
      {
        output: 2,
        expr: minus(
          times(input(2), decay!),
          times(over(temp(1), plus(times(sqrt(temp(2)), vScale!), eps!)), stepSize!),
        ),
      },
    ],
  };
  adamWPrograms.set(parts, program);
  return program;
}

/**
 * Applies one AdamW step in place with learning rate `lr` and a flat gradient, or the weighted sum of several
 * (data-parallel shares of a batch). One fused kernel on wasm (wasmFused.ts), the same formula in TF.js ops
 * elsewhere. Call inside `tf.tidy`.
 * @example tf.tidy(() => adamWStep(tf, params, flatten(tf, grads), state, 1e-3, options))
 */
export function adamWStep(
  tf: Tf,
  params: readonly TF.Variable[],
  gradient: TF.Tensor1D | readonly GradientPart[],
  state: AdamWState,
  lr: number,
  options: AdamWOptions,
): void {
  const { beta1, beta2, epsilon, weightDecay, gradClip } = options;
  state.step += 1;
  const t = state.step;
  let parts: readonly GradientPart[] = Array.isArray(gradient)
    ? gradient
    : [{ gradient: gradient as TF.Tensor1D, weight: 1 }];
  if (gradClip > 0) {
    // Global-norm clipping needs the whole gradient first.
    const whole = parts
      .map((p) => tf.mul(p.gradient, p.weight))
      .reduce((a, b) => tf.add(a, b)) as TF.Tensor1D;
    const norm = tf.sqrt(tf.sum(tf.square(whole))).dataSync()[0]!;
    parts = [{ gradient: whole, weight: Math.min(1, gradClip / (norm + 1e-6)) }];
  }
  const [first, second, updated] = runFused(
    tf,
    adamWProgram(parts.length),
    [state.first, state.second, flatten(tf, params), ...parts.map((p) => p.gradient)],
    [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      1 - lr * weightDecay,
      lr / (1 - beta1 ** t),
      1 / Math.sqrt(1 - beta2 ** t),
      epsilon,
      ...parts.map((p) => p.weight),
    ],
    true,
  );
  state.first.assign(first!);
  state.second.assign(second!);
  const pieces = splitFlat(tf, updated as TF.Tensor1D, state.sizes);
  params.forEach((p, i) => p.assign(pieces[i]!.reshape(p.shape)));
}
