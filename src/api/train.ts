import type { Schedule } from "../schedules/schedule.js";
import { loadBackend } from "../trainers/backend.js";
import type { ModelConfig, TrainConfig } from "../trainers/config.js";
import { heldOutFloor, loadSource, type SourceSpec } from "../trainers/corpus.js";
import { trainModel } from "../trainers/train.js";

/** One training run as `scalefit train` asks for it: the model, the training settings, data and backend by name. */
export interface TrainOneRequest {
  readonly model: Omit<ModelConfig, "vocab">;
  readonly train: TrainConfig;
  readonly schedule: Schedule;
  /** The text (`kjv`, a file) or a synthetic source. */
  readonly data: SourceSpec;
  /** `auto`, `wasm`, `cpu`, … @default "auto" */
  readonly backend?: string;
  readonly threads?: number;
  /** Called after every step (a progress bar). */
  readonly onStep?: (step: number, steps: number) => void;
}

/**
 * Trains one model and reports its speed and losses: the library call behind `scalefit train` (the benchmark
 * entry point). The vocabulary is the data's.
 * @example const result = await trainOne({ model: defaultModelConfig, train: defaultTrainConfig, schedule, data: "kjv" })
 */
export async function trainOne(request: TrainOneRequest) {
  const source = loadSource(request.data, "--data");
  const backend = await loadBackend(request.backend ?? "auto");
  const model = { ...request.model, vocab: source.vocab };
  const result = await trainModel(
    {
      model,
      train: request.train,
      schedule: request.schedule,
      source,
      backend,
      ...(request.threads !== undefined ? { threads: request.threads } : {}),
    },
    request.onStep ? { onStep: request.onStep } : {},
    "train",
  );
  return {
    tokensPerSecond: result.tokensPerSecond,
    steadyTokensPerSecond: result.steadyTokensPerSecond,
    msPerStep: result.msPerStep,
    params: result.params.total,
    nonEmbeddingParams: result.params.nonEmbedding,
    lossFirst: result.lossFirst,
    lossLast: result.lossLast,
    evalLoss: result.evalLoss,
    backend: result.backend,
    threads: result.threads,
    steps: result.steps,
    tokens: result.tokens,
    flops: result.flops,
    data: source.name,
    ...(source.entropyRate !== undefined ? { entropyRate: source.entropyRate } : {}),
    ...(source.chain ? { evalFloor: heldOutFloor(source, request.train, model.seqLen)! } : {}),
    model,
    train: request.train,
    points: result.points,
    wallSeconds: result.wallSeconds,
  };
}
