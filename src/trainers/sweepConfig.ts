/**
 * A training sweep's typed configuration (a grid over model width and depth, training length, peak LR,
 * schedule, batch size and seed) and its expansion into named runs, every run checked before any training.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parameterCounts } from "./counting.js";
import { UserError } from "../errors.js";
import {
  checkModelConfig,
  checkTrainConfig,
  defaultModelConfig,
  defaultPeakLr,
  defaultTrainConfig,
  optionalTrainKeys,
  type ModelConfig,
  type TrainConfig,
} from "./config.js";
import type { SourceSpec } from "./corpus.js";
import { checkEncDecConfig, encDecCounts, type EncDecConfig } from "./encdecWeights.js";
import { checkDenoisingTask, type DenoisingTask } from "./seq2seq.js";
import type { FlopConvention } from "./counting.js";
import { templateLabel, templateOf, type ScheduleTemplate } from "./scheduleTemplate.js";
import { checkTrainerLimits, trainerLimits } from "./trainerLimits.js";

/** The axes a sweep varies; each takes a list, the runs are every combination. */
export interface SweepGrid {
  dModel?: number[];
  layers?: number[];
  heads?: number[];
  seqLen?: number[];
  batch?: number[];
  /** Training steps per run (or give `tokens`). */
  steps?: number[];
  /** Training tokens per run; steps = tokens / (batch · seqLen), rounded. */
  tokens?: number[];
  /** Training tokens per parameter: tokens = ratio · N (N the total parameters on the sweep's data). */
  tokensPerParam?: number[];
  /** Peak learning rates. */
  lr?: number[];
  /** Multipliers of the peak LR (of `lr`, or of `lrLaw`): a small LR sweep around a rule. */
  lrScale?: number[];
  schedule?: Array<ScheduleTemplate["kind"] | ScheduleTemplate>;
  seed?: number[];
  weightDecay?: number[];
  /** Encoder-decoder sweeps: each side's width and depth (default: the shared dModel and layers). */
  encoderDModel?: number[];
  encoderLayers?: number[];
  decoderDModel?: number[];
  decoderLayers?: number[];
  /** QAT bits per weight (2–16; quantize.ts). */
  qatBits?: number[];
  /** QAT fractions of the steps, in [0, 1] (0: post-training quantisation). Needs qatBits. */
  qatFraction?: number[];
}

/** A sweep configuration file (JSON). */
export interface SweepConfig {
  /** Names the runs `<name>/<axis>=<value>,…`. */
  name: string;
  /** Training data. Default "kjv". */
  data?: SourceSpec;
  /** Model settings shared by every run (grid axes override them). */
  model?: Partial<Omit<ModelConfig, "vocab">>;
  /**
   * Training settings shared by every run; `logEveryTokens` and `evalEveryTokens` give the logging and
   * evaluation intervals in tokens (each run's steps: tokens / (batch · seqLen), rounded), so that runs of a
   * batch-size sweep are logged at the same token counts.
   */
  train?: Partial<TrainConfig> & { logEveryTokens?: number; evalEveryTokens?: number };
  grid: SweepGrid;
  /**
   * The peak LR of each run from a power law in its parameters N, tokens D and batch B (tokens per step),
   * lr = K·N^N·D^D·B^B (the `lrK`, `lrN`, `lrD` of a `scalefit fit --law hparams`; B = 0.5 is the square-root
   * scaling of Adam's LR with batch), instead of a `lr` axis.
   */
  lrLaw?: { K: number; N?: number; D?: number; B?: number };
  /** FLOP convention of the stored `flops`. Default "6ND". */
  flops?: FlopConvention;
  /**
   * Encoder-decoder runs on the denoising task (seq2seq.ts) instead of decoder LMs; `maskRate` defaults to
   * 0.3. Their N (for tokensPerParam and lrLaw, and as stored) is Ne + Nd, the non-embedding parameters.
   */
  encdec?: Partial<DenoisingTask>;
}

/** One run of a sweep. */
export interface SweepRun {
  name: string;
  /** Index in the expanded grid. */
  index: number;
  model: Omit<ModelConfig, "vocab">;
  train: TrainConfig;
  peakLr: number;
  template: ScheduleTemplate;
  /** Encoder-decoder runs: the shape (without vocab) and the task. */
  encdec?: { model: Omit<EncDecConfig, "vocab">; task: DenoisingTask };
}

/** Most runs one sweep may expand to (the product of its grid's axis lengths). */
const maxSweepRuns = 100_000;

const axisOrder = [
  "dModel",
  "layers",
  "encoderDModel",
  "encoderLayers",
  "decoderDModel",
  "decoderLayers",
  "heads",
  "seqLen",
  "batch",
  "steps",
  "tokens",
  "tokensPerParam",
  "lr",
  "lrScale",
  "qatBits",
  "qatFraction",
  "schedule",
  "weightDecay",
  "seed",
] as const satisfies ReadonlyArray<keyof SweepGrid>;

function numberList(
  value: unknown,
  where: string,
  { integer, zero }: { integer: boolean; zero: boolean },
): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new UserError(`${where} must be a non-empty list`);
  return value.map((v, i) => {
    const sign = zero ? v >= 0 : v > 0;
    if (typeof v !== "number" || !Number.isFinite(v) || !sign || (integer && !Number.isInteger(v))) {
      throw new UserError(
        `${where}[${i}] must be a ${zero ? "non-negative" : "positive"} ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  });
}

/**
 * Checks a sweep configuration and expands its grid into runs; every impossible run is refused before any
 * training, with the field at fault named (`sweep.json: grid.dModel=30: heads (4) must divide dModel (30)`).
 * @example expandSweep(smokePreset, "smoke").length // 4
 */
export function expandSweep(config: SweepConfig, where: string, vocab?: number): SweepRun[] {
  if (!config || typeof config !== "object") throw new UserError(`${where}: a sweep config is a JSON object`);
  const knownTop = ["name", "data", "model", "train", "grid", "lrLaw", "flops", "encdec"];
  const extraTop = Object.keys(config).find((k) => !knownTop.includes(k));
  if (extraTop) throw new UserError(`${where}: unknown field ${extraTop} (fields: ${knownTop.join(", ")})`);
  if (typeof config.name !== "string" || !/^[A-Za-z0-9._-]+$/.test(config.name)) {
    throw new UserError(
      `${where}: name must be letters, digits, dots, dashes or underscores, got ${JSON.stringify(config.name)}`,
    );
  }
  if (config.flops !== undefined && config.flops !== "6ND" && config.flops !== "exact") {
    throw new UserError(`${where}: flops must be "6ND" or "exact", got ${JSON.stringify(config.flops)}`);
  }
  const grid = config.grid;
  if (!grid || typeof grid !== "object")
    throw new UserError(`${where}: grid is required (e.g. {"dModel": [32, 64]})`);
  const extraAxis = Object.keys(grid).find((k) => !(axisOrder as readonly string[]).includes(k));
  if (extraAxis)
    throw new UserError(`${where}: grid has no axis ${extraAxis} (axes: ${axisOrder.join(", ")})`);
  if ([grid.steps, grid.tokens, grid.tokensPerParam].filter(Boolean).length > 1)
    throw new UserError(`${where}: grid gives more than one of steps, tokens and tokensPerParam; give one`);
  checkLrLaw(config, where);
  if ((grid.tokensPerParam || config.lrLaw) && vocab === undefined)
    throw new UserError(
      `${where}: tokensPerParam and lrLaw count parameters: they need the data's vocabulary`,
    );
  const modelKeys = Object.keys(defaultModelConfig);
  const extraModel = Object.keys(config.model ?? {}).find((k) => !modelKeys.includes(k));
  if (extraModel)
    throw new UserError(`${where}: model has no field ${extraModel} (fields: ${modelKeys.join(", ")})`);
  const trainKeys = [
    ...Object.keys(defaultTrainConfig),
    ...optionalTrainKeys,
    "logEveryTokens",
    "evalEveryTokens",
  ];
  const extraTrain = Object.keys(config.train ?? {}).find((k) => !trainKeys.includes(k));
  if (extraTrain)
    throw new UserError(`${where}: train has no field ${extraTrain} (fields: ${trainKeys.join(", ")})`);

  const axes: Array<{ key: (typeof axisOrder)[number]; values: unknown[] }> = [];
  for (const key of axisOrder) {
    const raw = grid[key];
    if (raw === undefined) continue;
    const values =
      key === "schedule"
        ? (Array.isArray(raw) && raw.length
            ? raw
            : (() => {
                throw new UserError(`${where}: grid.schedule must be a non-empty list`);
              })()
          ).map((v, i) => templateOf(v, `${where}: grid.schedule[${i}]`))
        : numberList(raw, `${where}: grid.${key}`, {
            integer: !["lr", "lrScale", "weightDecay", "tokens", "tokensPerParam", "qatFraction"].includes(
              key,
            ),
            zero: key === "seed" || key === "weightDecay" || key === "qatFraction",
          });
    axes.push({ key, values });
  }
  // Counted before expanding: a grid of 1e8 combinations is refused at once, not after filling memory.
  const combinations = axes.reduce((product, axis) => product * axis.values.length, 1);
  if (combinations > maxSweepRuns)
    throw new UserError(
      `${where}: the grid has ${combinations} combinations (${axes.map((a) => `${a.values.length} ${a.key}`).join(" × ")}); a sweep runs at most ${maxSweepRuns}`,
    );
  const runs: SweepRun[] = [];
  const combine = (i: number, chosen: Record<string, unknown>) => {
    if (i === axes.length) {
      runs.push(makeRun(config, chosen, runs.length, where, vocab));
      return;
    }
    for (const value of axes[i]!.values) combine(i + 1, { ...chosen, [axes[i]!.key]: value });
  };
  combine(0, {});
  const names = new Set<string>();
  for (const run of runs) {
    if (names.has(run.name)) throw new UserError(`${where}: two runs would both be named ${run.name}`);
    names.add(run.name);
  }
  return runs;
}

/** Checks `lrLaw`: a positive K and finite exponents of N and D, alone (not with a `lr` axis). */
function checkLrLaw(config: SweepConfig, where: string): void {
  const law = config.lrLaw;
  if (law === undefined) return;
  if (config.grid.lr) throw new UserError(`${where}: give lrLaw or grid.lr, not both`);
  const extra = Object.keys(law).find((k) => !["K", "N", "D", "B"].includes(k));
  if (extra) throw new UserError(`${where}: lrLaw has no field ${extra} (fields: K, N, D, B)`);
  if (!(typeof law.K === "number" && law.K > 0 && Number.isFinite(law.K)))
    throw new UserError(`${where}: lrLaw.K must be a positive number, got ${JSON.stringify(law.K)}`);
  for (const key of ["N", "D", "B"] as const)
    if (law[key] !== undefined && !(typeof law[key] === "number" && Number.isFinite(law[key])))
      throw new UserError(`${where}: lrLaw.${key} must be a number, got ${JSON.stringify(law[key])}`);
}

function makeRun(
  config: SweepConfig,
  chosen: Record<string, unknown>,
  index: number,
  where: string,
  vocab: number | undefined,
): SweepRun {
  const label = Object.entries(chosen)
    .map(([k, v]) => `${k}=${typeof v === "object" ? templateLabel(v as ScheduleTemplate) : String(v)}`)
    .join("_");
  const at = `${where}: grid ${label || "(defaults)"}`;
  const model = { ...defaultModelConfig, ...config.model } as Omit<ModelConfig, "vocab">;
  for (const key of ["dModel", "layers", "heads", "seqLen"] as const) {
    if (chosen[key] !== undefined) model[key] = chosen[key] as number;
  }
  const { logEveryTokens, evalEveryTokens, ...shared } = config.train ?? {};
  const train: TrainConfig = { ...defaultTrainConfig, ...shared };
  if (chosen.batch !== undefined) train.batch = chosen.batch as number;
  const stepsOf = (tokens: number | undefined, name: string) => {
    if (tokens === undefined) return undefined;
    if (!(typeof tokens === "number" && tokens > 0 && Number.isFinite(tokens)))
      throw new UserError(`${at}: train.${name} must be a positive number, got ${JSON.stringify(tokens)}`);
    return Math.max(1, Math.round(tokens / (train.batch * model.seqLen)));
  };
  train.logEvery = stepsOf(logEveryTokens, "logEveryTokens") ?? train.logEvery;
  train.evalEvery = stepsOf(evalEveryTokens, "evalEveryTokens") ?? train.evalEvery;
  if (chosen.seed !== undefined) train.seed = chosen.seed as number;
  if (chosen.weightDecay !== undefined) train.weightDecay = chosen.weightDecay as number;
  if (chosen.steps !== undefined) train.steps = chosen.steps as number;
  if (chosen.qatBits !== undefined) train.qatBits = chosen.qatBits as number;
  if (chosen.qatFraction !== undefined) train.qatFraction = chosen.qatFraction as number;
  checkModelConfig({ ...model, vocab: vocab ?? 2 }, at);
  const encdec = encdecOf(config, model, chosen, at);
  // Parameters on the sweep's data (tokensPerParam and lrLaw ask for them: expandSweep has the vocabulary).
  const sides = encdec ? encDecCounts({ ...encdec.model, vocab: 2 }) : undefined;
  const N = sides
    ? sides.Ne + sides.Nd
    : vocab === undefined
      ? NaN
      : parameterCounts({ ...model, vocab }).total;
  const tokens =
    (chosen.tokens as number | undefined) ??
    (chosen.tokensPerParam !== undefined ? (chosen.tokensPerParam as number) * N : undefined);
  if (tokens !== undefined) train.steps = Math.max(1, Math.round(tokens / (train.batch * model.seqLen)));
  checkTrainConfig(train, at);
  if (sides) {
    for (const [side, shape] of Object.entries({
      encoder: encdec!.model.encoder,
      decoder: encdec!.model.decoder,
    }))
      for (const key of ["dModel", "layers"] as const)
        if (shape[key] > trainerLimits[key])
          throw new UserError(`${at}: the ${side}'s ${key} ${shape[key]} is more than ${trainerLimits[key]}`);
  }
  checkTrainerLimits(model, train, at, {
    vocab,
    ...(sides ? { parameters: encDecCounts({ ...encdec!.model, vocab: vocab ?? 2 }).total } : {}),
  });
  const law = config.lrLaw;
  const D = train.steps * train.batch * model.seqLen;
  const base =
    (chosen.lr as number | undefined) ??
    (law
      ? law.K * N ** (law.N ?? 0) * D ** (law.D ?? 0) * (train.batch * model.seqLen) ** (law.B ?? 0)
      : defaultPeakLr);
  const peakLr = base * ((chosen.lrScale as number | undefined) ?? 1);
  if (!(peakLr > 0 && Number.isFinite(peakLr)))
    throw new UserError(`${at}: the peak LR is ${peakLr} (expected a positive number)`);
  const template = (chosen.schedule as ScheduleTemplate | undefined) ?? { kind: "cosine" as const };
  // An LR from lrLaw is in the name: a changed law trains new runs instead of reusing finished ones.
  const name = `${config.name}/${label || "run"}${law ? `_peakLr=${peakLr.toPrecision(4)}` : ""}`;
  return { name, index, model, train, peakLr, template, ...(encdec ? { encdec } : {}) };
}

/** An encoder-decoder run's shape and task, or undefined for a decoder LM (whose side axes are an error). */
function encdecOf(
  config: SweepConfig,
  model: Omit<ModelConfig, "vocab">,
  chosen: Record<string, unknown>,
  at: string,
): SweepRun["encdec"] {
  const side = ["encoderDModel", "encoderLayers", "decoderDModel", "decoderLayers"].find(
    (k) => chosen[k] !== undefined,
  );
  if (!config.encdec) {
    if (side) throw new UserError(`${at}: grid.${side} is for encoder-decoder sweeps (give "encdec": {})`);
    return undefined;
  }
  const extra = Object.keys(config.encdec).find((k) => k !== "maskRate");
  if (extra) throw new UserError(`${at}: encdec has no field ${extra} (fields: maskRate)`);
  const task: DenoisingTask = { maskRate: config.encdec.maskRate ?? 0.3 };
  checkDenoisingTask(task, `${at}: encdec`);
  const pick = (key: string, fallback: number) => (chosen[key] as number | undefined) ?? fallback;
  const shape: Omit<EncDecConfig, "vocab"> = {
    seqLen: model.seqLen,
    encoder: {
      dModel: pick("encoderDModel", model.dModel),
      layers: pick("encoderLayers", model.layers),
      heads: model.heads,
    },
    decoder: {
      dModel: pick("decoderDModel", model.dModel),
      layers: pick("decoderLayers", model.layers),
      heads: model.heads,
    },
    mlpRatio: model.mlpRatio,
    gelu: model.gelu,
    initStd: model.initStd,
  };
  checkEncDecConfig({ ...shape, vocab: 2 }, at);
  return { model: shape, task };
}

/**
 * Reads a sweep config file (JSON); a relative `data.file` is taken relative to the config's directory.
 * @example const config = readSweepConfig("examples/sweeps/kjv-widths.json")
 */
export function readSweepConfig(path: string): SweepConfig {
  if (!existsSync(path)) throw new UserError(`no sweep config ${path}`);
  let config: SweepConfig;
  try {
    config = JSON.parse(readFileSync(path, "utf8")) as SweepConfig;
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message.replace(/\s+/g, " ")})`);
  }
  const data = config?.data;
  if (
    data &&
    typeof data === "object" &&
    "file" in data &&
    typeof data.file === "string" &&
    !isAbsolute(data.file)
  ) {
    config.data = { file: resolve(dirname(path), data.file) };
  }
  return config;
}
