/**
 * Training sweeps: a typed config (a grid over model width and depth, training length, peak LR, schedule,
 * batch size and seed), expanded into named runs, optionally cut into shards (`--shard i/n`: runs i, i+n,
 * i+2n, … so every shard gets big and small models), and run into the store. Resumable: a run already
 * "done" is skipped; a run left "running" by a killed sweep continues from its last checkpoint (written after
 * every logged point, beside the database) and never rewrites the points it stored.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { UserError, isUserError } from "../errors.js";
import { formatSchedule } from "../schedules/parseSchedule.js";
import type { DecayShape, Schedule } from "../schedules/schedule.js";
import { openStore, type Store } from "../store/duckdb.js";
import { exportTable } from "../store/exportTable.js";
import {
  appendTrainerPoints,
  beginTrainerRun,
  finishTrainerRun,
  trainerRunStates,
  type TrainerRunRecord,
} from "../store/trainerRuns.js";
import { loadBackend, type LoadedBackend } from "./backend.js";
import {
  checkModelConfig,
  checkTrainConfig,
  defaultModelConfig,
  defaultTrainConfig,
  type ModelConfig,
  type TrainConfig,
} from "./config.js";
import { checkWindows, loadSource, type SourceSpec, type TokenSource } from "./corpus.js";
import { parameterCounts, trainingFlops, type FlopConvention } from "./counting.js";
import { GradientPool, trainingThreads } from "./parallel.js";
import { trainModel, type TrainResult, type TrainState } from "./train.js";

/** A schedule family instantiated per run with the run's peak LR and steps. */
export interface ScheduleTemplate {
  kind: "constant" | "cosine" | "linear" | "wsd" | "inverse-sqrt";
  /** Warmup as a fraction of the steps. Default 0. */
  warmup?: number;
  /** Final LR as a fraction of the peak (cosine, linear, wsd). Default 0.1. */
  floor?: number;
  /** WSD: the fraction of steps that decays. Default 0.2. */
  decay?: number;
  /** WSD: decay shape. Default "linear". */
  shape?: DecayShape;
}

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
  /** Peak learning rates. */
  lr?: number[];
  schedule?: Array<ScheduleTemplate["kind"] | ScheduleTemplate>;
  seed?: number[];
  weightDecay?: number[];
}

/** A sweep configuration file (JSON). */
export interface SweepConfig {
  /** Names the runs `<name>/<axis>=<value>,…`. */
  name: string;
  /** Training data. Default "kjv". */
  data?: SourceSpec;
  /** Model settings shared by every run (grid axes override them). */
  model?: Partial<Omit<ModelConfig, "vocab">>;
  /** Training settings shared by every run. */
  train?: Partial<TrainConfig>;
  grid: SweepGrid;
  /** FLOP convention of the stored `flops`. Default "6ND". */
  flops?: FlopConvention;
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
}

const axisOrder = [
  "dModel",
  "layers",
  "heads",
  "seqLen",
  "batch",
  "steps",
  "tokens",
  "lr",
  "schedule",
  "weightDecay",
  "seed",
] as const satisfies ReadonlyArray<keyof SweepGrid>;

/**
 * The schedule families a template (or `scalefit train --schedule <kind>`) names.
 * @example scheduleKinds.includes("wsd") // true
 */
export const scheduleKinds = ["constant", "cosine", "linear", "wsd", "inverse-sqrt"] as const;

function templateOf(value: unknown, where: string): ScheduleTemplate {
  const template = (typeof value === "string" ? { kind: value } : value) as ScheduleTemplate;
  if (
    !template ||
    typeof template !== "object" ||
    !(scheduleKinds as readonly string[]).includes(template.kind)
  ) {
    throw new UserError(
      `${where}: schedule must be one of ${scheduleKinds.join(", ")} or {kind, warmup, floor, decay, shape}`,
    );
  }
  const known = ["kind", "warmup", "floor", "decay", "shape"];
  const extra = Object.keys(template).find((k) => !known.includes(k));
  if (extra) throw new UserError(`${where}: schedule has no field ${extra} (fields: ${known.join(", ")})`);
  for (const key of ["warmup", "floor", "decay"] as const) {
    const v = template[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && v < 1)) {
      throw new UserError(`${where}: schedule ${key} is a fraction in [0, 1), got ${JSON.stringify(v)}`);
    }
  }
  if (template.shape !== undefined && !["linear", "exp", "sqrt", "cosine"].includes(template.shape)) {
    throw new UserError(
      `${where}: schedule shape must be linear, exp, sqrt or cosine, got ${JSON.stringify(template.shape)}`,
    );
  }
  return template;
}

/** A short label of a schedule template for run names: "cosine", "wsd-decay0.2-sqrt". */
function templateLabel(template: ScheduleTemplate): string {
  const parts: string[] = [template.kind];
  if (template.warmup) parts.push(`warmup${template.warmup}`);
  if (template.floor !== undefined) parts.push(`floor${template.floor}`);
  if (template.decay !== undefined) parts.push(`decay${template.decay}`);
  if (template.shape) parts.push(template.shape);
  return parts.join("-");
}

/**
 * The schedule of a run: the template with the run's peak and steps.
 * @example scheduleFor({ kind: "wsd", decay: 0.2 }, 1e-3, 1000) // wsd, decay from step 800 to 1e-4
 */
export function scheduleFor(template: ScheduleTemplate, peak: number, steps: number): Schedule {
  const warmup = Math.round((template.warmup ?? 0) * steps);
  const floor = (template.floor ?? 0.1) * peak;
  switch (template.kind) {
    case "constant":
      return { kind: "constant", peak, steps, warmup };
    case "inverse-sqrt":
      return { kind: "inverse-sqrt", peak, steps, warmup };
    case "cosine":
    case "linear":
      return { kind: template.kind, peak, floor, steps, warmup };
    case "wsd":
      return {
        kind: "wsd",
        peak,
        floor,
        steps,
        warmup,
        decayStart: Math.max(warmup, steps - Math.round((template.decay ?? 0.2) * steps)),
        shape: template.shape ?? "linear",
      };
  }
}

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
export function expandSweep(config: SweepConfig, where: string): SweepRun[] {
  if (!config || typeof config !== "object") throw new UserError(`${where}: a sweep config is a JSON object`);
  const knownTop = ["name", "data", "model", "train", "grid", "flops"];
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
  if (grid.steps && grid.tokens) throw new UserError(`${where}: grid gives both steps and tokens; give one`);
  const modelKeys = Object.keys(defaultModelConfig);
  const extraModel = Object.keys(config.model ?? {}).find((k) => !modelKeys.includes(k));
  if (extraModel)
    throw new UserError(`${where}: model has no field ${extraModel} (fields: ${modelKeys.join(", ")})`);
  const trainKeys = Object.keys(defaultTrainConfig);
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
            integer: !["lr", "weightDecay", "tokens"].includes(key),
            zero: key === "seed" || key === "weightDecay",
          });
    axes.push({ key, values });
  }
  const runs: SweepRun[] = [];
  const combine = (i: number, chosen: Record<string, unknown>) => {
    if (i === axes.length) {
      runs.push(makeRun(config, chosen, runs.length, where));
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

function makeRun(
  config: SweepConfig,
  chosen: Record<string, unknown>,
  index: number,
  where: string,
): SweepRun {
  const label = Object.entries(chosen)
    .map(([k, v]) => `${k}=${typeof v === "object" ? templateLabel(v as ScheduleTemplate) : String(v)}`)
    .join("_");
  const at = `${where}: grid ${label || "(defaults)"}`;
  const model = { ...defaultModelConfig, ...config.model } as Omit<ModelConfig, "vocab">;
  for (const key of ["dModel", "layers", "heads", "seqLen"] as const) {
    if (chosen[key] !== undefined) model[key] = chosen[key] as number;
  }
  const train: TrainConfig = { ...defaultTrainConfig, ...config.train };
  if (chosen.batch !== undefined) train.batch = chosen.batch as number;
  if (chosen.seed !== undefined) train.seed = chosen.seed as number;
  if (chosen.weightDecay !== undefined) train.weightDecay = chosen.weightDecay as number;
  if (chosen.steps !== undefined) train.steps = chosen.steps as number;
  if (chosen.tokens !== undefined) {
    train.steps = Math.max(1, Math.round((chosen.tokens as number) / (train.batch * model.seqLen)));
  }
  checkModelConfig({ ...model, vocab: 2 }, at);
  checkTrainConfig(train, at);
  const peakLr = (chosen.lr as number | undefined) ?? 1e-3;
  const template = (chosen.schedule as ScheduleTemplate | undefined) ?? { kind: "cosine" as const };
  return { name: `${config.name}/${label || "run"}`, index, model, train, peakLr, template };
}

/**
 * Parses `--shard i/n` (0 ≤ i < n).
 * @example parseShard("1/4") // { index: 1, count: 4 }
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) {
    throw new UserError(`invalid --shard ${text} (expected i/n with 0 <= i < n, e.g. 0/4)`);
  }
  return { index, count };
}

/**
 * The runs of one shard: every n-th run from the i-th, so shards get a mix of sizes.
 * @example shardRuns(runs, { index: 0, count: 2 }) // runs 0, 2, 4, …
 */
export function shardRuns<T>(runs: readonly T[], shard?: { index: number; count: number }): T[] {
  return shard ? runs.filter((_, i) => i % shard.count === shard.index) : [...runs];
}

/**
 * Reads a sweep config file (JSON); a relative `data.file` is taken relative to the config's directory.
 * @example const config = readSweepConfig("sweeps/kjv.json")
 */
export function readSweepConfig(path: string): SweepConfig {
  if (!existsSync(path)) throw new UserError(`no sweep config ${path}`);
  let config: SweepConfig;
  try {
    config = JSON.parse(readFileSync(path, "utf8")) as SweepConfig;
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message})`);
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

// Checkpoints: a JSON header (length-prefixed) and the float arrays, written to a temporary file and renamed.
const checkpointMagic = "scalefit-checkpoint-1";

function checkpointPath(db: string, run: string): string {
  return join(`${db}.checkpoints`, `${run.replace(/[^A-Za-z0-9._=-]/g, "_")}.ckpt`);
}

/**
 * Writes a training state atomically (temporary file + rename): a crash leaves the old checkpoint or the new.
 * @example saveCheckpoint("runs.duckdb.checkpoints/a.ckpt", state)
 */
export function saveCheckpoint(path: string, state: TrainState): void {
  const names = Object.keys(state.tensors);
  const header = Buffer.from(
    JSON.stringify({
      magic: checkpointMagic,
      step: state.step,
      adamStep: state.adamStep,
      tensors: names.map((name) => [name, state.tensors[name]!.length]),
    }),
  );
  const total = names.reduce((n, name) => n + state.tensors[name]!.length, 0);
  const body = new Float32Array(total);
  let offset = 0;
  for (const name of names) {
    body.set(state.tensors[name]!, offset);
    offset += state.tensors[name]!.length;
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(
    temporary,
    Buffer.concat([length, header, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]),
  );
  renameSync(temporary, path);
}

/**
 * Reads a checkpoint; undefined when missing or unreadable (the run then starts over: its stored points
 * stay, and are recomputed identically).
 * @example const state = loadCheckpoint("runs.duckdb.checkpoints/a.ckpt")
 */
export function loadCheckpoint(path: string): TrainState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const bytes = readFileSync(path);
    const length = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString("utf8")) as {
      magic: string;
      step: number;
      adamStep: number;
      tensors: Array<[string, number]>;
    };
    if (header.magic !== checkpointMagic) return undefined;
    const data = bytes.subarray(4 + length);
    const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const tensors: Record<string, Float32Array> = {};
    let offset = 0;
    for (const [name, size] of header.tensors) {
      if (offset + size > floats.length) return undefined;
      tensors[name] = floats.slice(offset, offset + size);
      offset += size;
    }
    return { step: header.step, adamStep: header.adamStep, tensors };
  } catch {
    return undefined;
  }
}

/** How a sweep runs. */
export interface SweepOptions {
  /** The database. */
  db: string;
  shard?: { index: number; count: number };
  /** Parquet file written at the end with this shard's points and run metadata (for `scalefit import`). */
  parquet?: string;
  /** Backend name (default auto). */
  backend?: string;
  /** Training threads per run (default: parallel.ts's choice). */
  threads?: number;
  /** Where messages say the config came from. */
  where?: string;
}

/** The outcome of one run in a sweep. */
export interface SweepRunResult {
  name: string;
  /** done: trained now; skipped: done before; resumed: continued from a checkpoint; failed: diverged. */
  outcome: "done" | "skipped" | "resumed" | "failed";
  /** Step it continued from (resumed), else 0. */
  from: number;
  steps: number;
  params: number;
  evalLoss?: number;
  tokensPerSecond?: number;
  error?: string;
}

/** What a sweep did. */
export interface SweepResult {
  sweep: string;
  db: string;
  shard?: { index: number; count: number };
  backend: string;
  runs: SweepRunResult[];
  pointsAdded: number;
  parquet?: { file: string; rows: number };
  /** The source's entropy rate, for synthetic data. */
  entropyRate?: number;
  wallSeconds: number;
}

/** Callbacks while a sweep runs. */
export interface SweepHooks {
  /** Steps done and planned over the shard's runs still to train. */
  onProgress?(done: number, total: number, run: string): void;
  /** Test hook: called after each stored point with the count so far. */
  afterPoint?(count: number): void;
}

/**
 * Runs a sweep (or one shard of it) into the store; see the module comment for resumption.
 * @example await runSweep(smokePreset, { db: "smoke.duckdb" })
 */
export async function runSweep(
  config: SweepConfig,
  options: SweepOptions,
  hooks: SweepHooks = {},
): Promise<SweepResult> {
  const started = performance.now();
  const where = options.where ?? `sweep ${config?.name ?? ""}`;
  const runs = shardRuns(expandSweep(config, where), options.shard);
  const source: TokenSource = loadSource(config.data ?? "kjv", `${where}: data`);
  for (const run of runs) checkWindows(source, run.model.seqLen, `${where}: ${run.name}`);
  // The store first: a database in use by another process stops the sweep before any training.
  const store: Store = await openStore(options.db);
  let backend: LoadedBackend;
  let pool: GradientPool | undefined;
  const results: SweepRunResult[] = [];
  let pointsAdded = 0;
  try {
    backend = await loadBackend(options.backend ?? "auto");
    // One pool of worker threads for every run that trains on several (started once: each loads TF.js).
    const helpers =
      backend.name === "wasm" || backend.name === "cpu"
        ? Math.max(
            0,
            ...runs.map(
              (r) =>
                trainingThreads(
                  options.threads,
                  r.train.batch,
                  trainingFlops({ ...r.model, vocab: source.vocab }, r.train.batch * r.model.seqLen, "exact"),
                ) - 1,
            ),
          )
        : 0;
    if (helpers > 0) pool = await GradientPool.start(helpers);
    const states = await trainerRunStates(
      store,
      runs.map((r) => r.name),
    );
    const todo = runs.filter((r) => states.get(r.name)?.status !== "done");
    const total = todo.reduce((n, r) => n + r.train.steps, 0);
    let done = 0;
    for (const run of runs) {
      const model: ModelConfig = { ...run.model, vocab: source.vocab };
      const schedule = scheduleFor(run.template, run.peakLr, run.train.steps);
      const counts = parameterCounts(model);
      if (states.get(run.name)?.status === "done") {
        results.push({
          name: run.name,
          outcome: "skipped",
          from: 0,
          steps: run.train.steps,
          params: counts.total,
        });
        continue;
      }
      const scheduleText = formatSchedule(schedule);
      const record: TrainerRunRecord = {
        name: run.name,
        source: `trainer:${config.name}`,
        kind: "lm",
        n: counts.total,
        nNonEmbedding: counts.nonEmbedding,
        d: run.train.steps * run.train.batch * model.seqLen,
        batchSize: run.train.batch * model.seqLen,
        seqLen: model.seqLen,
        peakLr: run.peakLr,
        schedule: scheduleText,
        seed: run.train.seed,
        backend: backend.name,
        config: { data: source.name, model, train: run.train, schedule: scheduleText },
        conventions: { params: "total", flops: config.flops ?? "6ND", lossUnit: "nats/token" },
      };
      const state = await beginTrainerRun(store, record);
      const ckpt = checkpointPath(options.db, run.name);
      const resume = loadCheckpoint(ckpt);
      const from = resume?.step ?? 0;
      done += from;
      let result: TrainResult;
      try {
        result = await trainModel(
          {
            model,
            train: run.train,
            schedule,
            source,
            backend,
            flops: config.flops ?? "6ND",
            ...(options.threads !== undefined ? { threads: options.threads } : {}),
            ...(pool ? { pool } : {}),
          },
          {
            ...(resume ? { resume } : {}),
            onStep: (step) => hooks.onProgress?.(done + step - from, total, run.name),
            onPoint: async (point) => {
              pointsAdded += await appendTrainerPoints(store, state.runId, [point]);
              hooks.afterPoint?.(pointsAdded);
            },
            onCheckpoint: (s) => saveCheckpoint(ckpt, s),
          },
          `${where}: ${run.name}`,
        );
      } catch (error) {
        if (!isUserError(error)) throw error;
        await finishTrainerRun(store, state.runId, "failed");
        rmSync(ckpt, { force: true });
        results.push({
          name: run.name,
          outcome: "failed",
          from,
          steps: run.train.steps,
          params: counts.total,
          error: (error as Error).message,
        });
        done += run.train.steps - from;
        continue;
      }
      done += run.train.steps - from;
      await finishTrainerRun(store, state.runId, "done");
      rmSync(ckpt, { force: true });
      results.push({
        name: run.name,
        outcome: from > 0 || state.lastStep > 0 ? "resumed" : "done",
        from,
        steps: run.train.steps,
        params: counts.total,
        evalLoss: result.evalLoss,
        tokensPerSecond: result.tokensPerSecond,
      });
    }
    let parquet: SweepResult["parquet"];
    if (options.parquet) {
      const rowsWritten = await exportTable(store, "points", options.parquet, [`run~${config.name}/*`]);
      parquet = { file: options.parquet, rows: rowsWritten };
    }
    return {
      sweep: config.name,
      db: options.db,
      ...(options.shard ? { shard: options.shard } : {}),
      backend: backend.name,
      runs: results,
      pointsAdded,
      ...(parquet ? { parquet } : {}),
      ...(source.entropyRate !== undefined ? { entropyRate: source.entropyRate } : {}),
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool?.close();
    store.close();
  }
}
