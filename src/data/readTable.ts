import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse } from "csv-parse/sync";
import { UserError } from "../errors.js";

/** A data file as read: raw cell text by column, with the file line of each row for messages. */
export interface Table {
  /** The path as given (used in messages). */
  readonly file: string;
  readonly columns: readonly string[];
  /** Cells by column name; `undefined` where a JSONL row lacks the key or a cell is empty. */
  readonly cells: Readonly<Record<string, readonly (string | number | undefined)[]>>;
  /** 1-based file line of each row. */
  readonly lines: readonly number[];
  /** `sha256:<hex>` of the file's bytes. */
  readonly digest: string;
}

/** Extensions read by `readTable`. Parquet and Arrow IPC come with the store. */
export const tableFormats = [".csv", ".tsv", ".jsonl", ".ndjson"] as const;

/**
 * Reads a CSV (comma or tab separated, header row first) or JSONL file (one JSON object per line) into raw
 * columns, with the file line of every row so that later checks can name `file line L, column X`.
 * Uses csv-parse (RFC 4180 quoting, CRLF, BOM).
 * @example readTable("data/chinchilla/epoch.csv").columns // ["N", "D", "loss"]
 */
export function readTable(file: string): Table {
  const extension = extname(file).toLowerCase();
  if (!(tableFormats as readonly string[]).includes(extension)) {
    throw new UserError(
      `unsupported data format ${extension || "(no extension)"} of ${file} (expected ${tableFormats.join(", ")})`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`);
  }
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") throw new UserError(`${file} is empty`);
  const table = extension === ".jsonl" || extension === ".ndjson" ? readJsonLines(file, text) : readDelimited(file, text, extension === ".tsv" ? "\t" : ",");
  if (table.lines.length === 0) throw new UserError(`${file} has no data rows`);
  return { ...table, digest };
}

function readDelimited(file: string, text: string, delimiter: string): Omit<Table, "digest"> {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, info: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    const e = error as Error & { lines?: number };
    const where = e.lines !== undefined ? ` line ${e.lines}` : "";
    throw new UserError(`${file}${where}: malformed CSV (${e.message.replace(/\s+/g, " ").replace(/[.]$/, "")})`);
  }
  const header = records[0]!.record.map((name) => name.trim());
  header.forEach((name, i) => {
    if (name === "") throw new UserError(`${file} line 1: column ${i + 1} has no name`);
    if (header.indexOf(name) !== i) throw new UserError(`${file} line 1: column ${name} appears twice`);
  });
  if (header.every((name) => /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/.test(name))) {
    throw new UserError(`${file} line 1: the first line must be a header of column names, found numbers`);
  }
  const cells: Record<string, (string | undefined)[]> = Object.fromEntries(header.map((name) => [name, []]));
  const lines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    header.forEach((name, c) => cells[name]!.push(record[c] === "" ? undefined : record[c]));
    lines.push(info.lines);
  }
  return { file, columns: header, cells, lines };
}

function readJsonLines(file: string, text: string): Omit<Table, "digest"> {
  const columns: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserError(`${file} line ${i + 1}: invalid JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UserError(`${file} line ${i + 1}: expected a JSON object with one key per column`);
    }
    for (const key of Object.keys(value)) if (!columns.includes(key)) columns.push(key);
    rows.push(value as Record<string, unknown>);
    lines.push(i + 1);
  });
  const cells: Record<string, (string | number | undefined)[]> = {};
  for (const name of columns) {
    cells[name] = rows.map((row, r) => {
      const v = row[name];
      if (v === undefined || v === null || v === "") return undefined;
      if (typeof v === "number" || typeof v === "string") return v;
      throw new UserError(`${file} line ${lines[r]}, column ${name}: expected a number or a string, found ${JSON.stringify(v)}`);
    });
  }
  return { file, columns, cells, lines };
}

/** The short name of a table's file, for reports. */
export function tableName(table: Table): string {
  return basename(table.file);
}
