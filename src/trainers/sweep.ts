/**
 * Runs a training sweep (or one shard of it, shards.ts) into the store. Resumable: a run already "done" is
 * skipped; a run left "running" by a killed sweep continues from its last checkpoint (checkpoint.ts, written
 * after every logged point, beside the database) and never rewrites the points it stored.
 */
import { rmSync } from "node:fs";
import { isUserError } from "../errors.js";
import { formatSchedule } from "../schedules/parseSchedule.js";
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
import { checkpointPath, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import type { ModelConfig } from "./config.js";
import { checkWindows, heldOutFloor, loadSource, type TokenSource } from "./corpus.js";
import { qatPlan } from "./qatPlan.js";
import { trainEncDec } from "./encdecTrain.js";
import { encDecCounts } from "./encdecWeights.js";
import { denoisingVocab } from "./seq2seq.js";
import { parameterCounts, trainingFlops } from "./counting.js";
import { GradientPool, trainingThreads } from "./parallel.js";
import { shardRuns } from "./shards.js";
import { scheduleFor } from "./scheduleTemplate.js";
import { expandSweep, type SweepConfig } from "./sweepConfig.js";
import { trainModel, type TrainHooks, type TrainResult } from "./train.js";

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
  /** Synthetic sources: the true chain's loss on the run's held-out windows (the floor of evalLoss). */
  evalFloor?: number;
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
  /** Called after each stored point with the number stored so far (the crash test kills the sweep there). */
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
  const source: TokenSource = loadSource(config.data ?? "kjv", `${where}: data`);
  const runs = shardRuns(expandSweep(config, where, source.vocab), options.shard);
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
            ...runs
              .filter((r) => !r.encdec)
              .map(
                (r) =>
                  trainingThreads(
                    options.threads,
                    r.train.batch,
                    trainingFlops(
                      { ...r.model, vocab: source.vocab },
                      r.train.batch * r.model.seqLen,
                      "exact",
                    ),
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
      const schedule = scheduleFor(run.template, run.peakLr, run.train.steps, run.train.qatFraction ?? 0);
      // An encoder-decoder counts Ne + Nd, its non-embedding parameters (the enc/dec law's convention).
      const encdec = run.encdec ? { ...run.encdec.model, vocab: denoisingVocab(source) } : undefined;
      const sides = encdec ? encDecCounts(encdec) : undefined;
      const counts = sides
        ? { total: sides.Ne + sides.Nd, nonEmbedding: sides.Ne + sides.Nd }
        : parameterCounts(model);
      const floor = encdec ? undefined : heldOutFloor(source, run.train, model.seqLen);
      const evalFloor = floor === undefined ? {} : { evalFloor: floor };
      if (states.get(run.name)?.status === "done") {
        results.push({
          name: run.name,
          outcome: "skipped",
          from: 0,
          steps: run.train.steps,
          params: counts.total,
          ...evalFloor,
        });
        continue;
      }
      const scheduleText = formatSchedule(schedule);
      const qat = qatPlan(run.train, run.train.steps);
      const tokensPerStep = run.train.batch * model.seqLen;
      const record: TrainerRunRecord = {
        name: run.name,
        source: `trainer:${config.name}`,
        kind: sides ? "encdec" : qat ? "qat" : "lm",
        ...(qat
          ? { bits: qat.bits, qatStart: qat.start, qatTokens: (run.train.steps - qat.start) * tokensPerStep }
          : {}),
        ...(sides ? { ne: sides.Ne, nd: sides.Nd } : {}),
        n: counts.total,
        nNonEmbedding: counts.nonEmbedding,
        d: run.train.steps * run.train.batch * model.seqLen,
        batchSize: run.train.batch * model.seqLen,
        seqLen: model.seqLen,
        peakLr: run.peakLr,
        schedule: scheduleText,
        seed: run.train.seed,
        backend: backend.name,
        config: {
          data: source.name,
          model: encdec ?? model,
          train: run.train,
          schedule: scheduleText,
          ...(run.encdec ? { task: { denoising: run.encdec.task } } : {}),
        },
        conventions: {
          params: sides ? "non-embedding" : "total",
          flops: config.flops ?? "6ND",
          lossUnit: "nats/token",
        },
      };
      const state = await beginTrainerRun(store, record);
      const ckpt = checkpointPath(options.db, run.name);
      const resume = loadCheckpoint(ckpt);
      const from = resume?.step ?? 0;
      done += from;
      let result: TrainResult;
      try {
        const trainHooks: TrainHooks = {
          ...(resume ? { resume } : {}),
          onStep: (step) => hooks.onProgress?.(done + step - from, total, run.name),
          onPoint: async (point) => {
            pointsAdded += await appendTrainerPoints(store, state.runId, [point]);
            hooks.afterPoint?.(pointsAdded);
          },
          onCheckpoint: (s) => saveCheckpoint(ckpt, s),
        };
        result = encdec
          ? await trainEncDec(
              { model: encdec, train: run.train, task: run.encdec!.task, schedule, source, backend },
              trainHooks,
              `${where}: ${run.name}`,
            )
          : await trainModel(
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
              trainHooks,
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
        ...evalFloor,
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
