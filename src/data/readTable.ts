import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";

/** A data file as read: raw cell text by column, with the file line of each row for messages. */
export interface Table {
  /** The path as given (used in messages). */
  readonly file: string;
  readonly columns: readonly string[];
  /** Cells by column name; `undefined` where a JSONL row lacks the key or a cell is empty. */
  readonly cells: Readonly<Record<string, readonly (string | number | undefined)[]>>;
  /** 1-based file line of each row (row number for Parquet and Arrow). */
  readonly lines: readonly number[];
  /** How messages name a row: `line` (text files, the default) or `row` (Parquet, Arrow). */
  readonly rowWord?: "line" | "row";
  /** `sha256:<hex>` of the file's bytes. */
  readonly digest: string;
}

/** The largest text file `readTable` reads whole (a CSV takes ~20 times its size in memory as cells). */
/** The largest file read whole into memory (CSV, JSONL, W&B, HF, TensorBoard, Arrow): 256 MiB. */
export const wholeFileBytes = 256 * 2 ** 20;

/** Extensions read by `readTable`. Parquet and Arrow IPC are read by the store (`readColumnarTable`). */
const tableFormats = [".csv", ".tsv", ".jsonl", ".ndjson"] as const;

/**
 * Reads a CSV (comma or tab separated, header row first) or JSONL file (one JSON object per line) into raw
 * columns, with the file line of every row so that later checks can name `file line L, column X`.
 * Uses csv-parse (RFC 4180 quoting, CRLF, BOM). `read`: the file's bytes, when the caller has read them.
 * @example readTable("data/chinchilla/epoch.csv").columns // ["N", "D", "loss"]
 */
export function readTable(file: string, read?: Buffer): Table {
  const extension = extname(file).toLowerCase();
  if (!(tableFormats as readonly string[]).includes(extension)) {
    throw new UserError(
      `unsupported data format ${extension || "(no extension)"} of ${file} (expected ${tableFormats.join(", ")})`,
    );
  }
  const size = read?.length ?? fileSize(file);
  if (size > wholeFileBytes)
    throw new UserError(
      `${file} is ${(size / 1e6).toFixed(0)} MB, too large to read whole (the limit is ${wholeFileBytes / 2 ** 20} MiB): import it into a store (scalefit import --db runs.duckdb ${file}), which reads it in bounded memory, and use --db`,
    );
  const bytes = read ?? readBytes(file);
  const digest = sha256Digest(bytes);
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  if (text.trim() === "") throw new UserError(`${file} is empty`);
  const table = extension === ".jsonl" || extension === ".ndjson" ? readJsonLines(file, text) : readDelimited(file, text, extension === ".tsv" ? "\t" : ",");
  if (table.lines.length === 0) throw new UserError(`${file} has no data rows`);
  return { ...table, digest };
}

function readDelimited(file: string, text: string, delimiter: string): Omit<Table, "digest"> {
  const buffer = Buffer.from(text, "utf8");
  const options = { delimiter, skip_empty_lines: true, trim: true, relax_column_count: false };
  let records: string[][];
  try {
    records = parse(buffer, options) as string[][];
  } catch (error) {
    const e = error as Error & { lines?: number };
    const where = e.lines !== undefined ? ` line ${e.lines}` : "";
    throw new UserError(`${file}${where}: malformed CSV (${e.message.replace(/\s+/g, " ").replace(/[.]$/, "")})`);
  }
  const header = checkedHeader(file, records[0]!);
  // The line where each record starts: a quick scan splitting records as csv-parse does, or, should it
  // disagree on an unusual file, csv-parse's own record positions (four times slower).
  let starts = recordStarts(buffer, delimiter);
  if (starts.length !== records.length) starts = parsedRecordStarts(buffer, options);
  const n = records.length - 1;
  // By column name through fromEntries: a column named `__proto__` is an own key like any other.
  const cells = header.map((name, c): [string, (string | undefined)[]] => {
    const column = new Array<string | undefined>(n);
    for (let r = 0; r < n; r++) {
      const cell = records[r + 1]![c]!;
      column[r] = cell === "" ? undefined : cell;
    }
    return [name, column];
  });
  return { file, columns: header, cells: Object.fromEntries(cells), lines: starts.slice(1) };
}

/**
 * The header of a CSV/TSV file, trimmed, refused when a name is empty or repeated or every name is a number.
 * @example checkedHeader("runs.csv", [" N", "loss"]) // ["N", "loss"]
 */
export function checkedHeader(file: string, record: readonly string[]): string[] {
  const header = record.map((name) => name.trim());
  header.forEach((name, i) => {
    if (name === "") throw new UserError(`${file} line 1: column ${i + 1} has no name`);
    if (header.indexOf(name) !== i) throw new UserError(`${file} line 1: column ${name} appears twice`);
  });
  if (header.every((name) => /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/.test(name))) {
    throw new UserError(`${file} line 1: the first line must be a header of column names, found numbers`);
  }
  return header;
}

/**
 * The line where each record of a CSV/TSV buffer starts, splitting records as csv-parse does with
 * `skip_empty_lines` and `trim`: line breaks inside double quotes belong to the record, blank (or
 * whitespace-only) lines are skipped; CR LF, LF and a lone CR each end a line.
 */
function recordStarts(buffer: Buffer, delimiter: string): number[] {
  const tab = delimiter === "\t";
  const starts: number[] = [];
  const n = buffer.length;
  let line = 1;
  let i = 0;
  let quoted = false;
  let atStart = true;
  while (i < n) {
    if (atStart) {
      let j = i;
      while (j < n && (buffer[j] === 32 || (buffer[j] === 9 && !tab))) j++;
      if (j >= n) break;
      if (buffer[j] === 10 || buffer[j] === 13) {
        i = j + (buffer[j] === 13 && buffer[j + 1] === 10 ? 2 : 1);
        line++;
        continue;
      }
      starts.push(line);
      atStart = false;
      i = j;
      continue;
    }
    const b = buffer[i];
    if (b === 34) quoted = !quoted;
    else if (b === 10 || b === 13) {
      i += b === 13 && buffer[i + 1] === 10 ? 2 : 1;
      line++;
      if (!quoted) atStart = true;
      continue;
    }
    i++;
  }
  return starts;
}

/** Record start lines from csv-parse's record positions (`info.bytes`, where the previous record ended). */
function parsedRecordStarts(buffer: Buffer, options: Record<string, unknown>): number[] {
  const records = parse(buffer, { ...options, info: true }) as unknown as { info: { bytes: number } }[];
  const lineOf = lineFinder(buffer);
  const starts: number[] = [];
  let end = 0;
  for (const { info } of records) {
    let start = end;
    while (buffer[start] === 13 || buffer[start] === 10 || buffer[start] === 32 || buffer[start] === 9) start++;
    starts.push(lineOf(start));
    end = info.bytes;
  }
  return starts;
}

/** A function giving the 1-based line of a byte offset; CR LF, LF and a lone CR each end a line. */
function lineFinder(buffer: Buffer): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < buffer.length; i++) {
    if (buffer[i] === 10 || (buffer[i] === 13 && buffer[i + 1] !== 10)) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid;
    }
    return lo + 1;
  };
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
      throw new UserError(`${file} line ${i + 1}: invalid JSON (${(error as Error).message.replace(/\s+/g, " ")})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UserError(`${file} line ${i + 1}: expected a JSON object with one key per column`);
    }
    for (const key of Object.keys(value)) if (!columns.includes(key)) columns.push(key);
    rows.push(value as Record<string, unknown>);
    lines.push(i + 1);
  });
  const cells = columns.map((name): [string, (string | number | undefined)[]] => [
    name,
    rows.map((row, r) => {
      const v = ownEntry(row, name);
      if (v === undefined || v === null || v === "") return undefined;
      if (typeof v === "number" || typeof v === "string") return v;
      throw new UserError(`${file} line ${lines[r]}, column ${name}: expected a number or a string, found ${JSON.stringify(v)}`);
    }),
  ]);
  return { file, columns, cells: Object.fromEntries(cells), lines };
}

/**
 * A file's bytes, or a one-line error naming it (no such file, a directory, …).
 * @example readBytes("runs.parquet").length
 */
export function readBytes(file: string): Buffer {
  return readable(file, () => {
    if (statSync(file).isDirectory()) throw new UserError(`cannot read ${file}: it is a directory`);
    return readFileSync(file);
  });
}

/** Runs a read of `file`, its errors (no such file, a directory, no permission) one line naming it. */
function readable<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`,
    );
  }
}

/**
 * A file's size in bytes, or a one-line error naming it.
 * @example fileSize("runs.csv") // 1234
 */
export function fileSize(file: string): number {
  return readable(file, () => {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new UserError(`cannot read ${file}: it is a directory`);
    return stat.size;
  });
}

/**
 * `sha256:<hex>` of a file's bytes followed by `extra`, read in 4 MiB chunks (a file of any size, in bounded
 * memory); one-line errors as `readBytes`.
 * @example fileDigest("runs.csv", JSON.stringify(options))
 */
export function fileDigest(file: string, extra = ""): string {
  return readable(file, () => {
    fileSize(file);
    const hash = createHash("sha256");
    const chunk = Buffer.allocUnsafe(4 * 2 ** 20);
    const fd = openSync(file, "r");
    try {
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return `sha256:${hash.update(extra).digest("hex")}`;
  });
}

/** A content digest as the store and fit artifacts record it: `sha256:<hex>` of the bytes followed by `extra`. */
export function sha256Digest(bytes: Uint8Array, extra = ""): string {
  return `sha256:${createHash("sha256").update(bytes).update(extra).digest("hex")}`;
}
