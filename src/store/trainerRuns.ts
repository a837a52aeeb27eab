/**
 * Runs written by scalefit's own trainer: a run row created as "running" before its first step, each logged
 * point committed as it comes (one transaction each, so a killed sweep loses at most the point being
 * written), and the status set to "done" or "failed" at the end. A rerun finds its runs by name: a run
 * with another configuration under the same name is refused, points already stored are never rewritten.
 */
import type { DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { rows, transaction, type Store } from "./duckdb.js";
import type { TrainPoint } from "../types.js";
import { defaultConventions, gradientNoiseColumns } from "./schema.js";

/** A trainer run's metadata as stored in `runs`. */
export interface TrainerRunRecord {
  name: string;
  /** `trainer:<sweep name>`. */
  source: string;
  kind: string;
  /** Parameters under the run's convention (total by default). */
  n: number;
  nNonEmbedding: number;
  /** Planned training tokens. */
  d: number;
  /** Batch size in tokens (sequences × seqLen). */
  batchSize: number;
  seqLen: number;
  peakLr: number;
  /** Compact schedule text. */
  schedule: string;
  seed: number;
  backend: string;
  /** QAT runs: bits per weight, the last full-precision step and the QAT tokens (Dqat). */
  bits?: number;
  qatStart?: number;
  qatTokens?: number;
  /** Encoder-decoder runs: encoder and decoder parameters. */
  ne?: number;
  nd?: number;
  /** The full configuration (model, training, data source), compared on reruns. */
  config: Record<string, unknown>;
  conventions: Record<string, string>;
}

/** What the store knows of a run: its id, status and last stored step (0 when none). */
interface StoredRunState {
  runId: number;
  status: string;
  lastStep: number;
}

/** Canonical JSON (sorted keys) so configurations compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A stored run by name: id, status, configuration and last stored step (0 when it has no points). */
async function storedRun(
  store: Store,
  name: string,
): Promise<{ runId: number; status: string; config: string; lastStep: number } | undefined> {
  const found = (
    await rows(
      store,
      "SELECT r.run_id, r.status, r.config, (SELECT coalesce(max(step), 0) FROM points p WHERE p.run_id = r.run_id) AS last FROM runs r WHERE r.name = ?",
      [name],
    )
  )[0];
  return found
    ? {
        runId: found.run_id as number,
        status: String(found.status),
        config: String(found.config),
        lastStep: Number(found.last),
      }
    : undefined;
}

/**
 * Creates the run as "running", or finds it: a stored run of that name must have the same configuration
 * (it is the same run, resumed); its status and last stored step are returned.
 * @example const state = await beginTrainerRun(store, record)
 */
export async function beginTrainerRun(store: Store, record: TrainerRunRecord): Promise<StoredRunState> {
  const config = canonical(record.config);
  return transaction(store, async () => {
    const found = await storedRun(store, record.name);
    if (found) {
      if (canonical(JSON.parse(found.config)) !== config) {
        throw new UserError(
          `run ${record.name} is already stored with another configuration (rename the sweep, or use another --db)`,
        );
      }
      if (found.status !== "done") {
        await store.connection.run("UPDATE runs SET status = 'running', backend = ? WHERE run_id = ?", [
          record.backend,
          found.runId,
        ]);
      }
      return {
        runId: found.runId,
        status: found.status === "done" ? "done" : "running",
        lastStep: found.lastStep,
      };
    }
    const id = Number((await rows(store, "SELECT coalesce(max(run_id), 0) + 1 AS id FROM runs"))[0]!.id);
    await store.connection.run(
      `INSERT INTO runs (run_id, name, source, kind, n, n_nonembedding, d, batch_size, seq_len, peak_lr, schedule, seed, backend, bits, qat_start, qat_tokens, ne, nd, status, config, conventions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      [
        id,
        record.name,
        record.source,
        record.kind,
        record.n,
        record.nNonEmbedding,
        record.d,
        record.batchSize,
        record.seqLen,
        record.peakLr,
        record.schedule,
        record.seed,
        record.backend,
        record.bits ?? null,
        record.qatStart ?? null,
        record.qatTokens ?? null,
        record.ne ?? null,
        record.nd ?? null,
        config,
        JSON.stringify({ ...defaultConventions, ...record.conventions }),
      ] as DuckDBValue[],
    );
    return { runId: id, status: "running", lastStep: 0 };
  });
}

/**
 * Stores points of a run in one transaction, skipping steps the run already has (a resumed run recomputes
 * them identically). Returns how many were added.
 * @example await appendTrainerPoints(store, state.runId, [point])
 */
export async function appendTrainerPoints(
  store: Store,
  runId: number,
  points: readonly TrainPoint[],
): Promise<number> {
  return transaction(store, async () => {
    let added = 0;
    for (const p of points) {
      const result = await store.connection.run(
        `INSERT INTO points (run_id, step, tokens, flops, lr, train_loss, eval_loss, ${gradientNoiseColumns.join(", ")})
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM points WHERE run_id = ? AND step = ?)`,
        [
          runId,
          p.step,
          p.tokens,
          p.flops,
          p.lr,
          p.trainLoss,
          p.evalLoss ?? null,
          p.gradNoise?.smallBatch ?? null,
          p.gradNoise?.smallNorm2 ?? null,
          p.gradNoise?.bigBatch ?? null,
          p.gradNoise?.bigNorm2 ?? null,
          runId,
          p.step,
        ] as DuckDBValue[],
      );
      added += Number(result.rowsChanged);
    }
    return added;
  });
}

/**
 * Sets a run's final status ("done" or "failed").
 * @example await finishTrainerRun(store, state.runId, "done")
 */
export async function finishTrainerRun(
  store: Store,
  runId: number,
  status: "done" | "failed",
): Promise<void> {
  await store.connection.run("UPDATE runs SET status = ? WHERE run_id = ?", [status, runId]);
}

/**
 * Status and last stored step of the named runs (absent names are not in the map).
 * @example const states = await trainerRunStates(store, ["sweep/d=64"])
 */
export async function trainerRunStates(
  store: Store,
  names: readonly string[],
): Promise<Map<string, StoredRunState>> {
  const out = new Map<string, StoredRunState>();
  for (const name of names) {
    const found = await storedRun(store, name);
    if (found) out.set(name, { runId: found.runId, status: found.status, lastStep: found.lastStep });
  }
  return out;
}
