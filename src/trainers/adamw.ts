/**
 * AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019) as PyTorch implements it:
 *   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   p ← p − lr·wd·p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
 * with the learning rate given per step (the schedule is the caller's), and optional global-norm clipping.
 * The moments are variables beside the parameters, in `namedWeights` order, so a checkpoint can save them.
 */
import type * as TF from "@tensorflow/tfjs";

type Tf = typeof TF;

/** The optimiser's state: first and second moments per parameter and the step count. */
export interface AdamWState {
  step: number;
  first: TF.Variable[];
  second: TF.Variable[];
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
  return {
    step: 0,
    first: params.map((p) => tf.variable(tf.zerosLike(p))),
    second: params.map((p) => tf.variable(tf.zerosLike(p))),
  };
}

/**
 * Applies one AdamW step in place with learning rate `lr`; returns the gradient's global norm when clipping
 * (else NaN: computing it would cost a sync). Call inside `tf.tidy`.
 * @example tf.tidy(() => adamWStep(tf, params, grads, state, 1e-3, options))
 */
export function adamWStep(
  tf: Tf,
  params: readonly TF.Variable[],
  grads: readonly TF.Tensor[],
  state: AdamWState,
  lr: number,
  options: AdamWOptions,
): void {
  const { beta1, beta2, epsilon, weightDecay, gradClip } = options;
  state.step += 1;
  const t = state.step;
  const correction1 = 1 - beta1 ** t;
  const correction2 = 1 - beta2 ** t;
  let scaled = grads;
  if (gradClip > 0) {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.minimum(1, tf.div(gradClip, tf.add(norm, 1e-6)));
    scaled = grads.map((g) => tf.mul(g, factor));
  }
  const stepSize = lr / correction1;
  const decay = 1 - lr * weightDecay;
  const rootCorrection = 1 / Math.sqrt(correction2);
  for (let i = 0; i < params.length; i++) {
    const g = scaled[i]!;
    const m = state.first[i]!;
    const v = state.second[i]!;
    const p = params[i]!;
    const newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(newM);
    v.assign(newV);
    const denominator = tf.add(tf.mul(tf.sqrt(newV), rootCorrection), epsilon);
    p.assign(tf.sub(tf.mul(p, decay), tf.mul(tf.div(newM, denominator), stepSize)));
  }
}
