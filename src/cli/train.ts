import { trainOne } from "../api/train.js";
import { UserError } from "../errors.js";
import { num } from "../fit/report.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import type { Schedule } from "../schedules/schedule.js";
import {
  defaultModelConfig,
  defaultPeakLr,
  defaultTrainConfig,
  type ModelConfig,
  type TrainConfig,
} from "../trainers/config.js";
import type { SourceSpec } from "../trainers/corpus.js";
import { scheduleFor, scheduleKinds } from "../trainers/scheduleTemplate.js";
import { checkTrainerLimits, trainerLimits } from "../trainers/trainerLimits.js";
import { defineCommand } from "./_command.js";
import { numberOption, printJson, progressFor, sharedOptions, trainerOptions } from "./_shared.js";

const positiveInteger = (v: number) => Number.isInteger(v) && v > 0;

export const command = defineCommand({
  name: "train",
  summary: "train one decoder LM and print its losses and throughput",
  usage: `scalefit train [--d-model 64] [--layers 2] [--heads 4] [--seq 64] [--batch 16] [--steps 50] [--lr ${defaultPeakLr.toExponential()}] [--backend wasm] [--json]`,
  examples: [
    "scalefit train --d-model 64 --layers 2 --heads 4 --seq 64 --batch 16 --steps 50 --json",
    "scalefit train --d-model 128 --steps 2000 --schedule cosine --warmup 0.02 --lr 2e-3",
    "scalefit train --data markov --d-model 32 --steps 1000",
    "scalefit train --d-model 64 --steps 2000 --schedule cosine --lr 2e-3 --qat-bits 4 --qat-fraction 0.25",
  ],
  options: {
    "d-model": {
      type: "string",
      value: "<n>",
      description: `residual width (default ${defaultModelConfig.dModel})`,
    },
    layers: {
      type: "string",
      value: "<n>",
      description: `transformer blocks (default ${defaultModelConfig.layers})`,
    },
    heads: {
      type: "string",
      value: "<n>",
      description: `attention heads, dividing d-model (default ${defaultModelConfig.heads})`,
    },
    seq: {
      type: "string",
      value: "<n>",
      description: `context length (default ${defaultModelConfig.seqLen})`,
    },
    batch: {
      type: "string",
      value: "<n>",
      description: `sequences per step (default ${defaultTrainConfig.batch})`,
    },
    steps: {
      type: "string",
      value: "<n>",
      description: `optimiser steps (default ${defaultTrainConfig.steps})`,
    },
    lr: {
      type: "string",
      value: "<lr>",
      description: `peak learning rate (default ${defaultPeakLr.toExponential()})`,
    },
    schedule: {
      type: "string",
      value: "<kind|text>",
      description:
        "constant (default), cosine, linear, wsd, inverse-sqrt, or a full schedule text (cosine:peak=…,floor=…,steps=…)",
    },
    warmup: {
      type: "string",
      value: "<fraction>",
      description: "warmup as a fraction of the steps (default 0)",
    },
    "weight-decay": {
      type: "string",
      value: "<wd>",
      description: `AdamW weight decay (default ${defaultTrainConfig.weightDecay})`,
    },
    seed: { type: "string", value: "<n>", description: "initialisation and batch seed (default 0)" },
    "log-every": {
      type: "string",
      value: "<n>",
      description: `log the training loss every n steps (default ${defaultTrainConfig.logEvery})`,
    },
    "eval-every": {
      type: "string",
      value: "<n>",
      description: "evaluate every n steps (default: at the end)",
    },
    data: {
      type: "string",
      value: "<kjv|markov|file>",
      description: "kjv (default, bundled), markov (synthetic, known entropy), or a text file",
    },
    gelu: {
      type: "string",
      value: "<tanh|erf>",
      description: "GELU form (default tanh; erf is exact, the PyTorch anchor's)",
    },
    untied: { type: "boolean", description: "a separate output head instead of the tied token embedding" },
    "qat-bits": {
      type: "string",
      value: "<2-16>",
      description:
        "quantisation-aware training: round the block matrices to this many bits (fake quantisation)",
    },
    "qat-fraction": {
      type: "string",
      value: "<f>",
      description:
        "with --qat-bits: the last fraction of the steps trained with QAT (default 0: quantise after training)",
    },
    "qat-granularity": {
      type: "string",
      value: "<channel|tensor>",
      description: "with --qat-bits: one scale per output channel (default) or per matrix",
    },
    ...trainerOptions,
    ...sharedOptions,
  },
  async run(values, io) {
    const int = (name: string, limit = Number.MAX_SAFE_INTEGER) =>
      numberOption(
        values,
        name,
        (v) => positiveInteger(v) && v <= limit,
        limit < Number.MAX_SAFE_INTEGER ? `a positive integer up to ${limit}` : "a positive integer",
      );
    const model: Omit<ModelConfig, "vocab"> = {
      ...defaultModelConfig,
      dModel: int("d-model", trainerLimits.dModel) ?? defaultModelConfig.dModel,
      layers: int("layers", trainerLimits.layers) ?? defaultModelConfig.layers,
      heads: int("heads", trainerLimits.heads) ?? defaultModelConfig.heads,
      seqLen: int("seq", trainerLimits.seqLen) ?? defaultModelConfig.seqLen,
      tied: values.untied !== true,
    };
    if (values.gelu !== undefined) {
      if (values.gelu !== "tanh" && values.gelu !== "erf")
        throw new UserError(`invalid --gelu ${String(values.gelu)} (expected tanh or erf)`);
      model.gelu = values.gelu;
    }
    const train: TrainConfig = {
      ...defaultTrainConfig,
      batch: int("batch", trainerLimits.batch) ?? defaultTrainConfig.batch,
      steps: int("steps", trainerLimits.steps) ?? defaultTrainConfig.steps,
      seed: numberOption(values, "seed", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer") ?? 0,
      logEvery: int("log-every") ?? defaultTrainConfig.logEvery,
      evalEvery: int("eval-every") ?? 0,
      weightDecay:
        numberOption(values, "weight-decay", (v) => v >= 0, "a non-negative number") ??
        defaultTrainConfig.weightDecay,
    };
    const bits = numberOption(
      values,
      "qat-bits",
      (v) => Number.isInteger(v) && v >= 2 && v <= 16,
      "an integer from 2 to 16",
    );
    const fraction = numberOption(values, "qat-fraction", (v) => v >= 0 && v <= 1, "a fraction in [0, 1]");
    if (bits === undefined && (fraction !== undefined || values["qat-granularity"] !== undefined))
      throw new UserError("--qat-fraction and --qat-granularity need --qat-bits");
    if (bits !== undefined) {
      train.qatBits = bits;
      if (fraction !== undefined) train.qatFraction = fraction;
      const granularity = values["qat-granularity"];
      if (granularity !== undefined) {
        if (granularity !== "channel" && granularity !== "tensor")
          throw new UserError(
            `invalid --qat-granularity ${String(granularity)} (expected channel or tensor)`,
          );
        train.qatGranularity = granularity;
      }
    }
    const lr = numberOption(values, "lr", (v) => v > 0, "a positive learning rate") ?? defaultPeakLr;
    const warmup = numberOption(values, "warmup", (v) => v >= 0 && v < 1, "a fraction in [0, 1)") ?? 0;
    const text = values.schedule === undefined ? "constant" : String(values.schedule);
    let schedule: Schedule;
    if (text.includes(":")) {
      schedule = parseSchedule(text);
      if (values.steps === undefined) train.steps = schedule.steps;
    } else {
      if (!(scheduleKinds as readonly string[]).includes(text)) {
        throw new UserError(
          `invalid --schedule ${text} (expected ${scheduleKinds.join(", ")} or kind:key=value,…)`,
        );
      }
      schedule = scheduleFor({ kind: text as (typeof scheduleKinds)[number], warmup }, lr, train.steps);
    }
    // The model's size and a step's activations, before the data are read (the vocabulary is the smallest).
    checkTrainerLimits(
      model,
      train,
      `--d-model ${model.dModel} --layers ${model.layers} --heads ${model.heads} --seq ${model.seqLen} --batch ${train.batch}`,
    );
    const dataOption = values.data === undefined ? "kjv" : String(values.data);
    const spec: SourceSpec =
      dataOption === "kjv" ? "kjv" : dataOption === "markov" ? { markov: {} } : { file: dataOption };
    const threads = int("threads");
    const json = values.json === true;
    const progress = await progressFor(io, json);
    let out;
    try {
      out = await trainOne({
        model,
        train,
        schedule,
        data: spec,
        ...(values.backend !== undefined ? { backend: String(values.backend) } : {}),
        ...(threads !== undefined ? { threads } : {}),
        onStep: (step, steps) => progress.onProgress?.(step, steps, "training"),
      });
    } finally {
      progress.stop();
    }
    if (json) return printJson(io, out);
    io.stdout(
      [
        `trained ${out.params} parameters (${out.nonEmbeddingParams} non-embedding) for ${out.steps} steps on ${out.data} with ${out.backend} (${out.threads} thread${out.threads > 1 ? "s" : ""})`,
        `  loss ${num(out.lossFirst, 5)} → ${num(out.lossLast, 5)}, held-out ${num(out.evalLoss, 5)} nats/token${out.entropyRate !== undefined ? ` (entropy rate ${num(out.entropyRate, 5)}; the true chain scores ${num(out.evalFloor!, 5)} on these held-out windows)` : ""}`,
        `  ${Math.round(out.tokensPerSecond)} tokens/s (${Math.round(out.steadyTokensPerSecond)} after 5 warm-up steps), ${num(out.msPerStep, 3)} ms/step median`,
        ...(train.qatBits !== undefined
          ? [
              `  QAT: the last ${Math.round((train.qatFraction ?? 0) * train.steps)} steps on ${train.qatBits}-bit block weights (${train.qatGranularity ?? "channel"} scales); the held-out loss is the quantised model's`,
            ]
          : []),
        "",
      ].join("\n"),
    );
  },
});
