import { createHash, type Hash } from "node:crypto";
import { UserError } from "../errors.js";
import type { Observations } from "../dataTypes.js";
import type { GradientNoise } from "../types.js";
import { rows, type Store } from "./duckdb.js";
import { gradientNoiseColumns, runColumns } from "./schema.js";
import { whereClause } from "./where.js";

/**
 * The runs of a store with their point counts, steps and last losses, filtered by `--where` filters.
 * @example await listRuns(store, ["kind=lm"])
 */
export async function listRuns(
  store: Store,
  filters: readonly string[] = [],
): Promise<Record<string, unknown>[]> {
  const where = whereClause(filters);
  // Points summed per run before the join with the runs (0.3 s instead of 3.6 s for 2,000 runs of 5,000
  // points: grouping the join by every run column costs more than the sums). A filter on points (step,
  // tokens) keeps the runs that have such points, counted over those only.
  return rows(
    store,
    `WITH summed AS (
       SELECT p.run_id, count(*) AS points, min(p.step) AS first_step, max(p.step) AS last_step,
              arg_max(p.train_loss, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.train_loss IS NOT NULL) AS last_train_loss,
              arg_max(p.eval_loss, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.eval_loss IS NOT NULL) AS last_eval_loss
       FROM points p JOIN runs r ON r.run_id = p.run_id WHERE ${where.sql} GROUP BY p.run_id)
     SELECT r.run_id, r.name, r.source, ${Object.keys(runColumns)
       .map((c) => `r.${c}`)
       .join(", ")}, r.conventions, coalesce(s.points, 0) AS points, s.first_step, s.last_step,
            s.last_train_loss, s.last_eval_loss
     FROM runs r LEFT JOIN summed s ON s.run_id = r.run_id
     WHERE ${where.onPoints ? "s.run_id IS NOT NULL" : where.sql} ORDER BY r.run_id`,
    where.onPoints ? where.values : [...where.values, ...where.values],
  );
}

/** Final losses of runs, and which loss each one used. */
export interface FinalLosses {
  readonly observations: Observations;
  /** Runs whose last logged eval loss was used, and runs that had only train loss. */
  readonly usedEval: number;
  readonly usedTrain: number;
  readonly digest: string;
}

/**
 * One observation per run for a law on final losses: each run's last logged eval loss (its train loss when
 * it has no eval loss), with N from the run and D from that point's tokens, else the run's D; C = 6ND when
 * the law needs C. Runs that lack an input the law needs are an error naming one.
 * @example const {observations} = await finalLosses(store, ["N", "D"], ["kind=lm"])
 */
export async function finalLosses(
  store: Store,
  inputs: readonly string[],
  filters: readonly string[] = [],
): Promise<FinalLosses> {
  const where = whereClause(filters);
  const result = await rows(
    store,
    `WITH chosen AS (
       SELECT r.run_id, r.name, r.n, r.n_nonembedding, r.d, r.ne, r.nd, r.batch_size, r.peak_lr, r.bits, r.unique_tokens, r.qat_tokens,
              arg_max(p.eval_loss, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.eval_loss IS NOT NULL) AS eval_loss,
              arg_max(p.train_loss, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.train_loss IS NOT NULL) AS train_loss,
              arg_max(p.tokens, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.eval_loss IS NOT NULL OR p.train_loss IS NOT NULL) AS tokens,
              arg_max(p.flops, coalesce(p.step, 9223372036854775807)) FILTER (WHERE p.eval_loss IS NOT NULL OR p.train_loss IS NOT NULL) AS flops,
              max(p.step) AS step
       FROM runs r JOIN points p ON p.run_id = r.run_id
       WHERE ${where.sql}
       GROUP BY ALL)
     SELECT * FROM chosen WHERE eval_loss IS NOT NULL OR train_loss IS NOT NULL ORDER BY run_id`,
    where.values,
  );
  if (result.length === 0)
    throw new UserError(
      `${store.path}: no run with a loss matches ${filters.length ? filters.join(" and ") : "(no filter)"}`,
    );
  const value = (row: Record<string, unknown>, name: string): number => {
    switch (name) {
      case "N":
        return num(row.n);
      case "Nnonembedding":
        return num(row.n_nonembedding);
      case "D":
        return Number.isFinite(num(row.tokens)) ? num(row.tokens) : num(row.d);
      case "C": {
        if (Number.isFinite(num(row.flops))) return num(row.flops);
        return 6 * num(row.n) * value(row, "D");
      }
      case "Ne":
        return num(row.ne);
      case "Nd":
        return num(row.nd);
      case "B":
        return num(row.batch_size);
      case "lr":
        return num(row.peak_lr);
      case "S":
        return num(row.step);
      case "bits":
        return num(row.bits);
      case "U":
        return num(row.unique_tokens);
      case "Dqat":
        return Number.isFinite(num(row.qat_tokens)) ? num(row.qat_tokens) : 0;
      case "Dfp":
        return value(row, "D") - value(row, "Dqat");
      default:
        throw new UserError(`law input ${name} is not stored in runs or points`);
    }
  };
  const columns: Record<string, Float64Array> = {};
  for (const name of inputs) {
    const column = Float64Array.from(result, (row) => value(row, name));
    const missing = column.findIndex((v) => !Number.isFinite(v));
    if (missing >= 0) {
      const how: Record<string, string> = {
        C: "a flops column, or N and D (--set N=…, and a tokens column or --set D=…)",
        D: "a tokens column or --set D=…",
        Dfp: "D (a tokens column or --set D=…) and its QAT tokens (a Dqat column or --set Dqat=…)",
        U: "a U column (unique tokens) or --set U=…",
        S: "a step column",
        lr: "a peakLr column or --set peakLr=…",
      };
      throw new UserError(
        `run ${result[missing]!.name} in ${store.path} has no ${name} (import it with ${how[name] ?? `--set ${name}=…`})`,
      );
    }
    columns[name] = column;
  }
  let usedEval = 0;
  const loss = Float64Array.from(result, (row) => {
    if (row.eval_loss !== null && row.eval_loss !== undefined) {
      usedEval++;
      return num(row.eval_loss);
    }
    return num(row.train_loss);
  });
  const observations = { inputs: columns, loss, run: result.map((row) => String(row.name)) };
  return {
    observations,
    usedEval,
    usedTrain: result.length - usedEval,
    digest: observationsDigest(observations),
  };
}

/**
 * A content digest of the data a fit reads from the store (inputs, losses, run names, schedules): the same
 * data give the same digest whatever else the database holds.
 * @example observationsDigest({inputs: {N: Float64Array.of(1e8)}, loss: Float64Array.of(3.1)})
 */
export function observationsDigest(observations: Observations): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(observations.inputs).sort()) {
    hash.update(name);
    hash.update(float64Bytes(observations.inputs[name]!));
  }
  hash.update(float64Bytes(observations.loss));
  hashJsonStrings(hash, observations.run ?? []);
  for (const [run, lr] of Object.entries(observations.schedules ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(run);
    hash.update(float64Bytes(lr));
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The bytes of the values as doubles, without a copy when they already are a Float64Array. */
function float64Bytes(values: ArrayLike<number>): Uint8Array {
  const doubles = values instanceof Float64Array ? values : Float64Array.from(values);
  return new Uint8Array(doubles.buffer, doubles.byteOffset, doubles.byteLength);
}

/**
 * Hashes exactly the bytes of `JSON.stringify(strings)` in pieces, so 1e7 run names never become one string;
 * a name repeated on consecutive points (a run's points) is escaped once.
 */
function hashJsonStrings(hash: Hash, strings: readonly string[]): void {
  let piece = "[";
  let last: string | undefined;
  let escaped = "";
  for (let i = 0; i < strings.length; i++) {
    if (strings[i] !== last) escaped = JSON.stringify((last = strings[i]!));
    piece += i === 0 ? escaped : `,${escaped}`;
    if (piece.length > 1 << 20) {
      hash.update(piece);
      piece = "";
    }
  }
  hash.update(piece + "]");
}

/**
 * Whole curves for a curve law: every point with a loss (train loss, or eval loss with `lossKind: "eval"`),
 * and each run's LR at every step — from its stored points' `lr` (which must cover every step from 0) or its
 * stored schedule text. The caller turns schedule texts into dense LRs.
 * @example await storedCurves(store, ["run~25M/*"])
 */
async function storedCurves(
  store: Store,
  filters: readonly string[] = [],
  { lossKind = "train" as "train" | "eval", extraInputs = [] as readonly string[] } = {},
): Promise<{
  runs: { name: string; schedule: string | null; lr: Float64Array | null; N: number }[];
  points: { run: string; step: number; loss: number }[];
}> {
  const where = whereClause(filters);
  const runRows = await rows(
    store,
    `SELECT DISTINCT r.run_id, r.name, r.schedule, r.n FROM runs r JOIN points p ON p.run_id = r.run_id WHERE ${where.sql} ORDER BY r.run_id`,
    where.values,
  );
  if (runRows.length === 0)
    throw new UserError(
      `${store.path}: no run matches ${filters.length ? filters.join(" and ") : "(no filter)"}`,
    );
  const runs = [];
  for (const r of runRows) {
    const lrRows = await rows(
      store,
      "SELECT step, lr FROM points WHERE run_id = ? AND lr IS NOT NULL ORDER BY step",
      [r.run_id as number],
    );
    let lr: Float64Array | null = null;
    if (lrRows.length && lrRows.every((row, k) => row.step === k))
      lr = Float64Array.from(lrRows, (row) => num(row.lr));
    for (const input of extraInputs)
      if (input === "N" && !Number.isFinite(num(r.n))) throw new UserError(`run ${r.name} has no N`);
    runs.push({ name: String(r.name), schedule: (r.schedule as string | null) ?? null, lr, N: num(r.n) });
  }
  const pointRows = await loggedLosses(store, filters, { loss: lossKind });
  return {
    runs,
    points: pointRows.map((row) => ({ run: String(row.run), step: num(row.step), loss: num(row.loss) })),
  };
}

/**
 * The points of a batch-size sweep for law `bcrit`: every logged loss (train, or eval with `lossKind`) of the
 * filtered runs with the run's batch size (tokens per step) and the gradient norms measured at the point, if
 * any; a run without a batch size is an error naming it.
 * @example await sweepFromStore(store, ["run~bsz/*"])
 */
export async function sweepFromStore(
  store: Store,
  filters: readonly string[] = [],
  { lossKind = "train" }: { lossKind?: "train" | "eval" } = {},
): Promise<{ run: string; B: number; step: number; loss: number; noise?: GradientNoise }[]> {
  const result = await loggedLosses(store, filters, {
    loss: lossKind,
    columns: ["r.batch_size AS B", ...gradientNoiseColumns.map((c) => `p.${c}`)],
  });
  if (result.length === 0)
    throw new UserError(
      `${store.path}: no run with ${lossKind} losses at logged steps matches ${filters.length ? filters.join(" and ") : "(no filter)"}`,
    );
  const missing = result.find((row) => !(num(row.B) > 0));
  if (missing)
    throw new UserError(
      `run ${missing.run} in ${store.path} has no batch size (import it with --set B=<tokens per step>)`,
    );
  return result.map((row) => {
    const point = { run: String(row.run), B: num(row.B), step: num(row.step), loss: num(row.loss) };
    if (!gradientNoiseColumns.every((c) => row[c] !== null && row[c] !== undefined)) return point;
    const [smallBatch, smallNorm2, bigBatch, bigNorm2] = gradientNoiseColumns.map((c) => num(row[c]));
    return {
      ...point,
      noise: { smallBatch: smallBatch!, smallNorm2: smallNorm2!, bigBatch: bigBatch!, bigNorm2: bigNorm2! },
    };
  });
}

/** The loss a logged point contributes: its train loss, its eval loss, or the eval loss where one was logged. */
const lossSql = {
  train: "p.train_loss",
  eval: "p.eval_loss",
  "eval, else train": "coalesce(p.eval_loss, p.train_loss)",
} as const;

/**
 * The logged losses of the filtered runs, by run (in run order) and step: `run` (the name), `step`, `loss` and
 * the extra `columns`, for points with that loss and a non-null `at` (the step, unless told otherwise).
 */
async function loggedLosses(
  store: Store,
  filters: readonly string[],
  {
    loss,
    columns = [],
    at = "p.step",
  }: { loss: keyof typeof lossSql; columns?: readonly string[]; at?: string },
): Promise<Record<string, unknown>[]> {
  const where = whereClause(filters);
  const value = lossSql[loss];
  return rows(
    store,
    `SELECT r.name AS run, ${columns.map((c) => `${c}, `).join("")}p.step, ${value} AS loss FROM runs r JOIN points p ON p.run_id = r.run_id
     WHERE ${where.sql} AND ${value} IS NOT NULL AND ${at} IS NOT NULL ORDER BY r.run_id, p.step`,
    where.values,
  );
}

function num(value: unknown): number {
  return value === null || value === undefined ? NaN : Number(value);
}

/**
 * Observations for a curve law from the store (see `storedCurves`): the LR at every step comes from the
 * stored `lr` points or the run's schedule text, and logged LRs must agree with the schedule.
 * @example const data = await curvesFromStore(store, ["run~25M/*"], {inputs: ["step"]})
 */
export async function curvesFromStore(
  store: Store,
  filters: readonly string[],
  { inputs = ["step"] as readonly string[], lossKind = "train" as "train" | "eval" } = {},
): Promise<Observations> {
  const extra = inputs.filter((name) => name !== "step");
  const { runs, points } = await storedCurves(store, filters, { lossKind, extraInputs: extra });
  const { parseSchedule } = await import("../schedules/parseSchedule.js");
  const { denseSchedule } = await import("../schedules/schedule.js");
  // By run name through a Map: a run named __proto__ keeps its schedule (an assignment would not).
  const schedules = new Map<string, Float64Array>();
  const sizes = new Map<string, number>();
  for (const run of runs) {
    sizes.set(run.name, run.N);
    if (run.schedule) {
      const lr = denseSchedule(parseSchedule(run.schedule));
      const logged = await rows(
        store,
        "SELECT p.step, p.lr FROM points p JOIN runs r ON r.run_id = p.run_id WHERE r.name = ? AND p.lr IS NOT NULL",
        [run.name],
      );
      for (const row of logged) {
        const step = Number(row.step);
        const expected = lr[step];
        if (
          expected === undefined ||
          Math.abs(Number(row.lr) - expected) > 1e-9 * Math.max(Math.abs(expected), 1e-12) + 1e-15
        ) {
          throw new UserError(
            `run ${run.name}: the stored learning rate ${row.lr} at step ${step} differs from its schedule's ${expected}`,
          );
        }
      }
      schedules.set(run.name, lr);
    } else if (run.lr) schedules.set(run.name, run.lr);
    else
      throw new UserError(
        `run ${run.name} has neither a schedule nor its learning rate at every step (import it with --set schedule=… or with schedule-only rows)`,
      );
  }
  const n = points.length;
  return {
    inputs: {
      step: Float64Array.from(points, (p) => p.step),
      ...(extra.includes("N") ? { N: Float64Array.from(points, (p) => sizes.get(p.run)!) } : {}),
    },
    loss: Float64Array.from(points, (p) => p.loss),
    run: points.map((p) => p.run),
    schedules: Object.fromEntries(schedules),
    ...(n === 0 ? {} : {}),
  };
}

/**
 * Each filtered run's logged losses against tokens seen (the step where tokens are not logged): the eval loss
 * where one was logged, else the training loss — or only the training or only the eval losses with `loss`,
 * which is how a report draws them (as separate series).
 * @example const curves = await lossCurves(store, ["run~kjv/*"], { loss: "eval" }) // [{run, tokens: [...], loss: [...]}]
 */
export async function lossCurves(
  store: Store,
  filters: readonly string[] = [],
  { loss = "eval, else train" }: { loss?: keyof typeof lossSql } = {},
): Promise<{ run: string; tokens: number[]; loss: number[] }[]> {
  const points = await loggedLosses(store, filters, {
    loss,
    columns: ["p.tokens"],
    at: "coalesce(p.tokens, p.step)",
  });
  const byRun = new Map<string, { run: string; tokens: number[]; loss: number[] }>();
  for (const p of points) {
    const name = String(p.run);
    let curve = byRun.get(name);
    if (!curve) byRun.set(name, (curve = { run: name, tokens: [], loss: [] }));
    curve.tokens.push(Number(p.tokens ?? p.step));
    curve.loss.push(Number(p.loss));
  }
  return [...byRun.values()];
}
