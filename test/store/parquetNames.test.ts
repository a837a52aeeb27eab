/**
 * Parquet files are read exactly as named (issue 16): DuckDB globs `*`, `?` and `[` in paths, so a file named
 * `x*.parquet` once imported `xa.parquet` beside it too, under the first file's name; and a column named
 * `loss?` broke the generated SQL (every `?` was replaced by a value).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { openStore, rows } from "../../src/store/duckdb.js";
import { importFiles } from "../../src/store/importFiles.js";
import { exactPath } from "../../src/store/readColumnar.js";
import { scratch } from "../_store.js";

/** A Parquet file written by DuckDB from a query. */
async function parquet(path: string, query: string): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`COPY (${query}) TO '${path.replace(/'/g, "''")}' (FORMAT PARQUET)`);
  connection.closeSync();
}

test("exactPath escapes glob characters in brackets", () => {
  assert.equal(exactPath("a/x*.parquet"), "a/x[*].parquet");
  assert.equal(exactPath("r?[1].parquet"), "r[?][[]1].parquet");
  assert.equal(exactPath("plain.parquet"), "plain.parquet");
});

test("a Parquet file named with glob characters imports its own rows only; a column named loss? is a name", async () => {
  const { dir, db } = scratch("parquet-names");
  const star = `${dir}/x*.parquet`;
  await parquet(star, "SELECT 'a' AS run, 1 AS step, 2.5 AS loss");
  await parquet(`${dir}/xa.parquet`, "SELECT 'b' AS run, 1 AS step, 3.5 AS loss");
  const question = `${dir}/r?.parquet`;
  await parquet(question, `SELECT 'c' AS run, 1 AS step, 4.5 AS "loss?"`);
  await parquet(`${dir}/rb.parquet`, `SELECT 'd' AS run, 1 AS step, 5.5 AS "loss?"`);
  const store = await openStore(db());
  try {
    await importFiles(store, [star]);
    await importFiles(store, [question], { map: { loss: "loss?" } });
    const stored = await rows(
      store,
      "SELECT r.name AS run, p.train_loss AS loss FROM points p JOIN runs r USING (run_id) ORDER BY r.name",
    );
    assert.deepEqual(
      stored.map((r) => [r.run, r.loss]),
      [
        ["a", 2.5],
        ["c", 4.5],
      ],
    );
  } finally {
    store.close();
  }
});
