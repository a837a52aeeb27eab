import type { Store } from "./duckdb.js";
import { rows } from "./duckdb.js";
import { UserError } from "../errors.js";
import { exactPath } from "./readColumnar.js";
import { jsonLine } from "./recordLine.js";
import type { SourceLabel, Staging } from "./staging.js";
import { inFileOrder, literal, stageTextRows, type TextRowOptions } from "./stageRows.js";

/**
 * Stages a large JSONL file: DuckDB reads each line's object into a temporary table (file order kept; blank
 * lines skipped, as `readTable` skips them), then, as `readTable` checks a small file: every line must be a
 * JSON object (the first that is not is parsed in JS for its message), every value a number, a string or
 * null; the columns are the keys in order of first appearance, and `stageTextRows` checks and casts them.
 * @example const { staging, label } = await stageJsonLines(store, "staging_0", "big.jsonl", {})
 */
export async function stageJsonLines(
  store: Store,
  table: string,
  file: string,
  options: TextRowOptions,
): Promise<{ staging: Staging; label: SourceLabel }> {
  const objects = `${table}_objects`;
  const lineOf = (record: number) => jsonLine(file, record)?.line ?? record;
  const label: SourceLabel = { file, rowWord: "line", lineOf };
  const malformed = (error: unknown) =>
    new UserError(`${file}: unreadable JSONL (${String((error as Error).message).split("\n")[0]})`);
  // Malformed lines read as NULL (ignore_errors) and are named below, with JSON.parse's words.
  await inFileOrder(
    store,
    `CREATE OR REPLACE TEMP TABLE ${objects} AS SELECT json FROM read_json_objects(${literal(exactPath(file))}, format = 'newline_delimited', ignore_errors = true)`,
    malformed,
  );
  try {
    // One pass: the key lists of the lines (nearly always one), in order of first appearance (the columns),
    // and the first line that is not an object.
    const lists = await rows(
      store,
      `SELECT json_type(json) = 'OBJECT' AS object, json_keys(json) AS keys, min(rowid) AS r FROM ${objects} GROUP BY ALL ORDER BY r`,
    );
    const bad = lists.find(({ object }) => object !== true);
    if (bad) throw lineError(file, Number(bad.r) + 1);
    const header = [...new Set(lists.flatMap(({ keys }) => (keys as unknown[]).map(String)))];
    const pointer = (key: string) => literal(`/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    const paths = `[${header.map(pointer).join(", ")}]`;
    // One more: each column's first value that is not a number, a string or null (one parse per line).
    const [first] = !header.length
      ? [{}]
      : await rows(
          store,
          `SELECT ${header.map((_, i) => `min(r) FILTER (WHERE json_type(v[${i + 1}]) IN ('OBJECT', 'ARRAY', 'BOOLEAN')) AS odd${i}`).join(", ")} FROM (SELECT rowid AS r, json_extract(json, ${paths}) AS v FROM ${objects})`,
        );
    for (const [i, key] of header.entries()) {
      if (first![`odd${i}`] === null || first![`odd${i}`] === undefined) continue;
      const rowid = Number(first![`odd${i}`]);
      const [value] = await rows(
        store,
        `SELECT json_extract(json, ${pointer(key)})::VARCHAR AS v FROM ${objects} WHERE rowid = ?`,
        [rowid],
      );
      throw new UserError(
        `${file} line ${lineOf(rowid + 1)}, column ${key}: expected a number or a string, found ${String(value!.v)}`,
      );
    }
    // One parse per line for all the columns: a list of paths gives a list of values.
    const cells = header.map((_, i) => `nullif(v[${i + 1}], '') AS c${i}`);
    const scan = `SELECT ${cells.join(", ")} FROM (SELECT json_extract_string(json, ${paths}) AS v FROM ${objects})`;
    const staging = await stageTextRows(store, table, { header, scan, label, malformed }, options);
    return { staging, label };
  } finally {
    await store.connection.run(`DROP TABLE IF EXISTS ${objects}`);
  }
}

/** The message `readTable` gives for a line that is not a JSON object. */
function lineError(file: string, record: number): UserError {
  const found = jsonLine(file, record);
  const where = `${file} line ${found?.line ?? record}`;
  try {
    JSON.parse(found?.text ?? "");
  } catch (error) {
    return new UserError(`${where}: invalid JSON (${(error as Error).message.replace(/\s+/g, " ")})`);
  }
  return new UserError(`${where}: expected a JSON object with one key per column`);
}
