/**
 * The store from the command line: import, runs, export, and fit / compare / predict with --db and --where,
 * on the bundled data (real DuckDB files in a temporary directory).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "../_cli.js";
import { fingerprint, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const data = (p: string) => join(root, "data", p);
/** `scalefit fit --law chinchilla … --intervals none` on a data source. */
const chinchillaFit = (...source: string[]) =>
  runCli("fit", "--law", "chinchilla", ...source, "--intervals", "none");

test("import prints what it added and adds nothing the second time; --json gives the same as a document", async () => {
  const { db } = scratch("cli-import");
  const first = await runCli("import", "--db", db(), data("chinchilla/epoch.csv"), data("colpret/opt.csv"));
  assert.equal(first.code, 0, first.stderr);
  // 245 Epoch rows are 245 one-point runs; the ColPret OPT file has 6 runs and 142 logged points (its SOURCE.md).
  assert.match(first.stdout, /epoch\.csv \(csv\): 245 new runs, 0 extended, 245 points added/);
  assert.match(first.stdout, /opt\.csv \(csv\): 6 new runs, 0 extended, 142 points added/);
  const before = await fingerprint(db());
  const again = await runCli("import", "--db", db(), data("chinchilla/epoch.csv"), "--json");
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout) as { imports: { status: string; digest: string }[] };
  assert.equal(doc.imports[0]!.status, "already imported");
  assert.match(doc.imports[0]!.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await fingerprint(db()), before);
});

test("runs lists the stored runs, filtered by --where, as a table or JSON", async () => {
  const { db } = scratch("cli-runs");
  await runCli("import", "--db", db(), data("chinchilla/epoch.csv"), data("colpret/opt.csv"));
  const table = await runCli("runs", "--db", db(), "--where", "N>=1e10");
  assert.equal(table.code, 0, table.stderr);
  // Six Epoch runs and OPT-13b, 30b and 175b have N >= 1e10 (epoch.csv, opt.csv).
  assert.match(table.stdout, /^9 runs in /);
  assert.match(table.stdout, /OPT-30b\s+3\.00e\+10\s+15\s+70000\s+2\.4378/);
  const json = await runCli("runs", "--db", db(), "--where", "run~OPT-*", "--where", "N<1e9", "--json");
  const runs = (JSON.parse(json.stdout) as { runs: { name: string; points: number }[] }).runs;
  assert.deepEqual(
    runs.map((r) => [r.name, r.points]),
    [["OPT-125m", 36]],
  );
});

test("fit --db uses the stored final losses and gives the fit of the same file; --save stores it and export writes it", async () => {
  const { db, dir } = scratch("cli-fit");
  await runCli("import", "--db", db(), data("chinchilla/epoch.csv"), data("colpret/opt.csv"));
  const fromDb = await chinchillaFit("--db", db(), "--where", "run~epoch-*", "--json", "--save");
  assert.equal(fromDb.code, 0, fromDb.stderr);
  const fromFile = await chinchillaFit("--data", data("chinchilla/epoch.csv"), "--json");
  const a = JSON.parse(fromDb.stdout) as {
    params: Record<string, number>;
    points: number;
    data: { usedEval: number; usedTrain: number };
  };
  const b = JSON.parse(fromFile.stdout) as { params: Record<string, number>; points: number };
  assert.equal(a.points, 245);
  for (const name of Object.keys(b.params))
    assert.ok(Math.abs(a.params[name]! / b.params[name]! - 1) < 1e-9, name);
  // The report says which loss it used: Epoch's table has train losses only.
  const report = await chinchillaFit("--db", db(), "--where", "run~epoch-*", "--save");
  assert.match(report.stdout, /245 runs: last eval loss of 0, train loss of 245; where run~epoch-\*/);
  // --save says where the fit went (the first save was fit 1, with --json).
  assert.match(report.stdout, /fit saved in .*runs\.duckdb as fit 2\n$/);
  const fits = join(dir, "fits.csv");
  const exported = await runCli("export", "--db", db(), "--table", "fits", fits);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /^2 rows of fits written to /);
  assert.match(readFileSync(fits, "utf8"), /chinchilla/);
});

test("export writes points with their runs' metadata that import into a new database as the same runs", async () => {
  const { db, dir } = scratch("cli-export");
  await runCli("import", "--db", db(), data("colpret/opt.csv"));
  for (const format of ["csv", "parquet", "arrow"]) {
    const out = join(dir, `points.${format}`);
    const run = await runCli("export", "--db", db(), out, "--where", "N>=1e9", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(out));
    const rowsWritten = (JSON.parse(run.stdout) as { rows: number }).rows;
    const copy = db(`copy-${format}.duckdb`);
    const imported = await runCli("import", "--db", copy, out, "--json");
    const result = (JSON.parse(imported.stdout) as { imports: { pointsAdded: number; runsAdded: number }[] })
      .imports[0]!;
    assert.equal(result.pointsAdded, rowsWritten);
    // OPT-1.3b, 6.7b, 13b, 30b and 175b have N >= 1e9 (opt.csv).
    assert.equal(result.runsAdded, 5);
    const listed = JSON.parse((await runCli("runs", "--db", copy, "--json")).stdout) as {
      runs: { name: string; n: number }[];
    };
    assert.deepEqual(
      listed.runs.map((r) => [r.name, r.n]),
      [
        ["OPT-1.3b", 1.3e9],
        ["OPT-6.7b", 6.7e9],
        ["OPT-13b", 1.3e10],
        ["OPT-30b", 3e10],
        ["OPT-175b", 1.75e11],
      ],
    );
  }
});

test("a curve law fits whole curves from the store (schedules from --meta) and compare reads --db too", async () => {
  const { db } = scratch("cli-curves");
  const imported = await runCli(
    "import",
    "--db",
    db(),
    data("multipower/curves.csv"),
    "--meta",
    data("multipower/schedules.json"),
  );
  assert.equal(imported.code, 0, imported.stderr);
  const where = ["--where", "run=25M/cosine_24000,25M/constant_24000,25M/wsdcon_9"];
  const fit = await runCli(
    "fit",
    "--law",
    "lr-anneal",
    "--db",
    db(),
    ...where,
    "--intervals",
    "none",
    "--json",
  );
  assert.equal(fit.code, 0, fit.stderr);
  const doc = JSON.parse(fit.stdout) as {
    points: number;
    data: { runs: string[] };
    params: Record<string, number>;
  };
  assert.deepEqual(doc.data.runs, ["25M/constant_24000", "25M/cosine_24000", "25M/wsdcon_9"]);
  // The same three curves from the CSV file give the same fit.
  const fromFile = await runCli(
    "fit",
    "--law",
    "lr-anneal",
    "--data",
    data("multipower/curves.csv"),
    "--schedules",
    data("multipower/schedules.json"),
    "--runs",
    "25M/cosine_24000,25M/constant_24000,25M/wsdcon_9",
    "--intervals",
    "none",
    "--json",
  );
  const file = JSON.parse(fromFile.stdout) as { points: number; params: Record<string, number> };
  assert.equal(doc.points, file.points);
  for (const name of Object.keys(file.params))
    assert.ok(Math.abs(doc.params[name]! / file.params[name]! - 1) < 1e-6, name);
  const compare = await runCli(
    "compare",
    "--laws",
    "power,chinchilla",
    "--db",
    db(),
    "--where",
    "step>=0",
    "--json",
  );
  // The curves have N but no flops or D: a power law in C cannot be fitted from them, and the message says why.
  assert.equal(compare.code, 1);
  assert.match(
    compare.stderr,
    /^scalefit compare: run 25M\/constant_24000 in .* has no C \(import it with a flops column, or N and D /,
  );
});

test("fit --data reads Parquet and Arrow files like CSV (roles, --map, row numbers in messages)", async () => {
  const { db, dir } = scratch("cli-columnar");
  await runCli("import", "--db", db(), data("chinchilla/epoch.csv"));
  const csvFit = JSON.parse(
    (
      await runCli(
        "fit",
        "--law",
        "chinchilla",
        "--data",
        data("chinchilla/epoch.csv"),
        "--intervals",
        "none",
        "--json",
      )
    ).stdout,
  ) as { params: Record<string, number>; points: number };
  for (const format of ["parquet", "arrow"]) {
    const out = join(dir, `epoch.${format}`);
    assert.equal((await runCli("export", "--db", db(), out)).code, 0);
    // Exported points carry train_loss: without --map the message names the fix.
    const unmapped = await runCli("fit", "--law", "chinchilla", "--data", out, "--intervals", "none");
    assert.equal(unmapped.code, 1);
    assert.match(unmapped.stderr, /has no column loss: .* --map loss=<column> renames one/);
    const run = await runCli(
      "fit",
      "--law",
      "chinchilla",
      "--data",
      out,
      "--map",
      "loss=train_loss",
      "--intervals",
      "none",
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    const fit = JSON.parse(run.stdout) as { params: Record<string, number>; points: number };
    assert.equal(fit.points, csvFit.points);
    for (const name of Object.keys(csvFit.params))
      assert.ok(Math.abs(fit.params[name]! / csvFit.params[name]! - 1) < 1e-9, `${format} ${name}`);
  }
  // A bad value in a Parquet file is named by row and column.
  const bad = join(dir, "bad.parquet");
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  await connection.run(
    `COPY (SELECT 1e8 AS N, 2e9 AS D, CASE WHEN range = 3 THEN -1.0 ELSE 3.0 END AS loss FROM range(20)) TO '${bad}' (FORMAT PARQUET)`,
  );
  connection.closeSync();
  const refused = await runCli("fit", "--law", "chinchilla", "--data", bad);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /bad\.parquet row 4, column loss: -1 /);
});
