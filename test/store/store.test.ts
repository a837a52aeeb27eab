import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { loadObservations } from "../../src/data/loadObservations.js";
import { chinchillaDataPath } from "../../src/demo.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { openStore, rows, schemaVersion } from "../../src/store/duckdb.js";
import { importFiles } from "../../src/store/importFiles.js";
import { curvesFromStore, finalLosses, listRuns } from "../../src/store/readRuns.js";
import { migrations } from "../../src/store/schema.js";
import { whereClause } from "../../src/store/where.js";
import { fingerprint, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = (p: string) => join(root, "data/fixtures", p);

test("openStore creates the schema (version 3), reopens read-only, and refuses a missing read-only database", async () => {
  const { db } = scratch("open");
  const store = await openStore(db());
  assert.equal(await schemaVersion(store), 3);
  store.close();
  const reader = await openStore(db(), { readOnly: true });
  assert.equal(await schemaVersion(reader), 3);
  reader.close();
  await assert.rejects(
    openStore(join(db(), "..", "missing.duckdb"), { readOnly: true }),
    /no database at .*missing.duckdb/,
  );
});

test("a version-1 database is upgraded to version 3 on the first write, its runs and points kept; readers are told to upgrade", async () => {
  const { db } = scratch("migrate");
  const path = db();
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(migrations[0]!);
  await connection.run("INSERT INTO meta VALUES ('schema_version', '1')");
  await connection.run("INSERT INTO runs (run_id, name, source, n) VALUES (1, 'old-run', 'test', 1e8)");
  await connection.run("INSERT INTO points VALUES (1, 10, 1e6, 6e14, 1e-3, 3.5, NULL)");
  connection.closeSync();
  instance.closeSync();
  await assert.rejects(
    openStore(path, { readOnly: true }),
    /needs a schema upgrade: open it once for writing/,
  );
  const store = await openStore(path);
  assert.equal(await schemaVersion(store), 3);
  assert.deepEqual(await rows(store, "SELECT name, n, unique_tokens, qat_tokens FROM runs"), [
    { name: "old-run", n: 1e8, unique_tokens: null, qat_tokens: null },
  ]);
  assert.deepEqual(
    await rows(store, "SELECT step, train_loss, grad_small_norm2, grad_big_norm2 FROM points"),
    [{ step: 10, train_loss: 3.5, grad_small_norm2: null, grad_big_norm2: null }],
  );
  store.close();
});

test("a final-loss table imports as one run per row; the same content again adds nothing; fits from the store equal fits from the file", async () => {
  const { db } = scratch("final");
  const store = await openStore(db());
  const [first] = await importFiles(store, [chinchillaDataPath]);
  assert.equal(first!.status, "imported");
  assert.equal(first!.runsAdded, 245);
  const before = await rows(store, "SELECT count(*) AS n FROM points");
  const [second] = await importFiles(store, [chinchillaDataPath]);
  assert.equal(second!.status, "already imported");
  assert.deepEqual(await rows(store, "SELECT count(*) AS n FROM points"), before);
  const stored = await finalLosses(store, ["N", "D"]);
  assert.equal(stored.usedTrain, 245);
  store.close();
  const file = loadObservations(chinchillaDataPath, chinchilla).observations;
  const a = fitLaw(chinchilla, stored.observations, { intervals: "none" });
  const b = fitLaw(chinchilla, file, { intervals: "none" });
  assert.equal(a.objective, b.objective);
});

test("appending new steps to a stored run works; a stored step with other values is refused and nothing changes", async () => {
  const { db, file } = scratch("append");
  const curve = (from: number, to: number, shift = 0) =>
    [
      "run,step,loss,lr",
      ...Array.from(
        { length: to - from + 1 },
        (_, k) => `a,${(from + k) * 10},${(3 + shift + 1 / (from + k)).toFixed(6)},0.001`,
      ),
    ].join("\n");
  const store = await openStore(db());
  await importFiles(store, [file("part1.csv", curve(1, 50))]);
  const [extended] = await importFiles(store, [file("part2.csv", curve(41, 80))]);
  assert.equal(extended!.runsExtended, 1);
  assert.equal(extended!.pointsAdded, 30);
  assert.equal(extended!.pointsAlreadyStored, 10);
  store.close();
  const before = await fingerprint(db());
  const again = await openStore(db());
  await assert.rejects(
    importFiles(again, [file("clash.csv", curve(70, 90, 0.5))]),
    /clash.csv line 2: run a already has step 700 with other values/,
  );
  again.close();
  assert.equal(await fingerprint(db()), before);
});

test("a fit uses each run's last eval loss, or its train loss when it has none, and says how many of each", async () => {
  const { db, file } = scratch("lastloss");
  const store = await openStore(db());
  await importFiles(store, [
    file(
      "runs.csv",
      [
        "run,N,D,step,train_loss,eval_loss",
        "a,1e8,2e9,100,3.5,",
        "a,1e8,2e9,200,3.2,3.3",
        "a,1e8,2e9,300,3.0,",
        "b,2e8,4e9,100,3.1,",
        "b,2e8,4e9,200,2.9,",
      ].join("\n"),
    ),
  ]);
  const final = await finalLosses(store, ["N", "D"]);
  assert.deepEqual(Array.from(final.observations.loss), [3.3, 2.9]);
  assert.equal(final.usedEval, 1);
  assert.equal(final.usedTrain, 1);
  const filtered = await finalLosses(store, ["N", "D"], ["N>=1.5e8"]);
  assert.deepEqual(filtered.observations.run, ["b"]);
  store.close();
});

test("--where filters are bound as parameters: a hostile value is data, not SQL", async () => {
  const clause = whereClause(["run=x' OR 1=1 --", "N>=1e8", "run~25M/*"]);
  assert.ok(!clause.sql.includes("OR 1=1"));
  assert.deepEqual(clause.values, ["x' OR 1=1 --", 1e8, "25M/%"]);
  const { db } = scratch("where");
  const store = await openStore(db());
  await importFiles(store, [chinchillaDataPath]);
  assert.equal((await listRuns(store, ["run=x' OR 1=1 --"])).length, 0);
  assert.equal((await listRuns(store, ["run~epoch-1*"])).length, 1 + 10 + 100);
  assert.throws(() => whereClause(["size>3"]), /unknown field size/);
  assert.throws(() => whereClause(["N~3"]), /~ matches text fields/);
  store.close();
});

test("Parquet (written by DuckDB) and Arrow IPC (written by apache-arrow) import like CSV", async () => {
  const { db, dir, file } = scratch("binary");
  const parquet = join(dir, "curves.parquet");
  const maker = await (await DuckDBInstance.create(":memory:")).connect();
  await maker.run(
    `COPY (SELECT 'p' || (i % 3) AS run, (i // 3) * 10 AS step, 3.0 + 1.0 / (1 + i // 3) AS loss, 1e-3 AS lr, 1e8 AS N FROM range(300) t(i)) TO '${parquet}' (FORMAT PARQUET)`,
  );
  maker.closeSync();
  const arrow = file(
    "curves.arrow",
    tableToIPC(
      tableFromArrays({
        run: ["q", "q", "q"],
        step: Float64Array.of(10, 20, 30),
        loss: Float64Array.of(3.4, 3.2, 3.1),
        N: Float64Array.of(2e8, 2e8, 2e8),
      }),
      "file",
    ),
  );
  const store = await openStore(db());
  const results = await importFiles(store, [parquet, arrow]);
  assert.deepEqual(
    results.map((r) => [r.format, r.runsAdded, r.pointsAdded]),
    [
      ["parquet", 3, 300],
      ["arrow", 1, 3],
    ],
  );
  const runs = await listRuns(store);
  assert.deepEqual(
    runs.map((r) => [r.name, r.n, r.points]),
    [
      ["p0", 1e8, 100],
      ["p1", 1e8, 100],
      ["p2", 1e8, 100],
      ["q", 2e8, 3],
    ],
  );
  store.close();
});

test("Hugging Face trainer state, W&B history and TensorBoard event files import with their steps merged", async () => {
  const { db } = scratch("logs");
  const store = await openStore(db());
  await importFiles(store, [fixtures("huggingface/gpt2-small-run/trainer_state.json")]);
  await importFiles(store, [fixtures("wandb/run-history.csv")], { format: "wandb", run: "wandb-run" });
  await importFiles(store, [fixtures("tensorboard/events.out.tfevents.1700000000.scalefit-test")], {
    run: "tb-run",
  });
  const runs = Object.fromEntries((await listRuns(store)).map((r) => [r.name, r]));
  // trainer_state.json: 20 training entries (steps 50..1000), 4 eval entries merged into them
  assert.equal(runs["gpt2-small-run"]!.points, 20);
  assert.equal(runs["gpt2-small-run"]!.last_eval_loss, 2.5795);
  // the W&B export: 40 rows, train and eval metrics of one step on separate rows, system rows dropped
  assert.equal(runs["wandb-run"]!.points, 20);
  assert.equal(runs["wandb-run"]!.last_step, 2000);
  // the event file (test fixture written by make_tfevents.py): train/loss every 10 steps, eval/loss every 50 as tensors
  assert.equal(runs["tb-run"]!.points, 20);
  assert.ok(Math.abs(Number(runs["tb-run"]!.last_eval_loss) - (2 + 30 / Math.sqrt(200) + 0.05)) < 1e-6);
  const points = await rows(
    store,
    "SELECT p.step, p.lr FROM points p JOIN runs r USING (run_id) WHERE r.name = 'tb-run' ORDER BY step LIMIT 2",
  );
  assert.ok(Math.abs(Number(points[0]!.lr) - 2e-4) < 1e-9);
  store.close();
});

test("curves for a curve law come from the store with schedules from --meta (the multi-power data)", async () => {
  const { db } = scratch("curves");
  const store = await openStore(db());
  await importFiles(store, [join(root, "data/multipower/curves.csv")], {
    meta: join(root, "data/multipower/schedules.json"),
  });
  const data = await curvesFromStore(store, ["run=25M/cosine_24000,25M/wsdcon_9"]);
  assert.equal(data.loss.length, 171 + 95);
  assert.equal(data.schedules!["25M/cosine_24000"]!.length, 24001);
  store.close();
  const raw = readFileSync(join(root, "data/multipower/schedules.json"), "utf8");
  assert.ok(raw.includes("cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160"));
});

test("an import of several files reports its progress file by file: reading and checking, then writing", async () => {
  const { db } = scratch("progress");
  const store = await openStore(db());
  const calls: string[] = [];
  await importFiles(store, [join(root, "data/colpret/opt.csv"), join(root, "data/colpret/nmt.csv")], {
    onProgress: (done, total, stage) => calls.push(`${stage} ${done}/${total}`),
  });
  store.close();
  assert.deepEqual(calls, [
    "reading and checking 0/2",
    "reading and checking 1/2",
    "writing 0/2",
    "writing 1/2",
  ]);
});
