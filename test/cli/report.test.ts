import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("report --fit: a saved fit with its data when the file is unchanged, without it when the file changed", async () => {
  const { db, dir } = scratch("report-fit");
  const data = join(dir, "epoch.csv");
  copyFileSync(join(root, "data/chinchilla/epoch.csv"), data);
  const fit = join(dir, "fit.json");
  const fitted = await runCli(
    "fit",
    "--law",
    "chinchilla",
    "--data",
    data,
    "--drop-highest",
    "5",
    "--intervals",
    "covariance",
    "--out",
    fit,
  );
  assert.equal(fitted.code, 0, fitted.stderr);
  const database = db();
  assert.equal((await runCli("import", "--db", database, data)).code, 0);
  const report = async (out: string) => {
    const run = await runCli("report", "--db", database, "--fit", fit, "--out", join(dir, out), "--json");
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { files: string[] }).files.map((f) => f.slice(f.lastIndexOf("/") + 1));
  };
  const withData = await report("a");
  assert.ok(
    withData.some((f) => f.endsWith("-fit.png")),
    withData.join(" "),
  );
  assert.ok(withData.some((f) => f.endsWith("-residuals-N.png")));
  assert.ok(withData.some((f) => f.endsWith("-frontier.png")));
  assert.match(
    readFileSync(join(dir, "a", "index.html"), "utf8"),
    /saved fit .*fit\.json, data .*epoch\.csv/,
  );
  // One more row: the file's sha256 no longer matches the artifact's, so the points are not drawn.
  writeFileSync(data, readFileSync(data, "utf8") + "1e9,2e10,2.5\n");
  const without = await report("b");
  assert.ok(!without.some((f) => f.endsWith("-fit.png")));
  assert.ok(without.some((f) => f.endsWith("-frontier.png")));
});

test("report takes fit's law options and --sensitivity: refits under the other conventions, shown with the fit", async () => {
  const { db, dir } = scratch("report-options");
  const database = db();
  const sweep = join(root, "data/sweeps/kjv-chinchilla/sweep.parquet");
  assert.equal((await runCli("import", "--db", database, sweep)).code, 0);
  const out = join(dir, "report");
  const run = await runCli(
    "report",
    "--db",
    database,
    "--law",
    "chinchilla",
    "--sensitivity",
    "--bootstrap",
    "20",
    "--out",
    out,
  );
  assert.equal(run.code, 0, run.stderr);
  const html = readFileSync(join(out, "index.html"), "utf8").replaceAll("&#39;", "'");
  // 6 conventions × N total and non-embedding (the sweep stores both); measured on this sweep (15 runs) at 100×
  // the largest run's C = 2.6e12: least squares puts N* twice as high as Huber.
  assert.match(
    html,
    /\[\[Sensitivity\]\] 12 point fits under the conventions people disagree on; N\*, D\* and loss at C = 2\.599e\+14/,
  );
  assert.match(
    html,
    /N\*\(2\.599e\+14\) moves 118% between conventions: from 134000 \(Huber δ 1e-3, linear, N non-embedding\) to 292800 \(least squares, log, N total\)/,
  );
  const refused = async (...argv: string[]) =>
    (await runCli("report", "--db", database, "--out", join(dir, "x"), ...argv)).stderr;
  assert.equal(
    await refused("--law", "chinchilla", "--sensitivity", "--holdout", "C:0.5"),
    "scalefit report: --sensitivity refits all the points: it does not go with --holdout\n",
  );
  assert.equal(
    await refused("--x", "D"),
    "scalefit report: --x configures a law fitted now, and no --law is given\n",
  );
  assert.equal(
    await refused("--law", "chinchilla", "--targets", "2.2"),
    "scalefit report: --targets is only for law bcrit; none of the laws given (chinchilla) takes it\n",
  );
  // Law options reach the laws that take them: power in D.
  const power = await runCli(
    "report",
    "--db",
    database,
    "--law",
    "power",
    "--x",
    "D",
    "--bootstrap",
    "20",
    "--out",
    join(dir, "power"),
  );
  assert.equal(power.code, 0, power.stderr);
  assert.match(readFileSync(join(dir, "power", "index.html"), "utf8"), /E \+ A\/D\^alpha/);
});
