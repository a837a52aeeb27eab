import { basename, extname } from "node:path";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { lossTarget, pointRoles, stagedNumber, type LossKind } from "./importers/table.js";
import { runColumns } from "./schema.js";
import type { SourceLabel, Staging } from "./staging.js";

/** What staging a large text file needs of the import's options. */
export interface TextRowOptions {
  readonly map?: Readonly<Record<string, string>>;
  readonly run?: string;
  readonly lossKind?: LossKind;
}

/** A large text file as DuckDB reads it. */
export interface TextRows {
  /** Its column names, in the order messages list them. */
  readonly header: readonly string[];
  /** SQL whose columns c0, c1, … are the header's cells as text (NULL when missing or empty), in file order. */
  readonly scan: string;
  /** How messages name its rows (its `lineOf` turns a record number into a file line). */
  readonly label: SourceLabel;
  /** DuckDB's error reading the file, as one line. */
  readonly malformed: (error: unknown) => Error;
}

/**
 * Runs a `CREATE TABLE … AS` whose rows keep the order they are read in (the store lets bulk inserts reorder
 * them; here a row's position must be its record number); a failure is `malformed`'s one line.
 * @example await inFileOrder(store, "CREATE TEMP TABLE t AS SELECT * FROM read_csv('x.csv')", (e) => new Error(String(e)))
 */
export async function inFileOrder(
  store: Store,
  sql: string,
  malformed: (error: unknown) => Error,
): Promise<void> {
  try {
    await store.connection.run("SET preserve_insertion_order = true");
    await store.connection.run(sql);
  } catch (error) {
    throw malformed(error);
  } finally {
    await store.connection.run("SET preserve_insertion_order = false");
  }
}

/** A SQL string literal. */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Stages the rows of a large text file (CSV, TSV, JSONL) that DuckDB reads: `scan` gives every cell as text,
 * in file order, into a temporary table (so a row's position is its record number), each number cell cast
 * there; the few cells the cast and the strict decimal reader might judge differently (not a number to DuckDB, infinite, NaN, `1_000`,
 * `+-1`) are judged in JS by `stagedNumber`, exactly as `tableToStaged` judges every cell of a small file.
 * The staging view numbers rows by record; its label turns a record into its file line for messages.
 * @example await stageTextRows(store, "staging_0", { header, scan, label, malformed }, {})
 */
export async function stageTextRows(
  store: Store,
  table: string,
  { header, scan, label, malformed }: TextRows,
  options: TextRowOptions,
): Promise<Staging> {
  const { file } = label;
  const source = new Map(header.map((name) => [name, name]));
  for (const [role, column] of Object.entries(options.map ?? {})) {
    if (!header.includes(column))
      throw new UserError(
        `--map ${role}=${column}: ${file} has no column ${column} (columns: ${header.join(", ")})`,
      );
    source.set(role, column);
  }
  const has = (role: string) => source.has(role);
  const target = lossTarget(file, [...source.keys()], options.lossKind ?? "train");
  // Staging column ← role, in the order tableToStaged checks them (its first bad cell is named first).
  const pointColumns = new Map<string, string>();
  for (const [role, column] of Object.entries(pointRoles)) if (has(role)) pointColumns.set(column, role);
  if (has("loss")) pointColumns.set(target, "loss");
  const numbers = [...pointColumns];
  const texts: [string, string][] = [];
  for (const [column, spec] of Object.entries(runColumns)) {
    if (!has(spec.role)) continue;
    (spec.type === "VARCHAR" ? texts : numbers).push([column, spec.role]);
  }
  const cell = (role: string) => `c${header.indexOf(source.get(role)!)}`;
  const cast = (c: string) => `TRY_CAST(${c} AS DOUBLE)`;
  // A cell the cast and the strict reader might disagree on keeps its text for JS to judge.
  const doubtful = (c: string) =>
    `${c} IS NOT NULL AND (${cast(c)} IS NULL OR NOT isfinite(${cast(c)}) OR contains(${c}, '_') OR contains(${c}, '++') OR (contains(${c}, '+') AND contains(${c}, '-')))`;
  const select = [
    ...(has("run") ? [`${cell("run")} AS run`] : []),
    ...numbers.flatMap(([column, role]) => [
      `${cast(cell(role))} AS ${column}`,
      `CASE WHEN ${doubtful(cell(role))} THEN ${cell(role)} END AS ${column}__text`,
    ]),
    ...texts.map(([column, role]) => `${cell(role)} AS ${column}`),
  ];
  const rowsTable = `${table}_rows`;
  await inFileOrder(
    store,
    `CREATE OR REPLACE TEMP TABLE ${rowsTable} AS SELECT ${select.join(", ")} FROM (${scan})`,
    malformed,
  );
  const where = (rowid: number, role: string) => `${file} line ${label.lineOf!(rowid + 1)}, column ${role}`;
  for (const [column, role] of numbers) await judgeDoubtful(store, rowsTable, column, role, where);
  if (has("run")) {
    const [empty] = await rows(
      store,
      `SELECT min(rowid) AS r FROM ${rowsTable} WHERE run IS NULL OR trim(run) = ''`,
    );
    if (empty?.r !== null && empty?.r !== undefined)
      throw new UserError(`${where(Number(empty.r), "run")}: empty value`);
  }
  const stem = basename(file, extname(file));
  const run = has("run")
    ? "run"
    : options.run
      ? `${literal(options.run)} AS run`
      : has("step")
        ? `${literal(stem)} AS run`
        : `${literal(stem)} || '-' || CAST(rowid + 1 AS VARCHAR) AS run`;
  const staged = [...numbers, ...texts].map(([column]) => column);
  await store.connection.run(
    `CREATE OR REPLACE TEMP VIEW ${table}_source AS SELECT CAST(rowid + 1 AS DOUBLE) AS source_row, ${run}${staged.map((c) => `, ${c}`).join("")} FROM ${rowsTable}`,
  );
  return { table: `${table}_source`, columns: new Set(staged), view: table };
}

/**
 * Judges the cells of one column kept as text, in file order, by `stagedNumber`: the first it refuses is
 * named; the values it accepts (an overflow read as infinite, which later checks refuse) are written back.
 */
async function judgeDoubtful(
  store: Store,
  table: string,
  column: string,
  role: string,
  where: (rowid: number, role: string) => string,
): Promise<void> {
  for (let after = -1; ;) {
    const doubtful = await rows(
      store,
      `SELECT rowid AS r, ${column}__text AS text FROM ${table} WHERE ${column}__text IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT 1000`,
      [after],
    );
    if (doubtful.length === 0) return;
    for (const { r, text } of doubtful) {
      const rowid = Number(r);
      const value = stagedNumber(String(text), role, () => where(rowid, role));
      await store.connection.run(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`, [value, rowid]);
      after = rowid;
    }
  }
}
