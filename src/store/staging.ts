import type { DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { defaultConventions, gradientNoiseColumns, runColumns } from "./schema.js";

/**
 * Every imported file goes through staging: a temporary table per file that importers fill (file formats
 * parsed in JS are appended) or a view over the file DuckDB reads itself (Parquet); SQL checks it row by row
 * against the rules of stagingChecks.ts and names the first offending row, and the checked files are then
 * merged into `runs` and `points` in the import's transaction.
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
  /** The file line of a staged row, where staged rows are numbered by record (large CSV read by DuckDB). */
  readonly lineOf?: (row: number) => number;
}

/**
 * A staged row as messages name it: `runs.csv line 12`.
 * @example rowAt({file: "runs.csv", rowWord: "line"}, 12) // "runs.csv line 12"
 */
export function rowAt(label: SourceLabel, row: unknown): string {
  return `${label.file} ${label.rowWord} ${label.lineOf ? label.lineOf(Number(row)) : row}`;
}

const numberColumns = ["step", "tokens", "flops", "lr", "train_loss", "eval_loss"] as const;
const metaNames = Object.keys(runColumns);
/** Run configuration and conventions as JSON text: staged from Parquet exports of trainer runs. */
export const runJsonColumns = ["config", "conventions"] as const;
const stagedNames = [...numberColumns, ...gradientNoiseColumns, ...metaNames, ...runJsonColumns];

type StagingColumn = (typeof numberColumns)[number] | keyof typeof runColumns;

/** A staging table of the session: its name and the columns it has besides source_row and run. */
export interface Staging {
  /** The table (or view) checks and merges read. */
  table: string;
  readonly columns: Set<string>;
  /** For a staged view: the name of the table it becomes when metadata is applied. */
  readonly view?: string;
}

function typeOf(column: string): string {
  if ((runJsonColumns as readonly string[]).includes(column)) return "VARCHAR";
  return (runColumns as Record<string, { type: string }>)[column]?.type ?? "DOUBLE";
}

/**
 * Creates (or replaces) a staging table with only the columns the file carries: empty columns would cost as
 * much to fill as full ones, and checks and merges read a missing column as NULL.
 */
async function createStaging(store: Store, table: string, columns: readonly string[]): Promise<Staging> {
  const kept = stagedNames.filter((c) => columns.includes(c));
  await store.connection.run(
    `CREATE OR REPLACE TEMP TABLE ${table} (source_row DOUBLE, run VARCHAR${kept.map((c) => `, ${c} ${typeOf(c)}`).join("")})`,
  );
  return { table, columns: new Set(kept) };
}

/**
 * Stages a query (a Parquet scan) as a view: checks and merges read the source itself. The view becomes a
 * table when a column must be added or changed (run metadata from --set or a sidecar).
 */
export async function createStagingView(
  store: Store,
  table: string,
  columns: readonly string[],
  select: string,
): Promise<Staging> {
  await store.connection.run(`CREATE OR REPLACE TEMP VIEW ${table}_source AS ${select}`);
  // Reading one row surfaces an unreadable file here rather than in the first check.
  await store.connection.run(`SELECT * FROM ${table}_source LIMIT 1`);
  return {
    table: `${table}_source`,
    columns: new Set(stagedNames.filter((c) => columns.includes(c))),
    view: table,
  };
}

/** Drops a staging table (and the view it came from). */
export async function dropStaging(store: Store, staging: Staging): Promise<void> {
  if (!staging.view) return void (await store.connection.run(`DROP TABLE IF EXISTS ${staging.table}`));
  await store.connection.run(`DROP TABLE IF EXISTS ${staging.view}`);
  await store.connection.run(`DROP VIEW IF EXISTS ${staging.view}_source`);
  // The rows a staged CSV view reads (stageDelimited).
  await store.connection.run(`DROP TABLE IF EXISTS ${staging.view}_rows`);
}

/** A staged view made a table, so that its rows can change. */
async function materialise(store: Store, staging: Staging): Promise<void> {
  if (!staging.view || staging.table === staging.view) return;
  await store.connection.run(
    `CREATE OR REPLACE TEMP TABLE ${staging.view} AS SELECT * FROM ${staging.table}`,
  );
  staging.table = staging.view;
}

/** Adds a column to a staging table (run metadata given by --set or a sidecar), a view becoming a table. */
export async function addStagingColumn(store: Store, staging: Staging, column: StagingColumn): Promise<void> {
  await materialise(store, staging);
  if (staging.columns.has(column)) return;
  await store.connection.run(`ALTER TABLE ${staging.table} ADD COLUMN ${column} ${typeOf(column)}`);
  staging.columns.add(column);
}

/**
 * Steps counted from 1 (a trainer's first update logged as step 1) read into the store's count from 0: every
 * staged step lowered by one, as `fit --step-base 1` reads a file. A row at step 0 would come before the first
 * update: refused, naming it. A view becomes a table first.
 * @example await shiftSteps(store, staging, { file: "log.csv", rowWord: "line" })
 */
export async function shiftSteps(store: Store, staging: Staging, label: SourceLabel): Promise<void> {
  if (!staging.columns.has("step")) return;
  const [zero] = await rows(
    store,
    `SELECT source_row, run FROM ${staging.table} WHERE step = 0 ORDER BY source_row LIMIT 1`,
  );
  if (zero)
    throw new UserError(
      `${rowAt(label, zero.source_row)}: with --step-base 1, step 0 of run ${String(zero.run)} comes before the first update: drop the row, or import the file with --step-base 0`,
    );
  await materialise(store, staging);
  await store.connection.run(`UPDATE ${staging.table} SET step = step - 1`);
}

/** A staging column in SQL, or a typed NULL when the table lacks it. */
export function staged(staging: Staging, column: string, alias = ""): string {
  return staging.columns.has(column) ? `${alias}${column}` : `CAST(NULL AS ${typeOf(column)})`;
}

/** Creates the staging table for rows parsed in JS and appends them. */
export async function appendStaged(store: Store, table: string, rows: StagedRows): Promise<Staging> {
  const n = rows.run.length;
  const numbers = numberColumns.filter((c) => rows[c].some((v) => !Number.isNaN(v)));
  const metas = metaNames.filter((c) =>
    rows.meta[c]?.some((v) => v !== undefined && !(typeof v === "number" && Number.isNaN(v))),
  );
  const staging = await createStaging(store, table, [...numbers, ...metas]);
  // Column-wise through data chunks: numbers are written into the chunk's buffers in JS and copied once per
  // chunk, instead of one native call per value.
  const { DOUBLE, DuckDBDataChunk, VARCHAR } = await import("@duckdb/node-api");
  const appender = await store.connection.createAppender(table, "main", "temp");
  const text = (c: string) => typeOf(c) === "VARCHAR";
  const types = [
    DOUBLE,
    VARCHAR,
    ...numbers.map(() => DOUBLE),
    ...metas.map((c) => (text(c) ? VARCHAR : DOUBLE)),
  ];
  const size = 2048;
  for (let start = 0; start < n; start += size) {
    const count = Math.min(size, n - start);
    const chunk = DuckDBDataChunk.create(types, count);
    const doubles = (column: number, values: ArrayLike<number>) => {
      const vector = chunk.getColumnVector(column);
      for (let i = 0; i < count; i++) {
        const v = values[start + i]!;
        vector.setItem(i, Number.isNaN(v) ? null : v);
      }
      vector.flush();
    };
    doubles(0, rows.sourceRow);
    const runs = chunk.getColumnVector(1);
    for (let i = 0; i < count; i++) runs.setItem(i, rows.run[start + i]!);
    runs.flush();
    numbers.forEach((c, k) => doubles(2 + k, rows[c]));
    metas.forEach((c, k) => {
      const values = rows.meta[c]!;
      const vector = chunk.getColumnVector(2 + numbers.length + k);
      for (let i = 0; i < count; i++) {
        const v = values[start + i];
        const missing = v === undefined || (typeof v === "number" && Number.isNaN(v));
        vector.setItem(i, missing ? null : text(c) ? String(v) : Number(v));
      }
      vector.flush();
    });
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
  return staging;
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
  staging: Staging,
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
  const t = staging.table;
  const has = staging.columns;
  const stagedMeta = metaNames.filter((m) => has.has(m));
  const s = (column: string) => staged(staging, column, "s.");
  const existing = (
    await rows(
      store,
      `SELECT count(*) AS n FROM (SELECT DISTINCT run FROM ${t}) s JOIN runs r ON r.name = s.run`,
    )
  )[0]!.n as number;
  // Metadata of runs that exist must agree with the file's (a status may move on from "running").
  for (const column of existing ? stagedMeta.filter((m) => m !== "status") : []) {
    const clash = (
      await rows(
        store,
        `SELECT s.source_row, s.run, s.${column} AS new, r.${column} AS old FROM ${t} s JOIN runs r ON r.name = s.run WHERE s.${column} IS NOT NULL AND r.${column} IS NOT NULL AND s.${column} IS DISTINCT FROM r.${column} ORDER BY s.source_row LIMIT 1`,
      )
    )[0];
    if (clash) {
      throw new UserError(
        `${rowAt(label, clash.source_row)}, column ${roleOf(column)}: run ${clash.run} is stored with ${roleOf(column)} = ${formatValue(clash.old)}, the file says ${formatValue(clash.new)}`,
      );
    }
  }
  // Steps a run already has must match exactly; they are then skipped.
  const conflict =
    existing > 0 &&
    (
      await rows(
        store,
        `SELECT s.source_row, s.run, ${s("step")} AS step FROM ${t} s JOIN runs r ON r.name = s.run JOIN points p ON p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM ${s("step")}
       WHERE p.train_loss IS DISTINCT FROM ${s("train_loss")} OR p.eval_loss IS DISTINCT FROM ${s("eval_loss")} OR p.lr IS DISTINCT FROM ${s("lr")} ORDER BY s.source_row LIMIT 1`,
      )
    )[0];
  if (conflict) {
    throw new UserError(
      `${rowAt(label, conflict.source_row)}: run ${conflict.run} already has step ${conflict.step ?? "(final)"} with other values`,
    );
  }
  const before = (await rows(store, "SELECT count(*) AS runs FROM runs"))[0]!.runs as number;
  const conventionsJson = JSON.stringify({ ...defaultConventions, ...conventions });
  const configJson = JSON.stringify(config);
  await c.run(
    `INSERT INTO runs (run_id, name, source, ${metaNames.join(", ")}, config, conventions)
     SELECT (SELECT coalesce(max(run_id), 0) FROM runs) + row_number() OVER (ORDER BY first_row), run, ?, ${metaNames.join(", ")}, coalesce(staged_config, ?), coalesce(staged_conventions, ?)
     FROM (SELECT run, min(source_row) AS first_row, ${metaNames.map((m) => `any_value(${staged(staging, m)}) AS ${m}`).join(", ")},
                  any_value(${staged(staging, "config")}) AS staged_config, any_value(${staged(staging, "conventions")}) AS staged_conventions
           FROM ${t} WHERE run NOT IN (SELECT name FROM runs) GROUP BY run)`,
    [source, configJson, conventionsJson] as DuckDBValue[],
  );
  if (existing && has.has("status")) {
    await c.run(
      `UPDATE runs SET status = s.value FROM (SELECT run, any_value(status) AS value FROM ${t} GROUP BY run) s WHERE runs.name = s.run AND runs.status = 'running' AND s.value IS NOT NULL`,
    );
  }
  // Fill metadata a stored run lacked.
  for (const column of existing ? stagedMeta : []) {
    await c.run(
      `UPDATE runs SET ${column} = s.value FROM (SELECT run, any_value(${column}) AS value FROM ${t} GROUP BY run) s WHERE runs.name = s.run AND runs.${column} IS NULL AND s.value IS NOT NULL`,
    );
  }
  const after = (await rows(store, "SELECT count(*) AS runs FROM runs"))[0]!.runs as number;
  if (!existing) {
    // Only new runs: every staged row is a new point.
    const inserted = await c.run(insertPoints(staging, { newStepsOnly: false }));
    return {
      runsAdded: after - before,
      runsExtended: 0,
      pointsAdded: Number(inserted.rowsChanged),
      pointsAlreadyStored: 0,
    };
  }
  const stored = (
    await rows(
      store,
      `SELECT count(*) AS n FROM ${t} s JOIN runs r ON r.name = s.run JOIN points p ON p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM ${s("step")}`,
    )
  )[0]!.n as number;
  const extended = (
    await rows(
      store,
      `SELECT count(DISTINCT s.run) AS n FROM ${t} s JOIN runs r ON r.name = s.run WHERE r.run_id <= ? AND ${stepIsNew(staging)}`,
      [before],
    )
  )[0]!.n as number;
  const inserted = await c.run(insertPoints(staging, { newStepsOnly: true }));
  return {
    runsAdded: after - before,
    runsExtended: extended,
    pointsAdded: Number(inserted.rowsChanged),
    pointsAlreadyStored: stored,
  };
}

/** SQL true when a staged row's step is not yet stored for its run (staged rows `s`, runs `r`). */
function stepIsNew(staging: Staging): string {
  return `NOT EXISTS (SELECT 1 FROM points p WHERE p.run_id = r.run_id AND p.step IS NOT DISTINCT FROM ${staged(staging, "step", "s.")})`;
}

/**
 * The statement inserting staged rows into points: every row, or (`newStepsOnly`) only the steps their runs
 * do not have yet, in file order.
 */
function insertPoints(staging: Staging, { newStepsOnly }: { newStepsOnly: boolean }): string {
  const s = (column: string) => staged(staging, column, "s.");
  const only = newStepsOnly ? ` WHERE ${stepIsNew(staging)} ORDER BY s.source_row` : "";
  return `INSERT INTO points (run_id, step, tokens, flops, lr, train_loss, eval_loss, ${gradientNoiseColumns.join(", ")}) SELECT r.run_id, CAST(${s("step")} AS BIGINT), ${s("tokens")}, ${s("flops")}, ${s("lr")}, ${s("train_loss")}, ${s("eval_loss")}, ${gradientNoiseColumns.map(s).join(", ")} FROM ${staging.table} s JOIN runs r ON r.name = s.run${only}`;
}

/** The command-line role of a database column. */
export function roleOf(column: string): string {
  if (column === "train_loss") return "loss";
  const meta = runColumns[column as keyof typeof runColumns];
  return meta ? meta.role : column;
}

/** A staged value as messages show it: numbers as they are, text quoted, a missing value as `(empty)`. */
export function formatValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (value === null || value === undefined) return "(empty)";
  return JSON.stringify(value);
}
