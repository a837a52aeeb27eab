import { closeSync, openSync, readSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse } from "csv-parse/sync";
import { checkedHeader } from "../data/readTable.js";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { pointRoles, stagedNumber, type LossKind } from "./importers/table.js";
import { exactPath } from "./readColumnar.js";
import { recordLine } from "./recordLine.js";
import { runColumns } from "./schema.js";
import type { SourceLabel, Staging } from "./staging.js";

/**
 * CSV and TSV files at least this large are read by DuckDB's CSV reader (parallel, in bounded memory) rather
 * than parsed whole in JS: the same checks and messages, lines found by a scan of the file when one is named.
 */
export const streamedBytes = 64 * 2 ** 20;

/** What `stageDelimited` needs of the import's options. */
interface DelimitedOptions {
  readonly map?: Readonly<Record<string, string>>;
  readonly run?: string;
  readonly lossKind?: LossKind;
}

/**
 * Stages a large CSV/TSV file: DuckDB reads it as text into a temporary table in one parallel pass (file
 * order kept, so a row's position is its record number), each number cell cast there; the few cells the cast
 * and the strict decimal reader might judge differently (not a number to DuckDB, infinite, NaN, `1_000`,
 * `+-1`) are judged in JS by `stagedNumber`, exactly as `tableToStaged` judges every cell of a small file.
 * The staging view numbers rows by record; its label turns a record into its file line for messages.
 * @example const { staging, label } = await stageDelimited(store, "staging_0", "big.csv", ",", {})
 */
export async function stageDelimited(
  store: Store,
  table: string,
  file: string,
  delimiter: string,
  options: DelimitedOptions,
): Promise<{ staging: Staging; label: SourceLabel }> {
  const header = readHeader(file, delimiter);
  const source = new Map(header.map((name) => [name, name]));
  for (const [role, column] of Object.entries(options.map ?? {})) {
    if (!header.includes(column))
      throw new UserError(
        `--map ${role}=${column}: ${file} has no column ${column} (columns: ${header.join(", ")})`,
      );
    source.set(role, column);
  }
  const has = (role: string) => source.has(role);
  if (!has("loss") && !has("train_loss") && !has("eval_loss") && !has("lr"))
    throw new UserError(
      `${file} has no loss column (loss, train_loss or eval_loss; columns: ${header.join(", ")}; --map loss=<column> renames one)`,
    );
  const lossTarget = options.lossKind === "eval" ? "eval_loss" : "train_loss";
  if (has("loss") && has(lossTarget))
    throw new UserError(`${file} has both loss and ${lossTarget}: map one of them elsewhere`);
  // Staging column ← role, in the order tableToStaged checks them (its first bad cell is named first).
  const pointColumns = new Map<string, string>();
  for (const [role, column] of Object.entries(pointRoles)) if (has(role)) pointColumns.set(column, role);
  if (has("loss")) pointColumns.set(lossTarget, "loss");
  const numbers = [...pointColumns];
  const texts: [string, string][] = [];
  for (const [column, spec] of Object.entries(runColumns)) {
    if (!has(spec.role)) continue;
    (spec.type === "VARCHAR" ? texts : numbers).push([column, spec.role]);
  }
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
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
  const columns = `{${header.map((name) => `${literal(name)}: 'VARCHAR'`).join(", ")}}`;
  const trimmed = header.map((name, i) => `nullif(trim(${quote(name)}), '') AS c${i}`).join(", ");
  const scan = `read_csv(${literal(exactPath(file))}, header = true, auto_detect = false, columns = ${columns}, delim = ${literal(delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false)`;
  const rowsTable = `${table}_rows`;
  try {
    // The store lets bulk inserts reorder rows; here a row's position must be its record number.
    await store.connection.run("SET preserve_insertion_order = true");
    await store.connection.run(
      `CREATE OR REPLACE TEMP TABLE ${rowsTable} AS SELECT ${select.join(", ")} FROM (SELECT ${trimmed} FROM ${scan})`,
    );
  } catch (error) {
    throw malformed(file, error);
  } finally {
    await store.connection.run("SET preserve_insertion_order = false");
  }
  const label: SourceLabel = {
    file,
    rowWord: "line",
    lineOf: (record) => recordLine(file, delimiter, record) ?? record,
  };
  const where = (rowid: number, role: string) => `${file} line ${label.lineOf!(rowid + 1)}, column ${role}`;
  for (const [column, role] of numbers) await judgeDoubtful(store, rowsTable, column, role, where);
  if (has("run")) {
    const [empty] = await rows(store, `SELECT min(rowid) AS r FROM ${rowsTable} WHERE run IS NULL`);
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
  return { staging: { table: `${table}_source`, columns: new Set(staged), view: table }, label };
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

/** The header record of a CSV/TSV file, read from its first bytes and checked as `readTable` checks it. */
function readHeader(file: string, delimiter: string): string[] {
  const fd = openSync(file, "r");
  const chunk = Buffer.allocUnsafe(2 ** 20);
  try {
    const n = readSync(fd, chunk, 0, chunk.length, 0);
    const text = chunk
      .subarray(0, n)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const [record] = parse(text, {
      delimiter,
      skip_empty_lines: true,
      trim: true,
      to_line: firstRecordLines(text),
    }) as string[][];
    if (!record) throw new UserError(`${file} is empty`);
    return checkedHeader(file, record);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `${file} line 1: malformed CSV header (${(error as Error).message.replace(/\s+/g, " ")})`,
    );
  } finally {
    closeSync(fd);
  }
}

/** How many lines of `text` the first record (the header) spans, blank lines before it included. */
function firstRecordLines(text: string): number {
  let lines = 1;
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      if (started && !quoted) return lines;
      lines++;
    } else if (c !== "\r" && c !== " " && c !== "\t") started = true;
  }
  return lines;
}

/** DuckDB's CSV error as one line: the line it names and its reason. */
function malformed(file: string, error: unknown): Error {
  const message = (error as Error).message ?? String(error);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const reason = message
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^Expected Number of Columns|unterminated|Value with unterminated|quote/i.test(l));
  return new UserError(
    `${file}${line ? ` line ${line}` : ""}: malformed CSV (${reason ?? message.split("\n")[0]!.replace(/^[A-Za-z ]+Error: /, "")})`,
  );
}
