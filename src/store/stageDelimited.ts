import { closeSync, openSync, readSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { checkedHeader } from "../data/readTable.js";
import { UserError } from "../errors.js";
import type { Store } from "./duckdb.js";
import { exactPath } from "./readColumnar.js";
import { recordLine } from "./recordLine.js";
import type { SourceLabel, Staging } from "./staging.js";
import { literal, stageTextRows, type TextRowOptions } from "./stageRows.js";

/**
 * CSV and TSV files at least this large are read by DuckDB's CSV reader (parallel, in bounded memory) rather
 * than parsed whole in JS: the same checks and messages, lines found by a scan of the file when one is named.
 */
export const streamedBytes = 64 * 2 ** 20;

/**
 * Stages a large CSV/TSV file: DuckDB reads it as text in one parallel pass (`stageTextRows` checks and
 * casts it); messages name the file line of a record, found by a scan of the file (`recordLine`).
 * @example const { staging, label } = await stageDelimited(store, "staging_0", "big.csv", ",", {})
 */
export async function stageDelimited(
  store: Store,
  table: string,
  file: string,
  delimiter: string,
  options: TextRowOptions,
): Promise<{ staging: Staging; label: SourceLabel }> {
  const header = readHeader(file, delimiter);
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const columns = `{${header.map((name) => `${literal(name)}: 'VARCHAR'`).join(", ")}}`;
  const trimmed = header.map((name, i) => `nullif(trim(${quote(name)}), '') AS c${i}`).join(", ");
  const scan = `SELECT ${trimmed} FROM read_csv(${literal(exactPath(file))}, header = true, auto_detect = false, columns = ${columns}, delim = ${literal(delimiter)}, quote = '"', escape = '"', strict_mode = true, null_padding = false)`;
  const label: SourceLabel = {
    file,
    rowWord: "line",
    lineOf: (record) => recordLine(file, delimiter, record) ?? record,
  };
  const staging = await stageTextRows(
    store,
    table,
    { header, scan, label, malformed: (error) => malformed(file, error) },
    options,
  );
  return { staging, label };
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
