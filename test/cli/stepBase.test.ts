import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { multipower } from "../../src/fit/laws/multipower.js";
import { parseSchedule } from "../../src/schedules/parseSchedule.js";
import { denseSchedule } from "../../src/schedules/schedule.js";
import { runCli } from "../_cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "scalefit-step-base-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const schedules = join(root, "data/multipower/schedules.json");

/** The 25M model's parameters of Luo et al. 2025 (docs/laws.md#multipower): they make the synthetic losses. */
const authors25M = {
  L0: 3.04045,
  A: 0.52469,
  alpha: 0.50787,
  B: 363.79,
  C: 2.06561,
  beta: 0.58279,
  gamma: 0.64142,
};
const runs = {
  cosine: "cosine:peak=3e-4,floor=3e-5,steps=2000,warmup=200",
  "two-stage": "two-stage:peak=3e-4,second=3e-5,switch=1200,steps=2000,warmup=200",
};
/**
 * Two multipower curves with the LR at every step and a loss every 50 steps from 100 (0.2 % of deterministic
 * wiggle), written with steps from 0 (`base` 0) or, the same updates, from 1 (`base` 1), as trainers log them.
 */
function multipowerCurves(base: 0 | 1): string {
  const rows = ["run,step,lr,loss"];
  for (const [run, text] of Object.entries(runs)) {
    const lr = denseSchedule(parseSchedule(text));
    const steps = Array.from({ length: 39 }, (_, k) => 100 + 50 * k);
    const data = {
      inputs: { step: Float64Array.from(steps) },
      loss: new Float64Array(steps.length).fill(1),
      run: steps.map(() => run),
      schedules: { [run]: lr },
    };
    const loss = new Float64Array(steps.length);
    multipower.evaluate!(authors25M, data, loss);
    const at = new Map(steps.map((t, i) => [t, loss[i]! * (1 + 0.002 * Math.sin(t))]));
    lr.forEach((value, t) => rows.push(`${run},${t + base},${value},${at.get(t)?.toFixed(6) ?? ""}`));
  }
  return rows.join("\n") + "\n";
}
/** A schedule file: the LR of the first `steps` + 1 updates, with steps from `base`. */
const scheduleFile = (text: string, base: 0 | 1) =>
  ["step,lr", ...Array.from(denseSchedule(parseSchedule(text)), (lr, t) => `${t + base},${lr}`)].join("\n") +
  "\n";

type Fit = {
  params: Record<string, number>;
  points: number;
  stepBase?: number;
  warnings: { code: string }[];
};
const fitJson = async (...argv: string[]): Promise<Fit> => {
  const run = await runCli("fit", ...argv, "--intervals", "none", "--json");
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Fit;
};
const assertSameParams = (a: Fit, b: Fit) => {
  assert.deepEqual(Object.keys(b.params), Object.keys(a.params));
  for (const [name, value] of Object.entries(a.params))
    assert.ok(
      Math.abs(b.params[name]! - value) <= 1e-9 * Math.abs(value),
      `${name}: ${b.params[name]} vs ${value}`,
    );
};
type Curve = { stepBase: number; curve: { step: number; lr: number; loss: number }[] };
const predictJson = async (...argv: string[]): Promise<Curve> => {
  const run = await runCli("predict", ...argv, "--json");
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Curve;
};

test("acceptance: multipower curves logged from step 1 (LR at every step 1..T) fit and predict as the step-0 file's, shifted", async () => {
  const zero = file("mp0.csv", multipowerCurves(0));
  const one = file("mp1.csv", multipowerCurves(1));
  const out0 = join(dir, "mp0.json");
  const out1 = join(dir, "mp1.json");
  const fit0 = await fitJson("--law", "multipower", "--data", zero, "--out", out0);
  // Unambiguous (the LR from step 1 and none at 0): read from 1 without the flag, and the same with it.
  const fit1 = await fitJson("--law", "multipower", "--data", one, "--out", out1);
  const told = await fitJson("--law", "multipower", "--data", one, "--step-base", "1");
  assert.equal(fit0.points, 78);
  assert.equal(fit1.points, 78);
  assertSameParams(fit0, fit1);
  assertSameParams(fit0, told);
  assert.equal(fit0.stepBase, 0);
  assert.equal(fit1.stepBase, 1);
  assert.deepEqual(fit1.warnings, fit0.warnings);
  // The artifact's step base is predict's for a compact schedule: the same curve, its steps one later.
  const wsd = "wsd:peak=3e-4,floor=3e-5,steps=2000,decayStart=1600,shape=exp,warmup=200";
  const text0 = await predictJson("--fit", out0, "--schedule", wsd, "--steps", "1000,1999");
  const text1 = await predictJson("--fit", out1, "--schedule", wsd, "--steps", "1001,2000");
  assert.equal(text1.stepBase, 1);
  assert.deepEqual(
    text1.curve.map((p) => p.step),
    [1001, 2000],
  );
  assert.deepEqual(
    text1.curve.map((p) => [p.lr, p.loss]),
    text0.curve.map((p) => [p.lr, p.loss]),
  );
  // A schedule file from step 1 (the issue: "expected step 0, found 1") reads as one from 0, shifted.
  const file0 = await predictJson("--fit", out0, "--schedule", file("wsd0.csv", scheduleFile(wsd, 0)));
  const file1 = await predictJson("--fit", out1, "--schedule", file("wsd1.csv", scheduleFile(wsd, 1)));
  assert.equal(file1.curve.length, file0.curve.length);
  file0.curve.forEach((p, i) => {
    const q = file1.curve[i]!;
    assert.equal(q.step, p.step + 1);
    assert.equal(q.lr, p.lr);
    assert.ok(Math.abs(q.loss - p.loss) <= 1e-12 * p.loss, `step ${q.step}: ${q.loss} vs ${p.loss}`);
  });
  // The file decides over the fit: a step-0 file against a fit of curves from 1 prints its own steps.
  const mixed = await predictJson("--fit", out1, "--schedule", join(dir, "wsd0.csv"), "--steps", "1000");
  assert.equal(mixed.stepBase, 0);
  assert.equal(mixed.curve[0]!.loss, text0.curve[0]!.loss);
});

test("import --step-base 1 stores a log from step 1 as the step-0 file's: the fit from the store is the same", async () => {
  const zero = file("store0.csv", multipowerCurves(0));
  const one = file("store1.csv", multipowerCurves(1));
  const fromFile = await fitJson("--law", "multipower", "--data", zero);
  const db = join(dir, "step-base.duckdb");
  const imported = await runCli("import", "--db", db, one, "--step-base", "1");
  assert.equal(imported.code, 0, imported.stderr);
  const fromStore = await fitJson("--law", "multipower", "--db", db);
  assert.equal(fromStore.points, 78);
  assertSameParams(fromFile, fromStore);
  // A row at step 0 comes before the first update: refused, naming it, and nothing is stored.
  const other = join(dir, "step-base-refused.duckdb");
  const refused = await runCli("import", "--db", other, zero, "--step-base", "1");
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    `scalefit import: ${zero} line 2: with --step-base 1, step 0 of run cosine comes before the first update: drop the row, or import the file with --step-base 0\n`,
  );
  assert.equal((await runCli("runs", "--db", other, "--json")).stdout.includes("cosine"), false);
  const bad = await runCli("import", "--db", other, one, "--step-base", "2");
  assert.match(bad.stderr, /^scalefit import: invalid --step-base 2 \(expected 0 or 1/);
});

test("acceptance: the bundled multipower curves shifted to steps from 1 fit lr-anneal with their schedules as the originals do", async () => {
  const runs = ["25M/cosine_24000", "25M/wsdcon_9"];
  const [header, ...rows] = readFileSync(join(root, "data/multipower/curves.csv"), "utf8").trim().split("\n");
  const write = (name: string, by: number) =>
    file(
      name,
      [
        header,
        ...rows
          .map((row) => row.split(","))
          .filter((cells) => runs.includes(cells[0]!))
          .map((cells) => [cells[0], cells[1], Number(cells[2]) + by, cells[3], cells[4]].join(",")),
      ].join("\n") + "\n",
    );
  const zero = write("bundled0.csv", 0);
  const one = write("bundled1.csv", 1);
  const options = ["--law", "lr-anneal", "--schedules", schedules];
  const fit0 = await fitJson(...options, "--data", zero);
  // The LRs are logged only where the loss is: they match the schedules one step later, so steps count from 1.
  const fit1 = await fitJson(...options, "--data", one);
  const told = await fitJson(...options, "--data", one, "--step-base", "1");
  assert.equal(fit0.points, 266);
  assertSameParams(fit0, fit1);
  assertSameParams(fit0, told);
  assert.equal(fit1.stepBase, 1);
  // Told otherwise, the message names the shift (the issue: "learning rate 0.0003 at step 2161 differs from its schedule's 0.000299999998…").
  const wrong = await runCli("fit", ...options, "--data", one, "--step-base", "0");
  assert.equal(wrong.code, 1);
  assert.equal(
    wrong.stderr,
    "scalefit fit: run 25M/cosine_24000: the file's learning rates are its schedule's one step later (the LR of step s is the schedule's at s − 1): its steps count from 1; pass --step-base 1\n",
  );
});

test("fit and predict with a schedule and no lr column from step 1: a step-base warning, none with --step-base 1", async () => {
  const curve = file(
    "nolr.csv",
    "run,step,loss\na,1,3.5\na,100,3\na,200,2.9\na,300,2.8\na,400,2.75\na,500,2.7\n",
  );
  const options = ["--law", "lr-anneal", "--data", curve, "--schedule", "a=constant:peak=1e-3,steps=600"];
  const guessed = await fitJson(...options);
  assert.equal(guessed.stepBase, 0);
  assert.equal(guessed.warnings[0]!.code, "step-base");
  const told = await fitJson(...options, "--step-base", "1");
  assert.equal(told.stepBase, 1);
  assert.ok(!told.warnings.some((w) => w.code === "step-base"));
  const report = await runCli("fit", ...options);
  assert.match(
    report.stdout,
    /- step-base: .*nolr.csv: run a starts at step 1 and nothing in the file says whether/,
  );
});

test("--step-base: in fit's and predict's help; bad values, point laws, databases and old artifacts", async () => {
  for (const command of ["fit", "predict"]) {
    const help = await runCli(command, "--help");
    assert.match(help.stdout, /--step-base <0\|1> +curve laws: where the /);
    assert.match(help.stdout, /Examples:\n(.*\n)*.*--step-base 1/);
  }
  const curve = file("dense.csv", multipowerCurves(1));
  const out = join(dir, "anneal.json");
  assert.equal(
    (await runCli("fit", "--law", "lr-anneal", "--data", curve, "--intervals", "none", "--out", out)).code,
    0,
  );
  const refusals: [string[], string][] = [
    [
      ["fit", "--law", "lr-anneal", "--data", curve, "--step-base", "2"],
      "scalefit fit: invalid --step-base 2 (expected 0 or 1: where the file's steps count from)",
    ],
    [
      ["predict", "--fit", out, "--schedule", "constant:peak=1e-3,steps=100", "--step-base", "one"],
      "scalefit predict: invalid --step-base one (expected 0 or 1: where the file's steps count from)",
    ],
    [
      ["fit", "--law", "chinchilla", "--data", join(root, "data/chinchilla/epoch.csv"), "--step-base", "1"],
      "scalefit fit: --step-base is for curve laws (lr-anneal, multipower), not chinchilla",
    ],
    [
      ["fit", "--law", "lr-anneal", "--db", join(dir, "none.duckdb"), "--step-base", "1"],
      "scalefit fit: --step-base is for --data files: the runs of a database count their steps from 0",
    ],
    [
      ["predict", "--fit", out, "--schedule", "constant:peak=1e-3,steps=100", "--steps", "0"],
      "scalefit predict: invalid step 0: steps count from 1 here (step 0 comes before the first update)",
    ],
    [
      // From 1, step 1 is after the first update, which a warmup from 0 makes with LR 0.
      ["predict", "--fit", out, "--schedule", "cosine:peak=1e-3,floor=0,steps=100,warmup=10", "--steps", "1"],
      "scalefit predict: step 1 comes before any training (the learning rate is 0 at every step up to it)",
    ],
  ];
  for (const [argv, message] of refusals) {
    const run = await runCli(...argv);
    assert.equal(run.code, 1, argv.join(" "));
    assert.equal(run.stderr, message + "\n");
  }
  // An artifact written before the field reads as steps from 0; one with another value is refused.
  const artifact = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
  assert.equal(artifact.stepBase, 1);
  delete artifact.stepBase;
  const old = file("old.json", JSON.stringify(artifact));
  const predicted = await predictJson(
    "--fit",
    old,
    "--schedule",
    "constant:peak=1e-3,steps=100",
    "--steps",
    "100",
  );
  assert.equal(predicted.stepBase, 0);
  assert.equal(predicted.curve[0]!.step, 100);
  const bad = file("bad.json", JSON.stringify({ ...artifact, stepBase: 2 }));
  assert.match(
    (await runCli("predict", "--fit", bad, "--schedule", "constant:peak=1e-3,steps=100")).stderr,
    /bad.json is not a scalefit fit artifact: stepBase must be 0 or 1, not 2/,
  );
});
