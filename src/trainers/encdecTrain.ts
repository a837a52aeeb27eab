/**
 * Trains one encoder-decoder on the denoising task (seq2seq.ts) with the decoder LM's loop conventions
 * (train.ts): steps 1..T, step t's batch from the stream of (seed, t), η_t from the schedule, a logged point
 * every `logEvery` steps with the mean training loss since the last, the held-out loss every `evalEvery`
 * steps and at T, and exact resumption from a checkpoint at any logged step. One thread (the data-parallel
 * workers run the decoder LM); tokens are target tokens (the loss is over them), and the source has as many.
 */
import { UserError } from "../errors.js";
import { learningRate, type Schedule } from "../schedules/schedule.js";
import { randomSource } from "../random.js";
import { adamWState, adamWStep, flatten } from "./adamw.js";
import type { LoadedBackend } from "./backend.js";
import { checkTrainConfig, type TrainConfig } from "./config.js";
import { checkWindows, evaluationCount, type TokenSource } from "./corpus.js";
import { encDecLoss, encDecLossAndGradients } from "./encdecModel.js";
import {
  checkEncDecConfig,
  encDecCounts,
  encDecNamed,
  initEncDec,
  type EncDecConfig,
} from "./encdecWeights.js";
import { disposeWorkspace, makeWorkspace } from "./model.js";
import {
  checkDenoisingTask,
  denoisingBatch,
  denoisingHeldOut,
  denoisingVocab,
  type DenoisingTask,
} from "./seq2seq.js";
import type { TrainHooks, TrainResult } from "./train.js";
import { restore, snapshot } from "./trainState.js";
import { loopSpeed, runLoop } from "./trainLoop.js";

/** What to train. */
export interface EncDecRequest {
  /** The shape; its vocab must be the task's (the source's tokens + 2). */
  model: EncDecConfig;
  train: TrainConfig;
  task: DenoisingTask;
  schedule: Schedule;
  source: TokenSource;
  backend: LoadedBackend;
}

/**
 * Trains one encoder-decoder; throws a UserError for an impossible configuration before any work.
 * @example const result = await trainEncDec({ model, train, task: { maskRate: 0.3 }, schedule, source, backend })
 */
export async function trainEncDec(
  request: EncDecRequest,
  hooks: TrainHooks = {},
  where = "train",
): Promise<TrainResult> {
  const { model, train, task, schedule, source } = request;
  const { tf } = request.backend;
  checkEncDecConfig(model, where);
  checkTrainConfig(train, where);
  checkDenoisingTask(task, where);
  checkWindows(source, model.seqLen, where);
  if (model.vocab !== denoisingVocab(source))
    throw new UserError(
      `${where}: model vocab ${model.vocab} differs from the task's ${denoisingVocab(source)} (the data's ${source.vocab} + mask + begin)`,
    );
  if (train.qatBits !== undefined || train.noiseBatches !== undefined)
    throw new UserError(
      `${where}: QAT and gradient-noise measurement are for the decoder LM, not the encoder-decoder`,
    );
  if (schedule.steps !== train.steps)
    throw new UserError(`${where}: the schedule has ${schedule.steps} steps, training has ${train.steps}`);
  const started = performance.now();
  const seq = model.seqLen;
  const tokensPerStep = train.batch * seq;
  const counts = encDecCounts(model);
  const weights = initEncDec(tf, model, randomSource(train.seed));
  const named = encDecNamed(weights);
  const params = named.map(([, v]) => v);
  const optimiser = adamWState(tf, params);
  const workspace = makeWorkspace(tf, train.batch, seq);
  const evalBatches = denoisingHeldOut(source, task, evaluationCount(train), train.batch, seq);
  const first = hooks.resume ? hooks.resume.step + 1 : 1;
  if (hooks.resume) restore(tf, named, optimiser, hooks.resume, where);
  const evaluate = async () => {
    let total = 0;
    for (const b of evalBatches) {
      const loss = tf.tidy(() => encDecLoss(tf, model, weights, workspace, b));
      total += (await loss.data())[0]!;
      loss.dispose();
    }
    return total / evalBatches.length;
  };
  const step = async (t: number) => {
    const batch = denoisingBatch(source, task, train.batch, seq, train.seed, t);
    const lr = learningRate(schedule, t);
    const loss = tf.tidy(() => {
      const { loss, gradients } = encDecLossAndGradients(tf, model, weights, workspace, batch);
      adamWStep(tf, params, flatten(tf, gradients), optimiser, lr, train);
      return loss;
    });
    const value = (await loss.data())[0]!;
    loss.dispose();
    return { loss: value, lr };
  };
  const flops = (tokens: number) => 6 * counts.total * tokens;
  let outcome;
  try {
    outcome = await runLoop(
      { step, evaluate, snapshot: (t) => snapshot(named, optimiser, t), flops, tokensPerStep },
      train,
      first,
      hooks,
      where,
    );
  } finally {
    for (const variable of [...params, optimiser.first, optimiser.second]) variable.dispose();
    disposeWorkspace(workspace);
  }
  return {
    backend: request.backend.name,
    threads: 1,
    params: { total: counts.total, nonEmbedding: counts.Ne + counts.Nd, embedding: counts.embedding },
    steps: train.steps,
    tokens: train.steps * tokensPerStep,
    flops: flops(train.steps * tokensPerStep),
    ...loopSpeed(outcome.stepTimes, tokensPerStep),
    lossFirst: outcome.lossFirst,
    lossLast: outcome.lossLast,
    evalLoss: outcome.evalLoss,
    points: outcome.points,
    wallSeconds: (performance.now() - started) / 1000,
  };
}
