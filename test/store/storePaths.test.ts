/**
 * Databases that cannot be a store are user errors naming the path (issue 16: a --db that is a directory, in a
 * missing folder, truncated, or another program's DuckDB file gave internal errors, or was written into).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isUserError } from "../../src/errors.js";
import { openStore } from "../../src/store/duckdb.js";
import { scratch } from "../_store.js";

const refused = async (path: string, readOnly: boolean, pattern: RegExp) => {
  await assert.rejects(openStore(path, { readOnly }), (error: unknown) => {
    assert.ok(isUserError(error), String(error));
    assert.match((error as Error).message, pattern);
    assert.ok(!(error as Error).message.includes("\n"), "one line");
    return true;
  });
};

test("a directory, a missing folder and a truncated file are refused by name", async () => {
  const { dir, file } = scratch("store-paths");
  const folder = join(dir, "folder.duckdb");
  mkdirSync(folder);
  for (const readOnly of [false, true]) {
    await refused(folder, readOnly, /folder\.duckdb is a directory, not a database file/);
    await refused(
      file("truncated.duckdb", "garbage"),
      readOnly,
      /truncated\.duckdb is not a scalefit database/,
    );
  }
  await refused(join(dir, "missing", "x.duckdb"), false, /folder .*missing does not exist/);
});

test("another program's DuckDB database is never written into", async () => {
  const { dir } = scratch("store-other");
  const path = join(dir, "other.duckdb");
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run("CREATE TABLE sales (amount INTEGER)");
  await connection.run("CHECKPOINT");
  connection.closeSync();
  instance.closeSync();
  for (const readOnly of [false, true])
    await refused(path, readOnly, /other\.duckdb is another program's DuckDB database \(tables sales\)/);
  const check = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const reader = await (
    await check.connect()
  ).runAndReadAll("SELECT table_name FROM information_schema.tables");
  assert.deepEqual(reader.getRows(), [["sales"]]);
  check.closeSync();
});
