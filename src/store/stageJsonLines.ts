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
  const source = `read_json_objects(${literal(exactPath(file))}, format = 'newline_delimited', ignore_errors = true)`;
  // A guess at every line's keys: those of a first line read.
  const [guessed] = await rows(store, `SELECT json_keys(json) AS keys FROM ${source} LIMIT 1`).catch(
    (error: unknown) => {
      throw malformed(error);
    },
  );
  const guess = ((guessed?.keys ?? null) as unknown[] | null)?.map(String) ?? null;
  const guessList = guess ? `[${guess.map(literal).join(", ")}]::VARCHAR[]` : "NULL";
  // Each line's text could hold a value that is not a number, a string or null only if it has '[' (an array),
  // 'true' or 'false', or a closing brace followed by ',', '}' or white space (a nested object's: the line's
  // own is last). Nearly always, no line can.
  const suspect = ["[", "true", "false", "},", "}}", "} "]
    .map((text) => `contains(json, ${literal(text)})`)
    .concat([9, 10, 13].map((code) => `contains(json, '}' || chr(${code}))`))
    .join(" OR ");
  // One pass reads the lines (malformed ones as NULL, named below with JSON.parse's words) and keeps, beside
  // each, its keys only where they differ from the guess (an empty list for a line that is not JSON) and
  // whether it is suspect: neither needs another pass over the lines.
  await inFileOrder(
    store,
    `CREATE OR REPLACE TEMP TABLE ${objects} AS SELECT json, CASE WHEN json IS NULL THEN []::VARCHAR[] WHEN keys = ${guessList} THEN NULL ELSE keys END AS keys, ${suspect} AS suspect FROM (SELECT json, json_keys(json) AS keys FROM ${source})`,
    malformed,
  );
  try {
    // The key lists of the lines (nearly always the guess alone), in order of first appearance (the columns).
    // A line that is not an object (or not JSON) has no keys, as `{}` has: only then is each line's type
    // asked for, to name the first that is not an object.
    const lists = (
      await rows(store, `SELECT keys, min(rowid) AS r FROM ${objects} GROUP BY ALL ORDER BY r`)
    ).map(({ keys }) => (keys === null ? guess! : (keys as unknown[]).map(String)));
    if (lists.some((keys) => !keys.length)) {
      const [bad] = await rows(
        store,
        `SELECT min(rowid) AS r FROM ${objects} WHERE json IS NULL OR json_type(json) <> 'OBJECT'`,
      );
      if (bad?.r !== null && bad?.r !== undefined) throw lineError(file, Number(bad.r) + 1);
    }
    const header = [...new Set(lists.flat())];
    const pointer = (key: string) => literal(`/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    const paths = `[${header.map(pointer).join(", ")}]`;
    // Each column's first value that is not a number, a string or null, parsed only on the suspect lines.
    const [first] = !header.length
      ? [{}]
      : await rows(
          store,
          `SELECT ${header.map((_, i) => `min(r) FILTER (WHERE json_type(v[${i + 1}]) IN ('OBJECT', 'ARRAY', 'BOOLEAN')) AS odd${i}`).join(", ")} FROM (SELECT rowid AS r, json_extract(json, ${paths}) AS v FROM ${objects} WHERE suspect)`,
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
