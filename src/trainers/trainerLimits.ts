/**
 * What the trainers can hold in memory, checked before any training: limits on a model's and a run's sizes,
 * and the estimate of a step's activations.
 */
import { UserError } from "../errors.js";
import { maxScheduleSteps } from "../schedules/schedule.js";
import type { ModelConfig, TrainConfig } from "./config.js";
import { parameterCounts } from "./counting.js";

/**
 * The largest models and runs the trainers take, checked before any training (`checkTrainerLimits`). They
 * train in this process's memory: float32 weights, gradients and two Adam moments (16 bytes a parameter) and
 * the activations a step keeps for its backward pass share the wasm backend's 4 GiB heap. The per-axis bounds
 * only stop absurd values (`dModel: 1e9`) before they reach an allocation; `parameters` and `activations`
 * are what bounds the memory.
 * @example trainerLimits.parameters // 1e8
 */
export const trainerLimits = {
  dModel: 16_384,
  layers: 512,
  heads: 1_024,
  seqLen: 65_536,
  mlpRatio: 64,
  vocab: 65_536,
  batch: 65_536,
  /** Optimiser steps of one run (the `maxScheduleSteps` of a schedule). */
  steps: maxScheduleSteps,
  /** Parameters: 1.6 GB of weights, gradients and Adam moments. */
  parameters: 1e8,
  /** Floats a step keeps for its backward pass (`activationFloats`): 1 GB. */
  activations: 2.5e8,
} as const;

/**
 * Floats one training step keeps for its backward pass, estimated per layer and token: the attention scores
 * and probabilities (2 · heads · seqLen) and the block's projections and MLP activations ((8 + 3 · mlpRatio)
 * · dModel).
 * @example activationFloats({...defaultModelConfig}, 16) // 3670016
 */
function activationFloats(model: Omit<ModelConfig, "vocab">, batch: number): number {
  const { layers, heads, seqLen, dModel, mlpRatio } = model;
  return layers * batch * seqLen * (2 * heads * seqLen + (8 + 3 * mlpRatio) * dModel);
}

/**
 * Refuses a model or run beyond `trainerLimits`, naming the field and the limit: what the trainers could not
 * allocate fails in one line before any training. `vocab` is the data's when known (else 2, the smallest);
 * `parameters` counts another model's (an encoder-decoder's) instead of the decoder LM's.
 * @example checkTrainerLimits({...defaultModelConfig, dModel: 1e9}, defaultTrainConfig, "sweep.json") // throws: sweep.json: dModel 1000000000 is more than 16384
 */
export function checkTrainerLimits(
  model: Omit<ModelConfig, "vocab">,
  train: Pick<TrainConfig, "batch" | "steps">,
  where: string,
  { vocab = 2, parameters: counted }: { vocab?: number | undefined; parameters?: number } = {},
): void {
  const { dModel, layers, heads, seqLen, mlpRatio } = model;
  const sizes = { dModel, layers, heads, seqLen, mlpRatio, vocab, batch: train.batch, steps: train.steps };
  for (const [key, value] of Object.entries(sizes) as [keyof typeof sizes, number][])
    if (value > trainerLimits[key])
      throw new UserError(`${where}: ${key} ${value} is more than ${trainerLimits[key]}`);
  const parameters = counted ?? parameterCounts({ ...model, vocab }).total;
  if (parameters > trainerLimits.parameters)
    throw new UserError(
      `${where}: the model has ${parameters.toPrecision(3)} parameters; the trainers take at most ${trainerLimits.parameters.toPrecision(1)} (float32 weights, gradients and Adam moments in memory)`,
    );
  const floats = activationFloats(model, train.batch);
  if (floats > trainerLimits.activations)
    throw new UserError(
      `${where}: a step would keep about ${floats.toPrecision(3)} activation floats (layers · batch · seqLen · (2 · heads · seqLen + (8 + 3 · mlpRatio) · dModel)); at most ${trainerLimits.activations.toPrecision(2)}: lower batch, seqLen or the model's size`,
    );
}
