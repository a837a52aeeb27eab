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
