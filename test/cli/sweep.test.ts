import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { openStore, rows } from "../../src/store/duckdb.js";
import { runCli } from "../_cli.js";
import { fingerprint, holder, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const killedSweep = join(root, "test/trainers/_killedSweep.ts");

/** Every stored point, ordered, as text: equal strings mean the same runs and the same numbers. */
async function points(db: string): Promise<string> {
  const store = await openStore(db, { readOnly: true });
  try {
    const found = await rows(
      store,
      "SELECT r.name, p.step, p.tokens, p.flops, p.lr, p.train_loss, p.eval_loss FROM points p JOIN runs r USING (run_id) ORDER BY r.name, p.step",
    );
    return JSON.stringify(found);
  } finally {
    store.close();
  }
}

test("sweep --preset smoke trains four runs into the store; a rerun skips them", async () => {
  const { db } = scratch("smoke");
  const database = db();
  const first = await runCli("sweep", "--preset", "smoke", "--db", database, "--json");
  assert.equal(first.code, 0, first.stderr);
  const result = JSON.parse(first.stdout);
  assert.equal(result.runs.length, 4);
  assert.deepEqual(
    result.runs.map((r: { outcome: string }) => r.outcome),
    ["done", "done", "done", "done"],
  );
  assert.equal(result.pointsAdded, 24);
  // ln 63 = 4.14 at the start; 30 steps of these tiny models reach 2.9–3.5 (measured: 3.41, 3.16, 3.08, 2.99).
  for (const r of result.runs) assert.ok(r.evalLoss > 2.7 && r.evalLoss < 3.7, `${r.name}: ${r.evalLoss}`);
  const runs = JSON.parse((await runCli("runs", "--db", database, "--json")).stdout).runs;
  assert.equal(runs.length, 4);
  assert.ok(
    runs.every(
      (r: { status: string; kind: string; backend: string }) =>
        r.status === "done" && r.kind === "lm" && r.backend === "wasm",
    ),
  );
  const before = await fingerprint(database);
  const again = JSON.parse((await runCli("sweep", "--preset", "smoke", "--db", database, "--json")).stdout);
  assert.deepEqual(
    again.runs.map((r: { outcome: string }) => r.outcome),
    ["skipped", "skipped", "skipped", "skipped"],
  );
  assert.equal(await fingerprint(database), before);
  // The runs fit with a curve law straight from the store (schedules stored with the runs).
  const fit = await runCli(
    "fit",
    "--law",
    "lr-anneal",
    "--db",
    database,
    "--where",
    "run~smoke/dModel=32*",
    "--intervals",
    "none",
    "--json",
  );
  assert.equal(fit.code, 0, fit.stderr);
  assert.equal(JSON.parse(fit.stdout).law, "lr-anneal");
});

test("a sweep killed mid-run continues where it stopped, and ends with exactly the uninterrupted points", async () => {
  const { db } = scratch("resume");
  const whole = db("whole.duckdb");
  const killed = db("killed.duckdb");
  assert.equal((await runCli("sweep", "--preset", "smoke", "--db", whole)).code, 0);
  // Killed (SIGKILL, no cleanup) right after its 9th stored point: inside the second run, before its checkpoint
  // (the smoke sweep with an afterPoint hook that kills it).
  const dead = spawnSync(process.execPath, ["--import", "tsx", killedSweep, killed, "9"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(dead.signal, "SIGKILL");
  assert.equal(readdirSync(`${killed}.checkpoints`).length, 1);
  const rerun = await runCli("sweep", "--preset", "smoke", "--db", killed, "--json");
  assert.equal(rerun.code, 0, rerun.stderr);
  const outcomes = JSON.parse(rerun.stdout).runs.map(
    (r: { outcome: string; from: number }) => `${r.outcome}@${r.from}`,
  );
  assert.deepEqual(outcomes, ["skipped@0", "resumed@10", "done@0", "done@0"]);
  assert.equal(await points(killed), await points(whole));
  assert.deepEqual(readdirSync(`${killed}.checkpoints`), []);
});

test("shards write Parquet files that import into the same runs and points as the whole sweep, idempotently", async () => {
  const { db, dir } = scratch("shards");
  const whole = db("whole.duckdb");
  assert.equal((await runCli("sweep", "--preset", "smoke", "--db", whole)).code, 0);
  for (const i of [0, 1]) {
    const run = await runCli(
      "sweep",
      "--preset",
      "smoke",
      "--db",
      db(`shard-${i}.duckdb`),
      "--shard",
      `${i}/2`,
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.runs.length, 2);
    assert.equal(result.parquet.file, join(dir, `shard-${i}.parquet`));
    assert.equal(result.parquet.rows, 12);
  }
  const merged = db("merged.duckdb");
  const files = [0, 1].map((i) => join(dir, `shard-${i}.parquet`));
  assert.equal((await runCli("import", "--db", merged, ...files)).code, 0);
  assert.equal(await points(merged), await points(whole));
  const before = await fingerprint(merged);
  const again = await runCli("import", "--db", merged, ...files, "--json");
  assert.equal(again.code, 0);
  assert.equal(await fingerprint(merged), before);
  // Configurations and conventions travel with the runs.
  const store = await openStore(merged, { readOnly: true });
  const [run] = await rows(
    store,
    "SELECT config, conventions, status, schedule FROM runs ORDER BY name LIMIT 1",
  );
  store.close();
  assert.equal(JSON.parse(String(run!.config)).model.dModel, 16);
  assert.equal(JSON.parse(String(run!.conventions)).flops, "6ND");
  assert.equal(run!.status, "done");
  assert.match(String(run!.schedule), /^cosine:peak=0.003,floor=0.0003,steps=30/);
});

test("a sweep pointed at a database in use stops before training, with nothing written", async () => {
  const { db } = scratch("inuse");
  const database = db();
  assert.equal((await runCli("sweep", "--preset", "smoke", "--db", database, "--shard", "0/2")).code, 0);
  const before = await fingerprint(database);
  const writer = await holder(database);
  try {
    const run = await runCli("sweep", "--preset", "smoke", "--db", database);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `scalefit sweep: database ${database} is in use by another scalefit process (pid ${writer.pid})`,
    );
  } finally {
    writer.kill("SIGKILL");
    await new Promise((resolve) => writer.once("exit", resolve));
  }
  assert.equal(await fingerprint(database), before);
  assert.ok(!existsSync(`${database}.checkpoints`) || readdirSync(`${database}.checkpoints`).length === 0);
});

test("bad sweep configs and options: one line naming the field, exit 1, no database created", async () => {
  const { file, db } = scratch("badsweep");
  const database = db();
  const config = (value: unknown) =>
    file(`c${Math.random().toString(36).slice(2)}.json`, JSON.stringify(value));
  const base = { name: "s", grid: { dModel: [32] } };
  const cases: Array<[string[], RegExp]> = [
    [
      [config({ ...base, grid: { dModel: [30] }, model: { heads: 4 } })],
      /: grid dModel=30: heads \(4\) must divide dModel \(30\)$/,
    ],
    // Refused by the trainers' size limit before the data are read (kjv's 413785 held-out tokens exceed it).
    [[config({ ...base, model: { seqLen: 9_000_000 } })], /seqLen 9000000 is more than 65536/],
    [
      [config({ ...base, grid: { dModel: [32], lr: [0] } })],
      /: grid.lr\[0\] must be a positive number, got 0$/,
    ],
    [
      [config({ ...base, grid: { dModel: [32], lr: [-1e-3] } })],
      /: grid.lr\[0\] must be a positive number, got -0.001$/,
    ],
    [[config({ ...base, grid: { width: [32] } })], /: grid has no axis width \(axes: dModel, layers/],
    [
      [config({ ...base, grid: { dModel: [32], schedule: ["warm"] } })],
      /grid.schedule\[0\]: schedule must be one of constant, cosine, linear, wsd, inverse-sqrt/,
    ],
    [
      [config({ name: "a b", grid: { dModel: [32] } })],
      /name must be letters, digits, dots, dashes or underscores, got "a b"$/,
    ],
    [
      [config({ ...base, data: { markov: { order: 0 } } })],
      /data: markov.order must be an integer in \[1, 4\], got 0$/,
    ],
    [[file("broken.json", "{")], /broken.json: not valid JSON/],
    [["missing.json"], /^scalefit sweep: no sweep config missing.json$/],
    [["--preset", "huge"], /unknown --preset huge \(presets: smoke, kjv-chinchilla, markov\)$/],
    [
      ["--preset", "smoke", "--shard", "2/2"],
      /invalid --shard 2\/2 \(expected i\/n with 0 <= i < n, e.g. 0\/4\)$/,
    ],
    [
      ["--preset", "smoke", "--backend", "gpu"],
      /unknown --backend gpu \(expected auto, wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu\)$/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runCli("sweep", ...args, "--db", database);
    assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr.trim(), message);
  }
  // Only the backend case got as far as opening the store; no run was written.
  if (existsSync(database))
    assert.equal(JSON.parse((await runCli("runs", "--db", database, "--json")).stdout).runs.length, 0);
});

test("scalefit train --json prints DESIGN.md's fields; bad options are one-line errors", async () => {
  const run = await runCli(
    "train",
    "--d-model",
    "32",
    "--heads",
    "2",
    "--layers",
    "1",
    "--seq",
    "32",
    "--batch",
    "8",
    "--steps",
    "10",
    "--threads",
    "1",
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.threads, 1);
  for (const key of ["tokensPerSecond", "params", "lossFirst", "lossLast", "backend"])
    assert.ok(key in out, key);
  assert.equal(out.backend, "wasm");
  // Embeddings 63·32 + 32·32, one block (LNs 2·64, attention 4·32² + 4·32, MLP 2·32·128 + 128 + 32), final LN 64.
  assert.equal(out.params, 63 * 32 + 32 * 32 + (128 + 4 * 32 * 32 + 4 * 32 + 2 * 32 * 128 + 128 + 32) + 64);
  assert.ok(out.tokensPerSecond > 0 && out.lossLast < out.lossFirst);
  const bad: Array<[string[], string]> = [
    [["--heads", "3"], "scalefit train: train: heads (3) must divide dModel (64)"],
    [
      ["--seq", "9000000"],
      "scalefit train: invalid --seq: 9000000 (expected a positive integer up to 65536)",
    ],
    [["--lr", "0"], "scalefit train: invalid --lr: 0 (expected a positive learning rate)"],
    [
      ["--lr", "-1e-3"],
      "scalefit train: option --lr is followed by a value that starts with a dash: write --lr=<value> (see scalefit train --help)",
    ],
    [["--lr=-1e-3"], "scalefit train: invalid --lr: -1e-3 (expected a positive learning rate)"],
    [
      ["--backend", "tpu"],
      "scalefit train: unknown --backend tpu (expected auto, wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu)",
    ],
    [["--threads", "0"], "scalefit train: invalid --threads: 0 (expected a positive integer)"],
    [
      ["--schedule", "warm"],
      "scalefit train: invalid --schedule warm (expected constant, cosine, linear, wsd, inverse-sqrt or kind:key=value,…)",
    ],
  ];
  for (const [args, message] of bad) {
    const r = await runCli("train", "--steps", "2", ...args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), message);
  }
});
