import type { DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { defaultConventions, runColumns } from "./schema.js";

/**
 * Every import goes through one staging table: importers fill it (file formats parsed in JS are appended,
 * Parquet is read by DuckDB itself), SQL checks it row by row against the rules below and names the first
 * offending row, then it is merged into `runs` and `points` in the import's transaction.
 */

/** Staged rows in JS: one entry per file row/record; NaN marks a missing number. */
export interface StagedRows {
  /** Line (text files), row (tables) or record number of each row, for messages. */
  readonly sourceRow: Float64Array;
  readonly run: readonly string[];
  readonly step: Float64Array;
  readonly tokens: Float64Array;
  readonly flops: Float64Array;
  readonly lr: Float64Array;
  readonly train_loss: Float64Array;
  readonly eval_loss: Float64Array;
  /** Run metadata by database column (n, d, kind, …), one value per row. */
  readonly meta: Readonly<Record<string, readonly (number | string | undefined)[]>>;
}

/** How messages name a staged row: `file line 12`, `file row 12`, `file record 12`. */
export interface SourceLabel {
  readonly file: string;
  readonly rowWord: "line" | "row" | "record";
}

const numberColumns = ["step", "tokens", "flops", "lr", "train_loss", "eval_loss"] as const;
const metaNames = Object.keys(runColumns);

/** Creates (or empties) the session's staging table. */
export async function createStaging(store: Store): Promise<void> {
  await store.connection.run(
    `CREATE OR REPLACE TEMP TABLE staging (source_row DOUBLE, run VARCHAR, ${numberColumns.map((c) => `${c} DOUBLE`).join(", ")}, ${metaNames
      .map((c) => `${c} ${runColumns[c as keyof typeof runColumns].type}`)
      .join(", ")})`,
  );
}

/** Appends rows parsed in JS to the staging table. */
export async function appendStaged(store: Store, staged: StagedRows): Promise<void> {
  const appender = await store.connection.createAppender("staging", "main", "temp");
  const n = staged.run.length;
  const number = (v: number) => (Number.isNaN(v) ? appender.appendNull() : appender.appendDouble(v));
  const metaColumns = metaNames.map((name) => staged.meta[name]);
  for (let i = 0; i < n; i++) {
    appender.appendDouble(staged.sourceRow[i]!);
    appender.appendVarchar(staged.run[i]!);
    number(staged.step[i]!);
    number(staged.tokens[i]!);
    number(staged.flops[i]!);
    number(staged.lr[i]!);
    number(staged.train_loss[i]!);
    number(staged.eval_loss[i]!);
    metaNames.forEach((name, c) => {
      const v = metaColumns[c]?.[i];
      if (v === undefined || (typeof v === "number" && Number.isNaN(v))) appender.appendNull();
      else if (runColumns[name as keyof typeof runColumns].type === "VARCHAR")
        appender.appendVarchar(String(v));
      else appender.appendDouble(Number(v));
    });
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

/**
 * Checks the staged rows and throws a `UserError` naming the first bad one: losses finite and positive,
 * learning rates finite and non-negative, steps whole and increasing within a run (no duplicates), tokens not
 * fewer than steps (tokens must count tokens), sizes positive, run metadata constant within a run, and every
 * row carrying a loss or a learning rate.
 */
export async function checkStaged(store: Store, label: SourceLabel): Promise<void> {
  const where = (row: unknown, column: string) => `${label.file} ${label.rowWord} ${row}, column ${column}`;
  const first = async (sql: string): Promise<Record<string, unknown> | undefined> =>
    (await rows(store, `${sql} ORDER BY source_row LIMIT 1`))[0];
  const count = (await rows(store, "SELECT count(*) AS n FROM staging"))[0]!.n as number;
  if (count === 0) throw new UserError(`${label.file} has no data rows`);
  for (const column of ["train_loss", "eval_loss"]) {
    const bad = await first(
      `SELECT source_row, ${column} AS value FROM staging WHERE ${column} IS NOT NULL AND NOT (isfinite(${column}) AND ${column} > 0)`,
    );
    if (bad)
      throw new UserError(
        `${where(bad.source_row, column === "train_loss" ? "loss" : column)}: ${formatValue(bad.value)} is not a positive finite loss`,
      );
  }
  const lr = await first(
    "SELECT source_row, lr AS value FROM staging WHERE lr IS NOT NULL AND NOT (isfinite(lr) AND lr >= 0)",
  );
  if (lr)
    throw new UserError(
      `${where(lr.source_row, "lr")}: learning rate ${formatValue(lr.value)} is ${Number(lr.value) < 0 ? "negative" : "not a finite number"}`,
    );
  const step = await first(
    "SELECT source_row, step AS value FROM staging WHERE step IS NOT NULL AND NOT (isfinite(step) AND step >= 0 AND step = floor(step))",
  );
  if (step)
    throw new UserError(
      `${where(step.source_row, "step")}: ${formatValue(step.value)} is not a whole number of steps`,
    );
  for (const column of [
    "tokens",
    "flops",
    ...metaNames.filter((c) => runColumns[c as keyof typeof runColumns].type === "DOUBLE"),
  ]) {
    const bad = await first(
      `SELECT source_row, ${column} AS value FROM staging WHERE ${column} IS NOT NULL AND NOT (isfinite(${column}) AND ${column} ${column === "seed" || column === "qat_start" ? ">=" : ">"} 0)`,
    );
    if (bad)
      throw new UserError(
        `${where(bad.source_row, roleOf(column))}: ${formatValue(bad.value)} is not a positive finite number`,
      );
  }
  const empty = await first(
    "SELECT source_row FROM staging WHERE train_loss IS NULL AND eval_loss IS NULL AND lr IS NULL",
  );
  if (empty)
    throw new UserError(`${where(empty.source_row, "loss")}: the row has no loss and no learning rate`);
  const order = await first(
    `SELECT source_row, run, step, previous FROM (SELECT source_row, run, step, lag(step) OVER (PARTITION BY run ORDER BY source_row) AS previous FROM staging) WHERE step <= previous`,
  );
  if (order) {
    throw new UserError(
      `${where(order.source_row, "step")}: step ${order.step} of run ${order.run} ${order.step === order.previous ? "is duplicated" : `comes after step ${order.previous}`} (steps must increase within a run)`,
    );
  }
  const unsteppedRepeat = await first(
    `SELECT source_row, run FROM (SELECT source_row, run, count(*) OVER (PARTITION BY run) AS n, count(step) OVER (PARTITION BY run) AS stepped FROM staging) WHERE n > 1 AND stepped < n`,
  );
  if (unsteppedRepeat) {
    throw new UserError(
      `${where(unsteppedRepeat.source_row, "step")}: run ${unsteppedRepeat.run} has several rows, so every row needs a step`,
    );
  }
  const units = await first(
    "SELECT source_row, tokens, step FROM staging WHERE tokens IS NOT NULL AND step IS NOT NULL AND tokens < step",
  );
  if (units) {
    throw new UserError(
      `${where(units.source_row, "tokens")}: ${formatValue(units.tokens)} tokens at step ${units.step}: fewer tokens than steps (is the column a step count?)`,
    );
  }
  for (const column of metaNames) {
    const bad = await first(
      `SELECT source_row, run, ${column} AS value, reference FROM (SELECT source_row, run, ${column}, first(${column}) OVER (PARTITION BY run ORDER BY source_row ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS reference FROM staging) WHERE ${column} IS DISTINCT FROM reference`,
    );
    if (bad) {
      throw new UserError(
        `${where(bad.source_row, roleOf(column))}: run ${bad.run} has ${roleOf(column)} = ${formatValue(bad.reference)} on its first row and ${formatValue(bad.value)} here (run metadata must not change within a run)`,
      );
    }
  }
}

/** What an import added. */
export interface MergeResult {
  readonly runsAdded: number;
  readonly runsExtended: number;
  readonly pointsAdded: number;
  readonly pointsAlreadyStored: number;
}

/**
 * Merges the staged rows into runs and points: new runs are created; a run that exists gets only its new
 * steps (steps it already has must carry the same values, and metadata must agree). Runs inside the
 * caller's transaction.
 */
export async function mergeStaged(
  store: Store,
  {
    source,
    label,
    conventions = {},
    config = {},
  }: {
    source: string;
    label: SourceLabel;
    conventions?: Record<string, string>;
    config?: Record<string, unknown>;
  },
): Promise<MergeResult> {
  const c = store.connection;
  // Metadata of runs that exist must agree with the file's.
  for (const column of metaNames) {
    const clash = (
      await rows(
        store,
        `SELECT s.source_row, s.run, s.${column} AS new, r.${column} AS old FROM staging s JOIN runs r ON r.name = s.run WHERE s.${column} IS NOT NULL AND r.${column} IS NOT NULL AND s.${column} IS DISTINCT FROM r.${column} ORDER BY s.source_row LIMIT 1`,
      )
    )[0];
    if (clash) {
      throw new UserError(
        `${label.file} ${label.rowWord} ${clash.source_row}, column ${roleOf(column)}: run ${clash.run} is stored with ${roleOf(column)} = ${formatValue(clash.old)}, the file says ${formatValue(clash.new)}`,
      );
    }
  }
  // Steps a run already has must match exactly; they are then skipped.
  const conflict = (
    await rows(
      store,
      `SELECT s.source_row, s.run, s.step FROM staging s JOIN runs r ON r.name = s.run JOIN points p ON p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM s.step
       WHERE p.train_loss IS DISTINCT FROM s.train_loss OR p.eval_loss IS DISTINCT FROM s.eval_loss OR p.lr IS DISTINCT FROM s.lr ORDER BY s.source_row LIMIT 1`,
    )
  )[0];
  if (conflict) {
    throw new UserError(
      `${label.file} ${label.rowWord} ${conflict.source_row}: run ${conflict.run} already has step ${conflict.step ?? "(final)"} with other values`,
    );
  }
  const before = (await rows(store, "SELECT count(*) AS runs FROM runs"))[0]!.runs as number;
  const conventionsJson = JSON.stringify({ ...defaultConventions, ...conventions });
  const configJson = JSON.stringify(config);
  await c.run(
    `INSERT INTO runs (run_id, name, source, ${metaNames.join(", ")}, config, conventions)
     SELECT (SELECT coalesce(max(run_id), 0) FROM runs) + row_number() OVER (ORDER BY first_row), run, ?, ${metaNames.join(", ")}, ?, ?
     FROM (SELECT run, min(source_row) AS first_row, ${metaNames.map((m) => `first(${m} ORDER BY source_row) FILTER (WHERE ${m} IS NOT NULL) AS ${m}`).join(", ")}
           FROM staging WHERE run NOT IN (SELECT name FROM runs) GROUP BY run)`,
    [source, configJson, conventionsJson] as DuckDBValue[],
  );
  // Fill metadata a stored run lacked.
  for (const column of metaNames) {
    await c.run(
      `UPDATE runs SET ${column} = s.value FROM (SELECT run, first(${column} ORDER BY source_row) FILTER (WHERE ${column} IS NOT NULL) AS value FROM staging GROUP BY run) s WHERE runs.name = s.run AND runs.${column} IS NULL AND s.value IS NOT NULL`,
    );
  }
  const after = (await rows(store, "SELECT count(*) AS runs FROM runs"))[0]!.runs as number;
  const stored = (
    await rows(
      store,
      `SELECT count(*) AS n FROM staging s JOIN runs r ON r.name = s.run JOIN points p ON p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM s.step`,
    )
  )[0]!.n as number;
  const extended = (
    await rows(
      store,
      `SELECT count(DISTINCT s.run) AS n FROM staging s JOIN runs r ON r.name = s.run WHERE r.run_id <= ? AND NOT EXISTS (SELECT 1 FROM points p WHERE p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM s.step)`,
      [before],
    )
  )[0]!.n as number;
  const inserted = await c.run(
    `INSERT INTO points SELECT r.run_id, CAST(s.step AS BIGINT), s.tokens, s.flops, s.lr, s.train_loss, s.eval_loss
     FROM staging s JOIN runs r ON r.name = s.run
     WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM s.step)
     ORDER BY s.source_row`,
  );
  return {
    runsAdded: after - before,
    runsExtended: extended,
    pointsAdded: Number(inserted.rowsChanged),
    pointsAlreadyStored: stored,
  };
}

/** The command-line role of a database column. */
export function roleOf(column: string): string {
  if (column === "train_loss") return "loss";
  const meta = runColumns[column as keyof typeof runColumns];
  return meta ? meta.role : column;
}

function formatValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (value === null || value === undefined) return "(empty)";
  return JSON.stringify(value);
}
