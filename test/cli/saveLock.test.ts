/**
 * `fit --save` while another process writes the database (issue 16: "`fit --save` while another process holds
 * the lock throws the finished fit away"): the save waits for the lock (`--wait`, 30 s by default); when it
 * is still held the fit is kept in a file and the one-line message says how to store it later, with
 * `scalefit import --format fit`, which stores an artifact once however often it is imported.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fitFromSource } from "../../src/api/fit.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { openStore, rows } from "../../src/store/duckdb.js";
import { runCli } from "../_cli.js";
import { holder, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const epoch = join(root, "data/chinchilla/epoch.csv");
const { dir, db } = scratch("savelock");

async function storedFits(path: string): Promise<number> {
  const store = await openStore(path, { readOnly: true });
  try {
    return Number((await rows(store, "SELECT count(*) AS n FROM fits"))[0]!.n);
  } finally {
    store.close();
  }
}

/** Blocks this thread until `file` exists (the holder's sign that it holds the lock). */
function waitForFile(file: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let k = 0; k < 400 && !existsSync(file); k++) Atomics.wait(pause, 0, 0, 25);
  assert.ok(existsSync(file), "the holder did not start");
}

test("a lock taken while the fit runs: the fit is kept beside the database, and imported later once", async () => {
  const store = db("taken.duckdb");
  assert.equal((await runCli("import", "--db", store, epoch)).code, 0);
  // The lock is taken during the fit (at its first progress report), after the data were read.
  const ready = join(dir, "holder-ready");
  const script = `
    const { DuckDBInstance } = await import(${JSON.stringify(join(root, "node_modules/@duckdb/node-api/lib/index.js"))});
    const instance = await DuckDBInstance.create(${JSON.stringify(store)});
    await instance.connect();
    (await import("node:fs")).writeFileSync(${JSON.stringify(ready)}, "");
    setInterval(() => {}, 1000);`;
  let child: ReturnType<typeof spawn> | undefined;
  const request = {
    law: chinchilla,
    source: { db: store },
    options: {
      intervals: "none" as const,
      onProgress: () => {
        if (child) return;
        child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
        waitForFile(ready);
      },
    },
    save: true,
    saveWait: 0.5,
  };
  let message = "";
  try {
    await fitFromSource(request);
  } catch (error) {
    message = (error as Error).message;
  } finally {
    child?.kill("SIGKILL");
  }
  const match =
    /^database \S+taken.duckdb is in use by another scalefit process \(pid \d+\) after waiting 0.5 s: the fit is in (\S+taken-unsaved-fit-\d{8}T\d{6}.json); store it later with scalefit import --db \S+taken.duckdb --format fit \S+$/.exec(
      message,
    );
  assert.ok(match, message);
  const kept = match[1]!;
  assert.equal(JSON.parse(readFileSync(kept, "utf8")).law, "chinchilla");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const first = await runCli("import", "--db", store, "--format", "fit", kept);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /\(fit\): stored as fit 1\n$/);
  const again = await runCli("import", "--db", store, "--format", "fit", kept);
  assert.match(again.stdout, /already stored as fit 1, nothing added\n$/);
  assert.equal(await storedFits(store), 1);
});

test("a lock released within --wait: the fit is saved", async () => {
  const store = db("released.duckdb");
  assert.equal((await runCli("import", "--db", store, epoch)).code, 0);
  const lock = await holder(store);
  setTimeout(() => lock.kill("SIGKILL"), 1000);
  const run = await runCli(
    "fit",
    "--law",
    "chinchilla",
    "--db",
    store,
    "--intervals",
    "none",
    "--save",
    "--wait",
    "20",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /fit saved in \S+released.duckdb as fit 1\n$/);
  assert.equal(await storedFits(store), 1);
});

test("--format fit refuses an artifact predict would refuse, and run options", async () => {
  const store = db("refuse.duckdb");
  const bad = join(dir, "bad.json");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(bad, JSON.stringify({ law: "chinchilla", params: {}, options: {} }));
  const run = await runCli("import", "--db", store, "--format", "fit", bad);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^scalefit import: \S+bad.json is not a scalefit fit artifact: missing parameter E of law chinchilla\n$/,
  );
  const mapped = await runCli("import", "--db", store, "--format", "fit", "--map", "loss=x", bad);
  assert.match(mapped.stderr, /^scalefit import: --format fit stores fit artifacts: --map is for runs\n$/);
  assert.equal(
    (await runCli("fit", "--law", "chinchilla", "--data", epoch, "--wait", "3")).stderr,
    "scalefit fit: --wait is for --db (how long to wait while another process writes the database)\n",
  );
});
