/**
 * The training loop both trainers share (train.ts for the decoder LM, encdecTrain.ts for the encoder-decoder):
 * steps first..T, each timed; a point every `logEvery` steps and at T with the mean training loss since the
 * last point, evaluated every `evalEvery` steps and at T; the hooks' point and checkpoint callbacks; a
 * non-finite loss stops the run with a message naming the step. The model's own work — one step, one
 * evaluation, a measurement at evaluated points, a checkpoint — comes in as functions.
 */
import type { TrainPoint } from "../types.js";
import { UserError } from "../errors.js";
import type { TrainConfig } from "./config.js";
import type { TrainState } from "./trainState.js";

/** Callbacks while training. */
export interface TrainHooks {
  /** Each logged point, awaited before training goes on (the sweep writes it to the store). */
  onPoint?(point: TrainPoint): Promise<void> | void;
  /** After every step. */
  onStep?(step: number, steps: number): void;
  /** Called after each logged point with the state to keep (resumable checkpoints). */
  onCheckpoint?(state: TrainState): Promise<void> | void;
  /** A state to resume from (a checkpoint of the same run). */
  resume?: TrainState;
}

/** What the loop needs of a model. */
export interface LoopModel {
  /** Trains step t; resolves to its training loss and learning rate. */
  step(t: number): Promise<{ loss: number; lr: number }>;
  /** The held-out loss after step t. */
  evaluate(t: number): Promise<number>;
  /** Adds measurements to an evaluated point (gradient noise). */
  measure?(t: number, point: TrainPoint): Promise<void>;
  /** The state after step t, for a checkpoint. */
  snapshot(t: number): Promise<TrainState>;
  /** FLOPs of training on this many tokens. */
  flops(tokens: number): number;
  tokensPerStep: number;
}

/** What the loop saw: the points, the steps' times and the losses a result reports. */
export interface LoopOutcome {
  points: TrainPoint[];
  stepTimes: number[];
  lossFirst: number;
  lossLast: number;
  evalLoss: number;
}

/**
 * Runs steps `first` … train.steps of a model.
 * @example const outcome = await runLoop(model, train, 1, hooks, "train")
 */
export async function runLoop(
  model: LoopModel,
  train: Pick<TrainConfig, "steps" | "logEvery" | "evalEvery">,
  first: number,
  hooks: TrainHooks,
  where: string,
): Promise<LoopOutcome> {
  const points: TrainPoint[] = [];
  const stepTimes: number[] = [];
  let [lossFirst, lossLast, evalLoss, windowSum, windowCount] = [NaN, NaN, NaN, 0, 0];
  for (let t = first; t <= train.steps; t++) {
    const t0 = performance.now();
    const { loss, lr } = await model.step(t);
    stepTimes.push(performance.now() - t0);
    if (!Number.isFinite(loss))
      throw new UserError(`${where}: the training loss is ${loss} at step ${t} (lower the learning rate)`);
    if (Number.isNaN(lossFirst)) lossFirst = loss;
    lossLast = loss;
    windowSum += loss;
    windowCount += 1;
    hooks.onStep?.(t, train.steps);
    if (t % train.logEvery !== 0 && t !== train.steps) continue;
    const tokens = t * model.tokensPerStep;
    const point: TrainPoint = {
      step: t,
      tokens,
      flops: model.flops(tokens),
      lr,
      trainLoss: windowSum / windowCount,
    };
    if ((train.evalEvery > 0 && t % train.evalEvery === 0) || t === train.steps) {
      point.evalLoss = evalLoss = await model.evaluate(t);
      await model.measure?.(t, point);
    }
    windowSum = 0;
    windowCount = 0;
    points.push(point);
    await hooks.onPoint?.(point);
    if (hooks.onCheckpoint && t < train.steps) await hooks.onCheckpoint(await model.snapshot(t));
  }
  if (Number.isNaN(evalLoss)) evalLoss = await model.evaluate(train.steps);
  return { points, stepTimes, lossFirst, lossLast, evalLoss };
}

/**
 * Throughput of the steps trained: tokens/s over all of them and from step 6 on (the first five warm up
 * kernels, as the PyTorch anchor counts), and the median milliseconds per step.
 * @example loopSpeed([12, 10, 10], 1024) // {tokensPerSecond: 96000, …}
 */
export function loopSpeed(
  stepTimes: readonly number[],
  tokensPerStep: number,
): { tokensPerSecond: number; steadyTokensPerSecond: number; msPerStep: number } {
  const trained = stepTimes.length;
  if (trained === 0) return { tokensPerSecond: NaN, steadyTokensPerSecond: NaN, msPerStep: NaN };
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  const steady = stepTimes.slice(Math.min(5, trained - 1));
  const sorted = [...stepTimes].sort((a, b) => a - b);
  return {
    tokensPerSecond: (trained * tokensPerStep) / (sum(stepTimes) / 1000),
    steadyTokensPerSecond: (steady.length * tokensPerStep) / (sum(steady) / 1000),
    msPerStep: sorted[Math.floor((trained - 1) / 2)]!,
  };
}
