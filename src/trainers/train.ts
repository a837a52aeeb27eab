/**
 * Trains one decoder LM and reports its loss curve and throughput.
 *
 * Steps are numbered 1..T. Step t draws its batch from a stream seeded by (seed, t) (corpus.ts), computes the
 * loss and gradients, and updates with η_t = learningRate(schedule, t) — the curve laws' convention that the
 * loss at step t has seen η_1..η_t. Every `logEvery` steps (and at T) a point is emitted: the mean training
 * loss of the steps since the last point, and every `evalEvery` steps (and at T) the held-out loss after the
 * update (mean over fixed windows), with the gradient-noise measurement when asked (gradientNoise.ts). With a
 * QAT plan (quantize.ts) the last steps train on rounded weights. A checkpoint can be taken at any logged step
 * and resumed exactly: the same seed gives the same batches, weights and points.
 */
import type { TrainPoint } from "../types.js";
import type * as TF from "@tensorflow/tfjs";
import { UserError } from "../errors.js";
import { learningRate, type Schedule } from "../schedules/schedule.js";
import { adamWState, adamWStep, flatten, type GradientPart } from "./adamw.js";
import { restore, snapshot } from "./trainState.js";
import type { LoadedBackend } from "./backend.js";
import { checkModelConfig, checkTrainConfig, type ModelConfig, type TrainConfig } from "./config.js";
import { checkWindows, evaluationBatches, trainingBatch, type Batch, type TokenSource } from "./corpus.js";
import { parameterCounts, trainingFlops, type FlopConvention, type ParameterCounts } from "./counting.js";
import { disposeWorkspace, lossAndGradients, lossOf, makeWorkspace } from "./model.js";
import { initWeights, namedWeights } from "./modelWeights.js";
import { randomSource } from "../random.js";
import { GradientPool, trainingThreads } from "./parallel.js";
import { measureGradientNoise } from "./gradientNoise.js";
import { qatPlan } from "./qatPlan.js";
import { quantizedMatrices, quantizeInPlace } from "./quantize.js";
import { loopSpeed, runLoop, type TrainHooks } from "./trainLoop.js";

export type { TrainHooks } from "./trainLoop.js";

/** What to train. */
export interface TrainRequest {
  /** The model (its vocab must be the source's). */
  model: ModelConfig;
  train: TrainConfig;
  /** The LR schedule; its `steps` must be train.steps. */
  schedule: Schedule;
  source: TokenSource;
  backend: LoadedBackend;
  /** How `flops` is counted. Default "6ND". */
  flops?: FlopConvention;
  /** Threads (data parallel, wasm and cpu backends): default all cores when a step is big enough (parallel.ts). */
  threads?: number;
  /** A pool of worker threads to reuse (a sweep keeps one across runs); else one is started when needed. */
  pool?: GradientPool;
}

/** The outcome of a run. */
export interface TrainResult {
  backend: string;
  /** Threads that trained (1 + worker threads). */
  threads: number;
  params: ParameterCounts;
  steps: number;
  tokens: number;
  flops: number;
  /** Tokens per second over all trained steps (training only: evaluation and callbacks excluded). */
  tokensPerSecond: number;
  /** Tokens per second from step 6 on (the first five warm up JIT and kernels), as the anchor reports. */
  steadyTokensPerSecond: number;
  /** Median milliseconds per step. */
  msPerStep: number;
  /** Training loss of the first step trained in this call and of the last step. */
  lossFirst: number;
  lossLast: number;
  /** Held-out loss at the end. */
  evalLoss: number;
  points: TrainPoint[];
  /** Wall-clock seconds of the whole call. */
  wallSeconds: number;
}

function checkRequest(request: TrainRequest, where: string): void {
  checkModelConfig(request.model, where);
  checkTrainConfig(request.train, where);
  if (request.model.vocab !== request.source.vocab) {
    throw new UserError(
      `${where}: model vocab ${request.model.vocab} differs from the data's ${request.source.vocab}`,
    );
  }
  checkWindows(request.source, request.model.seqLen, where);
  if (request.schedule.steps !== request.train.steps) {
    throw new UserError(
      `${where}: the schedule has ${request.schedule.steps} steps, training has ${request.train.steps}`,
    );
  }
  // Every step's LR must be finite and non-negative (a decay may end at 0), and some step's positive.
  let peak = 0;
  for (let t = 1; t <= request.train.steps; t++) {
    const lr = learningRate(request.schedule, t);
    if (!(lr >= 0) || !Number.isFinite(lr)) {
      throw new UserError(
        `${where}: the learning rate must be positive; the schedule gives ${lr} at step ${t}`,
      );
    }
    peak = Math.max(peak, lr);
  }
  if (!(peak > 0))
    throw new UserError(`${where}: the learning rate must be positive; the schedule's peak is ${peak}`);
}

/**
 * Trains one model; resolves when done. Throws a UserError for an impossible configuration before any work.
 * @example const result = await trainModel({ model, train, schedule, source, backend }, { onPoint: (p) => console.log(p) })
 */
export async function trainModel(
  request: TrainRequest,
  hooks: TrainHooks = {},
  where = "train",
): Promise<TrainResult> {
  checkRequest(request, where);
  const started = performance.now();
  const { tf } = request.backend;
  const { model, train, schedule, source } = request;
  const flopConvention = request.flops ?? "6ND";
  const tokensPerStep = train.batch * model.seqLen;
  const weights = initWeights(tf, model, randomSource(train.seed));
  const params = namedWeights(weights).map(([, v]) => v);
  const optimiser = adamWState(tf, params);
  // Threads: the batch's rows split as evenly as possible, the main thread taking the first share.
  const parallel = request.backend.name === "wasm" || request.backend.name === "cpu";
  const threads = parallel
    ? trainingThreads(request.threads, train.batch, trainingFlops(model, tokensPerStep, "exact"))
    : 1;
  const rows = Array.from(
    { length: threads },
    (_, i) => Math.floor(train.batch / threads) + (i < train.batch % threads ? 1 : 0),
  );
  let pool = request.pool;
  const ownPool = threads > 1 && (!pool || pool.size !== threads - 1);
  if (ownPool) pool = await GradientPool.start(threads - 1);
  if (threads > 1) {
    await pool!.init(
      request.backend.name,
      model,
      rows.slice(1),
      model.seqLen,
      params.map((p) => p.size),
    );
  }
  const workspace = makeWorkspace(tf, rows[0]!, model.seqLen);
  const evalWorkspace = threads > 1 ? makeWorkspace(tf, train.batch, model.seqLen) : workspace;
  const evalBatches = evaluationBatches(source, train, model.seqLen);
  const noiseRows = train.noiseRows ?? 1;
  const noiseWorkspace = train.noiseBatches ? makeWorkspace(tf, noiseRows, model.seqLen) : undefined;
  const first = hooks.resume ? hooks.resume.step + 1 : 1;
  if (hooks.resume) {
    if (hooks.resume.step < 0 || hooks.resume.step > train.steps) {
      throw new UserError(
        `${where}: the checkpoint is at step ${hooks.resume.step}, outside 0..${train.steps}`,
      );
    }
    restore(tf, namedWeights(weights), optimiser, hooks.resume, where);
  }
  const qat = qatPlan(train, train.steps, where);
  const matrices = qat ? quantizedMatrices(weights) : [];
  // From the QAT start on (and always at the end), evaluations are of the quantised model.
  const evaluate = async (t: number) => {
    const unquantize =
      qat && (t > qat.start || t === train.steps) ? await quantizeInPlace(tf, matrices, qat) : undefined;
    let total = 0;
    for (const b of evalBatches) {
      const loss = tf.tidy(() => lossOf(tf, model, weights, evalWorkspace, b.inputs, b.targets));
      total += (await loss.data())[0]!;
      loss.dispose();
    }
    unquantize?.();
    return total / evalBatches.length;
  };
  // One step: forward and backward (on the rounded weights in a QAT step), the update on the full-precision ones.
  const step = async (t: number) => {
    const batch = trainingBatch(source, train.batch, model.seqLen, train.seed, t);
    const lr = learningRate(schedule, t);
    const unquantize = qat && t > qat.start ? await quantizeInPlace(tf, matrices, qat) : undefined;
    if (threads > 1) {
      const [inputs, targets] = sliceOf(batch, 0, rows[0]! * model.seqLen);
      const loss = await parallelStep(
        tf,
        pool!,
        rows,
        model.seqLen,
        batch,
        () => lossAndGradients(tf, model, weights, workspace, inputs, targets),
        params,
        (gradients) => {
          unquantize?.();
          adamWStep(tf, params, gradients, optimiser, lr, train);
        },
      );
      return { loss, lr };
    }
    const loss = tf.tidy(() => {
      const { loss, gradients } = lossAndGradients(
        tf,
        model,
        weights,
        workspace,
        batch.inputs,
        batch.targets,
      );
      const flat = flatten(tf, gradients);
      unquantize?.();
      adamWStep(tf, params, flat, optimiser, lr, train);
      return loss;
    });
    // An asynchronous read, the only kind a GPU backend (webgpu) serves in Node; on wasm it is immediate.
    const value = (await loss.data())[0]!;
    loss.dispose();
    return { loss: value, lr };
  };
  let outcome;
  try {
    outcome = await runLoop(
      {
        step,
        evaluate,
        measure: noiseWorkspace
          ? async (t, point) => {
              point.gradNoise = await measureGradientNoise(tf, model, weights, noiseWorkspace, source, {
                batches: train.noiseBatches!,
                rows: noiseRows,
                seed: train.seed,
                step: t,
              });
            }
          : undefined,
        snapshot: (t) => snapshot(namedWeights(weights), optimiser, t),
        flops: (tokens) => trainingFlops(model, tokens, flopConvention),
        tokensPerStep,
      },
      train,
      first,
      hooks,
      where,
    );
  } finally {
    for (const variable of [...params, optimiser.first, optimiser.second]) variable.dispose();
    disposeWorkspace(workspace);
    if (evalWorkspace !== workspace) disposeWorkspace(evalWorkspace);
    if (noiseWorkspace) disposeWorkspace(noiseWorkspace);
    if (ownPool) await pool!.close();
  }
  return {
    backend: request.backend.name,
    threads,
    params: parameterCounts(model),
    steps: train.steps,
    tokens: train.steps * tokensPerStep,
    flops: trainingFlops(model, train.steps * tokensPerStep, flopConvention),
    ...loopSpeed(outcome.stepTimes, tokensPerStep),
    lossFirst: outcome.lossFirst,
    lossLast: outcome.lossLast,
    evalLoss: outcome.evalLoss,
    points: outcome.points,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** Inputs and targets of rows [from, to) of a batch (in tokens). */
function sliceOf(batch: Batch, from: number, to: number): [Int32Array, Int32Array] {
  return [batch.inputs.subarray(from, to), batch.targets.subarray(from, to)];
}

/**
 * One data-parallel step: the workers start on their slices, the main thread computes its own, then the
 * flat gradients are averaged with weights rows/batch and `update` applies them. Returns the batch's loss.
 */
async function parallelStep(
  tf: typeof TF,
  pool: GradientPool,
  rows: readonly number[],
  seq: number,
  batch: Batch,
  own: () => { loss: TF.Scalar; gradients: TF.Tensor[] },
  params: readonly TF.Variable[],
  update: (gradient: readonly GradientPart[]) => void,
): Promise<number> {
  const total = rows.reduce((a, b) => a + b, 0);
  const slices: Batch[] = [];
  let at = rows[0]! * seq;
  for (const r of rows.slice(1)) {
    const [inputs, targets] = sliceOf(batch, at, at + r * seq);
    slices.push({ inputs: inputs.slice(), targets: targets.slice() });
    at += r * seq;
  }
  pool.writeWeights(tf, params);
  const helpers = pool.run(slices);
  const mine = tf.tidy(() => {
    const { loss, gradients } = own();
    return { loss, gradient: flatten(tf, gradients) };
  });
  let helperLosses: number[];
  try {
    helperLosses = await helpers;
  } catch (error) {
    tf.dispose([mine.loss, mine.gradient]);
    throw error;
  }
  tf.tidy(() => {
    update([
      { gradient: mine.gradient, weight: rows[0]! / total },
      ...helperLosses.map((_, h) => ({
        gradient: tf.tensor1d(pool.gradients(h)),
        weight: rows[h + 1]! / total,
      })),
    ]);
  });
  const value =
    mine.loss.dataSync()[0]! * (rows[0]! / total) +
    helperLosses.reduce((s, l, h) => s + l * (rows[h + 1]! / total), 0);
  tf.dispose([mine.loss, mine.gradient]);
  return value;
}
