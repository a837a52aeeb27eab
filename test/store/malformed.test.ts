import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { runCli } from "../_cli.js";
import { fingerprint, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { db, dir, file } = scratch("malformed");
const database = db();
const tbFixture = readFileSync(
  join(root, "data/fixtures/tensorboard/events.out.tfevents.1700000000.scalefit-test"),
);
const hf = JSON.parse(
  readFileSync(join(root, "data/fixtures/huggingface/gpt2-small-run/trainer_state.json"), "utf8"),
);
const csv = (...lines: string[]) => lines.join("\n") + "\n";
const tbEvents = (name: string, bytes: Uint8Array) => file(`events.out.tfevents.${name}`, bytes);

/** A Parquet file written by DuckDB from a SELECT. */
async function parquet(name: string, select: string, options = ""): Promise<string> {
  const path = join(dir, name);
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT PARQUET${options ? `, ${options}` : ""})`);
  connection.closeSync();
  return path;
}

const cases: [string, () => Promise<string[]> | string[], RegExp][] = [];
const add = (name: string, argv: () => Promise<string[]> | string[], message: RegExp) =>
  cases.push([name, argv, message]);

// CSV and JSONL values
add(
  "NaN loss",
  () => [file("nan.csv", csv("run,step,loss", "a,1,3", "a,2,NaN"))],
  /nan.csv line 3, column loss: NaN is not a positive finite loss/,
);
add(
  "negative loss",
  () => [file("negative.csv", csv("run,step,loss", "a,1,-3"))],
  /negative.csv line 2, column loss: -3 is not a positive finite loss/,
);
add(
  "zero loss",
  () => [file("zero.csv", csv("run,step,loss", "a,1,0"))],
  /zero.csv line 2, column loss: 0 is not a positive finite loss/,
);
add(
  "infinite loss",
  () => [file("inf.csv", csv("run,step,loss", "a,1,Infinity"))],
  /inf.csv line 2, column loss: Infinity is not a positive finite loss/,
);
add(
  "infinite eval loss",
  () => [file("infeval.csv", csv("run,step,eval_loss", "a,1,-Infinity"))],
  /infeval.csv line 2, column eval_loss: -Infinity is not a positive finite loss/,
);
add(
  "text loss",
  () => [file("text.csv", csv("run,step,loss", "a,1,low"))],
  /text.csv line 2, column loss: "low" is not a number/,
);
add(
  "text step",
  () => [file("textstep.csv", csv("run,step,loss", "a,one,3"))],
  /textstep.csv line 2, column step: "one" is not a number/,
);
add(
  "fractional step",
  () => [file("frac.csv", csv("run,step,loss", "a,1.5,3"))],
  /frac.csv line 2, column step: 1.5 is not a whole number of steps/,
);
add(
  "negative step",
  () => [file("negstep.csv", csv("run,step,loss", "a,-1,3"))],
  /negstep.csv line 2, column step: -1 is not a whole number of steps/,
);
add(
  "duplicated (run, step)",
  () => [file("dup.csv", csv("run,step,loss", "a,1,3", "a,1,2.9"))],
  /dup.csv line 3, column step: step 1 of run a is duplicated/,
);
add(
  "steps going backwards",
  () => [file("back.csv", csv("run,step,loss", "a,2,3", "a,1,2.9"))],
  /back.csv line 3, column step: step 1 of run a comes after step 2/,
);
add(
  "negative learning rate",
  () => [file("neglr.csv", csv("run,step,loss,lr", "a,1,3,-1e-3"))],
  /neglr.csv line 2, column lr: learning rate -0.001 is negative/,
);
add(
  "tokens smaller than steps",
  () => [file("units.csv", csv("run,step,tokens,loss", "a,100,100,3", "a,200,50,2.9"))],
  /units.csv line 3, column tokens: 50 tokens at step 200: fewer tokens than steps/,
);
add(
  "negative N",
  () => [file("negn.csv", csv("run,step,loss,N", "a,1,3,-5"))],
  /negn.csv line 2, column N: -5 is not a positive finite number/,
);
add(
  "N changing within a run",
  () => [file("meta.csv", csv("run,step,loss,N", "a,1,3,1e8", "a,2,2.9,2e8"))],
  /meta.csv line 3, column N: run a has N = 100000000 on its first row and 200000000 here/,
);
add(
  "empty run name",
  () => [file("emptyrun.csv", csv("run,step,loss", ",1,3"))],
  /emptyrun.csv line 2, column run: empty value/,
);
add(
  "several rows of a run without steps",
  () => [file("nostep.csv", csv("run,loss", "a,3", "a,2.9"))],
  /nostep.csv line 2, column step: run a has several rows, so every row needs a step/,
);
add(
  "a row without loss or learning rate",
  () => [file("empty-row.csv", csv("run,step,loss,lr", "a,1,3,", "a,2,,"))],
  /empty-row.csv line 3, column loss: the row has no loss and no learning rate/,
);
add(
  "missing loss column",
  () => [file("noloss.csv", csv("run,step,value", "a,1,3"))],
  /noloss.csv has no loss column \(loss, train_loss or eval_loss; columns: run, step, value/,
);
add(
  "both loss and train_loss",
  () => [file("both.csv", csv("run,step,loss,train_loss", "a,1,3,3"))],
  /both.csv has both loss and train_loss/,
);
add(
  "malformed CSV",
  () => [file("ragged.csv", csv("run,step,loss", "a,1,3", "a,2"))],
  /ragged.csv line 3: malformed CSV/,
);
add("empty CSV", () => [file("empty.csv", "")], /empty.csv is empty/);
add("header-only CSV", () => [file("header.csv", "run,step,loss\n")], /header.csv has no data rows/);
add(
  "JSONL with bad JSON",
  () => [file("bad.jsonl", '{"run":"a","step":1,"loss":3}\n{"run":"a",\n')],
  /bad.jsonl line 2: invalid JSON/,
);
add(
  "JSONL with NaN-like text",
  () => [file("nan.jsonl", '{"run":"a","step":1,"loss":"nan"}\n')],
  /nan.jsonl line 1, column loss: NaN is not a positive finite loss/,
);
add(
  "JSONL with a nested value",
  () => [file("nested.jsonl", '{"run":"a","step":1,"loss":{"x":1}}\n')],
  /nested.jsonl line 1, column loss: expected a number or a string/,
);
add(
  "unknown --map target",
  () => [file("map.csv", csv("run,step,val", "a,1,3")), "--map", "lossy=val"],
  /unknown --map target lossy/,
);
add(
  "--map from a missing column",
  () => [file("map2.csv", csv("run,step,val", "a,1,3")), "--map", "loss=value"],
  /--map loss=value: .*map2.csv has no column value/,
);
add(
  "unknown --set role",
  () => [file("set.csv", csv("run,step,loss", "a,1,3")), "--set", "size=3"],
  /unknown run metadata size/,
);
add(
  "--set of text where a number is needed",
  () => [file("set2.csv", csv("run,step,loss", "a,1,3")), "--set", "N=big"],
  /N must be a number, not "big"/,
);
add(
  "--meta that is not JSON",
  () => [file("m.csv", csv("run,step,loss", "a,1,3")), "--meta", file("meta.json", "{oops")],
  /--meta .*meta.json is not valid JSON/,
);
add(
  "a schedule in --meta that does not parse",
  () => [
    file("m2.csv", csv("run,step,loss", "a,1,3")),
    "--meta",
    file("meta2.json", '{"schedules": {"a": "cosine:peak=1"}}'),
  ],
  /invalid schedule "cosine:peak=1"/,
);
// JSON that is not a Hugging Face trainer state
add(
  "JSON without log_history",
  () => [file("trainer_state.json", '{"global_step": 10}')],
  /trainer_state.json is not a Hugging Face trainer state: it has no log_history array/,
);
add("JSON that is not JSON", () => [file("state.json", "{")], /state.json is not valid JSON/);
add(
  "HF entry with a text loss",
  () => [file("hf-text.json", JSON.stringify({ log_history: [{ step: 1, loss: "3" }] }))],
  /hf-text.json record 1 of log_history, column loss: "3" is not a number/,
);
add(
  "HF entry without a step",
  () => [file("hf-nostep.json", JSON.stringify({ log_history: [{ loss: 3 }] }))],
  /hf-nostep.json record 1 of log_history, column step: the entry has no step/,
);
add(
  "HF state with a negative loss",
  () => [file("hf-neg.json", JSON.stringify({ ...hf, log_history: [{ step: 5, loss: -1 }] }))],
  /hf-neg.json record 1, column loss: -1 is not a positive finite loss/,
);
// W&B
add(
  "W&B export with the same step logged twice differently",
  () => [file("wb.csv", csv("_step,train/loss", "1,3", "1,2.9")), "--format", "wandb"],
  /wb.csv line 3, column loss: step 1 of run wb is logged twice with different values/,
);
// Parquet
add(
  "truncated Parquet",
  async () => [
    file(
      "truncated.parquet",
      readFileSync(
        await parquet("whole.parquet", "SELECT 'a' AS run, range AS step, 3.0 AS loss FROM range(1000)"),
      ).subarray(0, 300),
    ),
  ],
  /truncated.parquet is not a readable Parquet file/,
);
add(
  "Parquet with a corrupt row group in the middle",
  async () => {
    // Ten snappy-compressed row groups; 2 kB of the middle overwritten: the footer still reads, a page does not.
    const bytes = readFileSync(
      await parquet(
        "groups.parquet",
        "SELECT 'r' || (range // 1000) AS run, range % 1000 AS step, 3.0 + (range % 7) / 10 AS loss FROM range(100000)",
        "ROW_GROUP_SIZE 10000",
      ),
    );
    bytes.fill(0xff, bytes.length >> 1, (bytes.length >> 1) + 2000);
    return [file("corrupt.parquet", bytes)];
  },
  /corrupt.parquet is not a readable Parquet file \([ -~]+\)\n$/,
);
add(
  "Parquet with a missing run name",
  async () => [
    await parquet(
      "norun.parquet",
      "SELECT CASE WHEN range = 2 THEN NULL ELSE 'a' END AS run, range AS step, 3.0 AS loss FROM range(5)",
    ),
  ],
  /norun.parquet row 3, column run: empty value/,
);
add(
  "Parquet that is CSV",
  () => [file("fake.parquet", "run,step,loss\na,1,3\n")],
  /fake.parquet is not a readable Parquet file/,
);
add(
  "Parquet with a text loss column",
  async () => [await parquet("textloss.parquet", "SELECT 'a' AS run, 1 AS step, 'high' AS loss")],
  /textloss.parquet column loss: expected numbers, found VARCHAR/,
);
add(
  "Parquet with a NaN loss",
  async () => [
    await parquet(
      "nanloss.parquet",
      "SELECT 'a' AS run, range AS step, CASE WHEN range = 7 THEN 'NaN'::DOUBLE ELSE 3.0 END AS loss FROM range(10)",
    ),
  ],
  /nanloss.parquet row 8, column loss: NaN is not a positive finite loss/,
);
add(
  "Parquet with steps going backwards",
  async () => [
    await parquet("back.parquet", "SELECT 'a' AS run, 10 - range AS step, 3.0 AS loss FROM range(3)"),
  ],
  /back.parquet row 2, column step: step 9 of run a comes after step 10/,
);
add(
  "Parquet without a loss column",
  async () => [await parquet("noloss.parquet", "SELECT 'a' AS run, 1 AS step, 2.0 AS value")],
  /noloss.parquet has no loss column/,
);
// Arrow
add(
  "truncated Arrow",
  () => [
    file(
      "truncated.arrow",
      tableToIPC(
        tableFromArrays({ step: Float64Array.of(1, 2, 3), loss: Float64Array.of(3, 2.9, 2.8) }),
        "file",
      ).subarray(0, 40),
    ),
  ],
  /truncated.arrow is not a readable Arrow IPC file/,
);
add(
  "Arrow with a negative loss",
  () => [
    file(
      "neg.arrow",
      tableToIPC(tableFromArrays({ step: Float64Array.of(1, 2), loss: Float64Array.of(3, -2) }), "file"),
    ),
  ],
  /neg.arrow row 2, column loss: -2 is not a positive finite loss/,
);
// TensorBoard
add(
  "TFRecord with a bad data CRC",
  () => {
    const bytes = Uint8Array.from(tbFixture);
    bytes[40] = bytes[40]! ^ 0xff;
    return [tbEvents("badcrc", bytes)];
  },
  /events.out.tfevents.badcrc record 1: bad CRC of the record data/,
);
add(
  "truncated TFRecord",
  () => [tbEvents("truncated", tbFixture.subarray(0, tbFixture.length - 7))],
  /events.out.tfevents.truncated record \d+: truncated/,
);
add(
  "TFRecord with a bad length CRC",
  () => {
    const bytes = Uint8Array.from(tbFixture);
    bytes[9] = bytes[9]! ^ 0x01;
    return [tbEvents("badlength", bytes)];
  },
  /events.out.tfevents.badlength record 1: bad CRC of the record length/,
);
add(
  "event file without loss scalars",
  () => {
    // only the first record (the file_version event): uint64 length + CRC + data + CRC
    const length = Number(new DataView(tbFixture.buffer, tbFixture.byteOffset).getBigUint64(0, true));
    return [tbEvents("noloss", tbFixture.subarray(0, 16 + length))];
  },
  /events.out.tfevents.noloss has no loss scalar/,
);
add(
  "--map to a TensorBoard tag that is not there",
  () => [tbEvents("maptag", tbFixture), "--map", "loss=val/loss"],
  /has no scalar tagged val\/loss/,
);
// files and options
add(
  "a file that does not exist",
  () => [join(dir, "missing.csv")],
  /cannot read .*missing.csv: no such file/,
);
add(
  "a file of unknown format",
  () => [file("runs.xlsx", "x")],
  /cannot tell the format of .*runs.xlsx from its name/,
);
add(
  "an unknown --format",
  () => [file("f.csv", csv("run,step,loss", "a,1,3")), "--format", "excel"],
  /invalid --format excel/,
);
add(
  "an invalid --loss-kind",
  () => [file("k.csv", csv("run,step,loss", "a,1,3")), "--loss-kind", "test"],
  /invalid --loss-kind test/,
);
add(
  "a database file that is not a database",
  () => [
    file("ok.csv", csv("run,step,loss", "a,1,3")),
    "--db",
    file("notdb.duckdb", "this is not a database"),
  ],
  /notdb.duckdb is not a scalefit database/,
);
add("no files", () => [], /scalefit import needs files to import/);

before(async () => {
  // A database with content, so "exactly as before" means something.
  const run = await runCli("import", "--db", database, join(root, "data/chinchilla/epoch.csv"));
  assert.equal(run.code, 0, run.stderr);
});

test(`${cases.length} malformed inputs are covered (the issue asks for at least 40)`, () => {
  assert.ok(cases.length >= 40);
});

for (const [name, argv, message] of cases) {
  test(`scalefit import with ${name}: one line naming it, exit 1, the database exactly as before`, async () => {
    const before = await fingerprint(database);
    const args = await argv();
    const run = await runCli("import", ...(args.includes("--db") ? [] : ["--db", database]), ...args);
    assert.equal(run.code, 1, `exit ${run.code}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.equal(await fingerprint(database), before);
  });
}

test("a malformed file among good ones rolls back the whole import", async () => {
  const before = await fingerprint(database);
  const good = file("good.csv", csv("run,step,loss", "g,1,3", "g,2,2.9"));
  const bad = file("bad-later.csv", csv("run,step,loss", "h,1,3", "h,1,2.9"));
  const run = await runCli("import", "--db", database, good, bad);
  assert.equal(run.code, 1);
  assert.equal(await fingerprint(database), before);
});
