/**
 * Databases that cannot be a store are user errors naming the path (issue 16: a --db that is a directory, in a
 * missing folder, truncated, or another program's DuckDB file gave internal errors, or was written into).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isUserError } from "../../src/errors.js";
import { openStore, rows } from "../../src/store/duckdb.js";
import { inlineScript } from "../_cli.js";
import { namespaceFlags } from "../_namespace.js";
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

// DuckDB reads a block only when a query needs it: a database cut short or overwritten in its middle opens
// and then failed in some later query as an internal error (exit 2), measured by hand on a store of Epoch's
// 245 runs cut at 1 MiB ("IO Error: Could not read enough bytes from file …") and on 1e7 points with 64 bytes
// overwritten at 60 MiB ("Corrupt database file: computed checksum … does not match").
test("a database cut short or overwritten in a block is refused by name, and left as it was", async () => {
  const { dir, db } = scratch("store-damaged");
  const path = db("damaged.duckdb");
  const store = await openStore(path);
  // 200,000 losses that do not compress: several 256 KiB blocks.
  await store.connection.run(
    "INSERT INTO runs (run_id, name, source) VALUES (1, 'r', 'test'); INSERT INTO points (run_id, step, train_loss) SELECT 1, i, 3 + hash(i) % 1000003 / 1e6 FROM range(200000) t(i)",
  );
  await store.connection.run("CHECKPOINT");
  const [last] = await rows(
    store,
    "SELECT max(block_id) AS b FROM pragma_storage_info('points') WHERE column_name = 'train_loss' AND block_id >= 0",
  );
  store.close();
  // Three 4 KiB headers, then 256 KiB blocks: the start of the last block of losses.
  const start = 3 * 4096 + Number(last!.b) * 2 ** 18;
  const bytes = readFileSync(path);
  assert.ok(bytes.length > start + 2 ** 18 / 2, `${bytes.length} bytes, the block at ${start}`);
  const losses = async (file: string, pattern: RegExp) => {
    const content = readFileSync(file);
    await assert.rejects(
      (async () => {
        const opened = await openStore(file, { readOnly: true });
        try {
          await rows(opened, "SELECT sum(train_loss) FROM points");
        } finally {
          opened.close();
        }
      })(),
      (error: unknown) => {
        assert.ok(isUserError(error), String(error));
        assert.match((error as Error).message, pattern);
        return true;
      },
    );
    assert.deepEqual(readFileSync(file), content, "the damaged file is not written");
  };
  const cut = join(dir, "cut.duckdb");
  writeFileSync(cut, bytes.subarray(0, start + 1000));
  await losses(cut, /^database \S+cut\.duckdb is damaged: it is shorter than its own index says/);
  const overwritten = join(dir, "overwritten.duckdb");
  writeFileSync(overwritten, Buffer.from(bytes).fill(0xff, start + 5000, start + 5064));
  await losses(
    overwritten,
    /^database \S+overwritten\.duckdb is damaged: a block's checksum does not match; restore it from a copy$/,
  );
});

// A query past DuckDB's memory limit spills into temporary files, by default in a folder beside the
// database. Measured by hand: `fit --law envelope` (which sorts at 300 MB) on 1e7 points in a read-only
// folder was "internal error: IO Error: Failed to create directory "….duckdb.tmp": Read-only file system".
const readOnlyScratch = scratch("store-read-only");
const readOnlyFolder = join(readOnlyScratch.dir, "mounted");
mkdirSync(readOnlyFolder);
const bindReadOnly = 'mount --bind "$0" "$1" && mount -o remount,bind,ro "$1" && exec "${@:2}"';
const readOnlyFlags = namespaceFlags(`${bindReadOnly} true`, readOnlyScratch.dir, readOnlyFolder);
test(
  "a reader of a database in a read-only folder spills into the system's temporary folder",
  {
    skip:
      !readOnlyFlags &&
      "needs a private mount namespace for a read-only bind mount (root, or user namespaces)",
  },
  async () => {
    const path = readOnlyScratch.db();
    (await openStore(path)).close();
    // 8e6 rows ordered under a 64 MB limit: about 130 MB to sort, so it must spill.
    const script = `
      const { openStore, rows } = await import(${JSON.stringify(new URL("../../src/store/duckdb.ts", import.meta.url).pathname)});
      const store = await openStore(process.argv[1], { readOnly: true });
      await store.connection.run("SET memory_limit = '64MB'");
      const [row] = await rows(store, "SELECT max(r) AS r FROM (SELECT row_number() OVER (ORDER BY hash(i)) AS r FROM range(8000000) t(i))");
      store.close();
      console.log(JSON.stringify(row));`;
    const inside = join(readOnlyFolder, "runs.duckdb");
    const run = spawnSync(
      "unshare",
      [
        ...readOnlyFlags!,
        "bash",
        "-c",
        bindReadOnly,
        readOnlyScratch.dir,
        readOnlyFolder,
        ...inlineScript(script),
        inside,
      ],
      { encoding: "utf8", cwd: new URL("../..", import.meta.url).pathname },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { r: 8_000_000 });
    assert.deepEqual(
      readdirSync(tmpdir()).filter((f) => f.startsWith("scalefit-spill-")),
      [],
      "the temporary folder is removed",
    );
  },
);
