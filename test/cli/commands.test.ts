import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { contractKeys, runCli } from "../_cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const data = join(root, "data/chinchilla/epoch.csv");
const dir = mkdtempSync(join(tmpdir(), "scalefit-commands-"));
/** `scalefit fit` of chinchilla on Epoch's 240 points, with extra arguments. */
const fitEpoch = (...extra: string[]) =>
  runCli("fit", "--law", "chinchilla", "--data", data, "--drop-highest", "5", ...extra);

test("fit --json prints the contract's document and --out writes the same", async () => {
  const out = join(dir, "fit.json");
  const run = await fitEpoch("--bootstrap", "100", "--json", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  for (const key of [...contractKeys, "dataDigest", "version"]) {
    assert.ok(key in doc, key);
  }
  assert.equal(doc.law, "chinchilla");
  assert.equal(doc.points, 240);
  assert.equal(doc.options.bootstrap, 100);
  assert.deepEqual(Object.keys(doc.intervals), ["E", "A", "B", "alpha", "beta"]);
  assert.match(doc.dataDigest, /^sha256:/);
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), doc);
  assert.equal(run.stderr, "");
});

test("predict --json and optimize --json follow the contract", async () => {
  const out = join(dir, "fit-cov.json");
  await fitEpoch("--intervals", "covariance", "--out", out);
  const predicted = await runCli(
    "predict",
    "--fit",
    out,
    "--at",
    "N=70B,D=1.4T",
    "--at",
    "N=1e9,D=2e10",
    "--json",
  );
  assert.equal(predicted.code, 0, predicted.stderr);
  const { predictions } = JSON.parse(predicted.stdout);
  assert.equal(predictions.length, 2);
  assert.deepEqual(predictions[0].at, { N: 7e10, D: 1.4e12 });
  assert.equal(predictions[0].interval.length, 2);
  assert.ok(predictions[0].loss > 1.9 && predictions[0].loss < 2.05);
  const widened = await runCli("predict", "--fit", out, "--at", "N=70B,D=1.4T", "--widen", "2", "--json");
  const wide = JSON.parse(widened.stdout);
  assert.equal(wide.widen, 2);
  assert.ok(
    wide.predictions[0].predictionInterval[0] < predictions[0].predictionInterval[0] &&
      wide.predictions[0].predictionInterval[1] > predictions[0].predictionInterval[1],
  );
  const optimized = await runCli("optimize", "--fit", out, "--compute", "5.76e23", "--json");
  const allocation = JSON.parse(optimized.stdout);
  for (const key of ["N", "D", "loss", "intervals"]) assert.ok(key in allocation, key);
  assert.ok(Math.abs((6 * allocation.N * allocation.D) / 5.76e23 - 1) < 1e-12);
  const text = await runCli("optimize", "--fit", out, "--compute", "1e21,1e23");
  assert.match(text.stdout, /compute-optimal allocation under C = 6ND \(closed-form\)/);
  assert.equal(text.stdout.trim().split("\n").length, 4);
});

test("fit --holdout adds the held-out error to the JSON and a [[Holdout]] section to the report", async () => {
  const json = await fitEpoch("--intervals", "covariance", "--holdout", "C:0.125", "--json");
  const doc = JSON.parse(json.stdout);
  for (const key of [
    "rule",
    "points",
    "meanAbsRelError",
    "maxAbsRelError",
    "insideInterval",
    "level",
    "coveragePValue",
    "calibration",
    "warnings",
  ])
    assert.ok(key in doc.holdout, key);
  assert.equal(doc.holdout.rule, "C:0.125");
  // 12 of 16 inside their 95 % intervals: P(X ≤ 12 | 16, 0.95) = 0.0070 (test/predict/binomialCdf.test.ts).
  assert.equal(doc.holdout.insideInterval, 0.75);
  assert.ok(doc.holdout.calibration.factor > 1 && doc.holdout.calibration.insideAfter >= 0.95);
  assert.deepEqual(
    doc.holdout.warnings.map((w: { code: string }) => w.code),
    ["coverage"],
  );
  const text = await fitEpoch("--intervals", "none", "--holdout", "C:0.125");
  assert.match(text.stdout, /\[\[Holdout\]\]\n {4}rule {19}= C:0.125 \(fit on 224 points, predict 16\)/);
  assert.doesNotMatch(text.stdout, /calibration factor/);
});

test("compare ranks laws and demo runs end to end", async () => {
  const compared = await runCli(
    "compare",
    "--laws",
    "chinchilla,kaplan",
    "--data",
    data,
    "--drop-highest",
    "5",
    "--json",
  );
  assert.equal(compared.code, 0, compared.stderr);
  assert.deepEqual(
    JSON.parse(compared.stdout).comparisons.map((c: { law: string }) => c.law),
    ["chinchilla", "kaplan"],
  );
  const demo = await runCli("demo", "--bootstrap", "50");
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /\[\[Prediction\]\] a 70B-parameter model trained on 1.4T tokens/);
  assert.match(demo.stdout, /5\.76e\+23/);
  const laws = await runCli("laws", "--json");
  assert.deepEqual(
    JSON.parse(laws.stdout).laws.map((l: { name: string }) => l.name),
    [
      "power",
      "chinchilla",
      "kaplan",
      "kaplan-steps",
      "lr-anneal",
      "multipower",
      "lr-anneal-n",
      "multipower-n",
      "encdec",
      "data-constrained",
      "qat",
      "precision",
      "bcrit",
      "isoflop",
      "envelope",
      "hparams",
      "custom",
    ],
  );
});

test("--help of every command lists its options with examples", async () => {
  for (const command of ["fit", "predict", "optimize", "compare", "demo", "laws"]) {
    const run = await runCli(command, "--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, new RegExp(`^scalefit ${command}: `));
    assert.match(run.stdout, /Examples:\n {2}scalefit /);
  }
  const overview = await runCli("--help");
  assert.match(overview.stdout, /Commands:/);
});

test("the scalefit binary runs as a real process: JSON on stdout, exit 1 and one line on bad input", () => {
  const bin = join(root, "bin/scalefit.js");
  const ok = spawnSync(
    process.execPath,
    [bin, "fit", "--law", "power", "--x", "N", "--data", data, "--intervals", "none", "--json"],
    { encoding: "utf8", env: { ...process.env, CI: "true" } },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).law, "power");
  const bad = spawnSync(
    process.execPath,
    [bin, "fit", "--law", "chinchilla", "--data", join(dir, "missing.csv")],
    { encoding: "utf8" },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^scalefit fit: cannot read .*missing.csv: no such file\n$/);
});
