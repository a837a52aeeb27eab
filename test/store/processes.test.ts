import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore, rows } from "../../src/store/duckdb.js";
import { runCli } from "../_cli.js";
import { holder, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "bin/scalefit.js");
const epoch = join(root, "data/chinchilla/epoch.csv");
const pausedImport = join(root, "test/store/_pausedImport.ts");

test("a second writer gets 'database is in use by another scalefit process (pid …)', and the database is not harmed", async () => {
  const { db } = scratch("lock");
  const database = db();
  assert.equal((await runCli("import", "--db", database, epoch)).code, 0);
  const writer = await holder(database, false);
  try {
    const run = await runCli("import", "--db", database, join(root, "data/colpret/opt.csv"));
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `scalefit import: database ${database} is in use by another scalefit process (pid ${writer.pid})`,
    );
  } finally {
    writer.kill("SIGKILL");
    await new Promise((resolve) => writer.once("exit", resolve));
  }
  const runs = await runCli("runs", "--db", database, "--json");
  assert.equal(JSON.parse(runs.stdout).runs.length, 245);
});

test("readers work side by side while nobody writes", async () => {
  const { db } = scratch("readers");
  const database = db();
  assert.equal((await runCli("import", "--db", database, epoch)).code, 0);
  const reader = await holder(database, true);
  try {
    const run = await runCli("fit", "--law", "chinchilla", "--db", database, "--intervals", "none", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).points, 245);
  } finally {
    reader.kill("SIGKILL");
  }
});

test("an import killed with SIGKILL leaves every earlier import intact and nothing of itself", async () => {
  const { db, dir } = scratch("kill");
  const database = db();
  assert.equal((await runCli("import", "--db", database, epoch)).code, 0);
  // A large Parquet file, so that the import spends a while inside its transaction.
  const big = join(dir, "big.parquet");
  const maker = await (await DuckDBInstance.create(":memory:")).connect();
  await maker.run(
    `COPY (SELECT 'big' || (i % 200) AS run, (i // 200) AS step, 3.0 + 1.0 / (1 + i // 200) AS loss, 1e-3 AS lr FROM range(3000000) t(i)) TO '${big}' (FORMAT PARQUET)`,
  );
  maker.closeSync();
  const check = async (when: string) => {
    const store = await openStore(database, { readOnly: true });
    const [counts] = await rows(
      store,
      "SELECT (SELECT count(*) FROM runs WHERE name LIKE 'epoch-%') AS earlier, (SELECT count(*) FROM runs WHERE name LIKE 'big%') AS big, (SELECT count(*) FROM points) AS points, (SELECT count(*) FROM imports) AS imports",
    );
    store.close();
    assert.equal(counts!.earlier, 245, `after a kill ${when} the earlier import is intact`);
    return counts!;
  };
  // 1. Killed for certain inside its transaction: every row written, not committed (an import whose
  // beforeCommit hook says so and waits).
  const paused = spawn(process.execPath, ["--import", "tsx", pausedImport, database, big], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise((resolve) => paused.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    paused.stderr!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("fault pause before commit")) resolve();
    });
    paused.once("exit", () => reject(new Error(`the import ended before its pause: ${seen}`)));
  });
  paused.kill("SIGKILL");
  await exited;
  const afterPause = await check("before its commit");
  assert.equal(afterPause.big, 0, "nothing of the interrupted import");
  assert.equal(afterPause.points, 245);
  assert.equal(afterPause.imports, 1);
  // 2. Killed at arbitrary moments (starting, staging, checking, merging or done).
  for (const delay of [250, 500, 800, 1200, 1700]) {
    const child = spawn(process.execPath, [bin, "import", "--db", database, big], { stdio: "ignore" });
    const done = new Promise((resolve) => child.once("exit", resolve));
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.kill("SIGKILL");
    await done;
    const counts = await check(`at ${delay} ms`);
    if (counts.big === 0) {
      assert.equal(counts.points, 245);
      assert.equal(counts.imports, 1);
    } else {
      // The import had committed before the kill: then all of it is there.
      assert.equal(counts.big, 200);
      assert.equal(counts.points, 245 + 3000000);
      break;
    }
  }
  // The database still works for writers after the crash.
  const after = spawnSync(
    process.execPath,
    [bin, "import", "--db", database, join(root, "data/colpret/opt.csv")],
    { encoding: "utf8" },
  );
  assert.equal(after.status, 0, after.stderr);
});
