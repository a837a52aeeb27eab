/**
 * A training run's state as a checkpoint holds it (checkpoint.ts writes it to disk): the step, the optimiser's
 * step count, and the named parameters with their AdamW moments.
 */
import type * as TF from "@tensorflow/tfjs";
import { UserError } from "../errors.js";
import type { AdamWState } from "./adamw.js";

/** Everything a checkpoint holds: the step, the optimiser's step count, and named float arrays. */
export interface TrainState {
  step: number;
  adamStep: number;
  /** `param:<name>`, `first:<name>`, `second:<name>` → values. */
  tensors: Record<string, Float32Array>;
}

/**
 * The state to checkpoint: named parameters and the optimiser's moments (flat, in the same order).
 * @example saveCheckpoint(path, await snapshot(namedWeights(weights), optimiser, step))
 */
export async function snapshot(
  named: Array<[string, TF.Variable]>,
  state: AdamWState,
  step: number,
): Promise<TrainState> {
  const tensors: Record<string, Float32Array> = {};
  // Asynchronous reads: the only kind a GPU backend (webgpu) serves in Node.
  const first = (await state.first.data()) as Float32Array;
  const second = (await state.second.data()) as Float32Array;
  let offset = 0;
  for (const [name, variable] of named) {
    tensors[`param:${name}`] = (await variable.data()) as Float32Array;
    tensors[`first:${name}`] = first.slice(offset, offset + variable.size);
    tensors[`second:${name}`] = second.slice(offset, offset + variable.size);
    offset += variable.size;
  }
  return { step, adamStep: state.step, tensors };
}

/**
 * Puts a checkpoint's parameters and moments back; a checkpoint of another shape is a UserError.
 * @example restore(tf, namedWeights(weights), optimiser, loadCheckpoint(path), "train")
 */
export function restore(
  tf: typeof TF,
  named: Array<[string, TF.Variable]>,
  state: AdamWState,
  saved: TrainState,
  where: string,
): void {
  const total = state.sizes.reduce((a, b) => a + b, 0);
  const first = new Float32Array(total);
  const second = new Float32Array(total);
  let offset = 0;
  for (const [name, variable] of named) {
    for (const prefix of ["param", "first", "second"] as const) {
      const values = saved.tensors[`${prefix}:${name}`];
      if (!values || values.length !== variable.size) {
        throw new UserError(`${where}: the checkpoint does not fit this model (${prefix}:${name})`);
      }
      if (prefix === "param") tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
      else (prefix === "first" ? first : second).set(values, offset);
    }
    offset += variable.size;
  }
  tf.tidy(() => {
    state.first.assign(tf.tensor(first));
    state.second.assign(tf.tensor(second));
  });
  state.step = saved.adamStep;
}
