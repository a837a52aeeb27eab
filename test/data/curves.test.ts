import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadCurves, loadScheduleFile, readSchedules } from "../../src/data/curves.js";

const dir = mkdtempSync(join(tmpdir(), "scalefit-curves-data-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const path = (p: string) => new URL(`../../${p}`, import.meta.url).pathname;
const schedules = readSchedules(path("data/multipower/schedules.json"));

/** A warmup of 100 steps from 0 to 1e-3 (NumPy's linspace), then constant: the LR of the laws' step t. */
const warmup = (t: number) => (t < 100 ? (1e-3 * t) / 99 : 1e-3);
/**
 * One run with the LR at every step 0..T (`base` 0) or 1..T + 1 (`base` 1: the same updates, each logged one
 * step later) and a loss every 100 steps; losses are made up (2 + 30/√t), only their steps matter here.
 */
const dense = (T: number, base: 0 | 1) =>
  [
    "run,step,lr,loss",
    ...Array.from(
      { length: T + 1 },
      (_, t) =>
        `a,${t + base},${warmup(t)},${t > 0 && t % 100 === 0 ? (2 + 30 / Math.sqrt(t)).toFixed(5) : ""}`,
    ),
  ].join("\n");
/** The bundled multipower curves of some runs, with every step moved one later (as a trainer counting from 1 logs them). */
const shiftedMultipower = (runs: readonly string[], by: number) => {
  const [header, ...rows] = readFileSync(path("data/multipower/curves.csv"), "utf8").trim().split("\n");
  const kept = rows
    .map((row) => row.split(","))
    .filter((cells) => runs.includes(cells[0]!))
    .map((cells) => [cells[0], cells[1], Number(cells[2]) + by, cells[3], cells[4]].join(","));
  return [header, ...kept].join("\n") + "\n";
};

test("loadCurves reads a curve logged from step 1 (LR at every step 1..T, none at 0) as the same curve from 0", () => {
  const zero = loadCurves(file("dense0.csv", dense(1000, 0)));
  const one = loadCurves(file("dense1.csv", dense(1000, 1)));
  assert.equal(zero.stepBase, 0);
  assert.equal(one.stepBase, 1);
  assert.equal(one.stepBaseDetected, "run a has the LR from step 1 and none at step 0");
  assert.equal(zero.stepBaseDetected, "run a has a step 0");
  assert.deepEqual(one.observations, zero.observations);
  assert.deepEqual(one.warnings, []);
  assert.equal(one.provenance.stepBase, 1);
  // Given rather than read: the same observations.
  assert.deepEqual(loadCurves(join(dir, "dense1.csv"), { stepBase: 1 }).observations, zero.observations);
});

test("loadCurves names the one-step shift when --step-base says otherwise than the file", () => {
  assert.throws(
    () => loadCurves(join(dir, "dense1.csv"), { stepBase: 0 }),
    /^UserError: run a: the file gives the learning rate at every step from 1 to 1001 \(the last logged loss\) and none at step 0: its steps count from 1; pass --step-base 1$/,
  );
  assert.throws(
    () => loadCurves(join(dir, "dense0.csv"), { stepBase: 1 }),
    /dense0.csv line 2, column step: with --step-base 1, step 0 of run a comes before the first update: drop the row, or read the file with --step-base 0/,
  );
});

test("loadCurves with a schedule: logged LRs that match it one step later mean steps from 1", () => {
  const runs = ["25M/cosine_24000", "25M/constant_24000"];
  const options = { schedules, runs };
  const zero = loadCurves(file("mp0.csv", shiftedMultipower(runs, 0)), options);
  const one = loadCurves(file("mp1.csv", shiftedMultipower(runs, 1)), options);
  assert.equal(zero.stepBase, 0);
  assert.equal(one.stepBase, 1);
  // The cosine decays at every logged step, so only one reading fits; the constant run fits both and follows.
  assert.equal(one.stepBaseDetected, "the LRs of run 25M/cosine_24000 are its schedule's one step later");
  assert.deepEqual(one.observations, zero.observations);
  // The failure of the issue ("learning rate 0.0003 at step 2161 differs from its schedule's 0.000299999998…"), named.
  assert.throws(
    () => loadCurves(join(dir, "mp1.csv"), { ...options, stepBase: 0 }),
    /^UserError: run 25M\/cosine_24000: the file's learning rates are its schedule's one step later \(the LR of step s is the schedule's at s − 1\): its steps count from 1; pass --step-base 1$/,
  );
  assert.throws(
    () => loadCurves(join(dir, "mp0.csv"), { ...options, stepBase: 1 }),
    /run 25M\/cosine_24000: the file's learning rates are its schedule's at the same steps: its steps count from 0; pass --step-base 0/,
  );
  // A schedule that matches neither reading keeps the message of a wrong schedule.
  assert.throws(
    () =>
      loadCurves(join(dir, "mp1.csv"), {
        schedules: { "25M/cosine_24000": "cosine:peak=3e-4,floor=0,steps=24000,warmup=2160" },
        runs: ["25M/cosine_24000"],
      }),
    /run 25M\/cosine_24000: the file's learning rate 0.0003 at step 2161 differs from its schedule's/,
  );
});

test("loadCurves with a schedule and no lr column from step 1: read from 0 with a step-base warning, or from 1 when told", () => {
  const text = "run,step,loss\na,1,3.5\na,100,3\na,200,2.9\na,300,2.8\n";
  const options = { schedules: { a: "constant:peak=1e-3,steps=400" } };
  const guessed = loadCurves(file("nolr.csv", text), options);
  assert.equal(guessed.stepBase, 0);
  assert.deepEqual(
    guessed.warnings.map((w) => w.code),
    ["step-base"],
  );
  assert.match(
    guessed.warnings[0]!.message,
    /run a starts at step 1 and nothing in the file says whether its steps count from 0 or 1; read from 0 .*pass --step-base 1/,
  );
  assert.deepEqual(Array.from(guessed.observations.inputs.step!), [1, 100, 200, 300]);
  const told = loadCurves(join(dir, "nolr.csv"), { ...options, stepBase: 1 });
  assert.deepEqual(told.warnings, []);
  assert.deepEqual(Array.from(told.observations.inputs.step!), [0, 99, 199, 299]);
  // Logged from a later step, the guess matters as little as it did before: no warning.
  assert.deepEqual(loadCurves(file("late.csv", "run,step,loss\na,100,3\na,200,2.9\n"), options).warnings, []);
});

test("loadCurves counts the steps that have an LR among those the curve needs (the miscount of the issue)", () => {
  // LR at steps 0..50 and 60..400, loss last logged at 200: 51 + 141 = 192 of the 201 steps 0..200 (the old
  // message counted all 392 logged LRs, beyond the last loss too).
  const rows = ["run,step,lr,loss"];
  for (let t = 0; t <= 400; t++)
    if (t <= 50 || t >= 60) rows.push(`a,${t},1e-3,${t === 100 || t === 200 ? 3 : ""}`);
  assert.throws(
    () => loadCurves(file("gap.csv", rows.join("\n"))),
    /^UserError: run a: the learning rate is given at 192 of the 201 steps from 0 to 200 \(first missing: step 51\); curve laws need it at every step/,
  );
  // LR only where the loss is logged, from step 1: still the message that it is needed at every step.
  assert.throws(
    () => loadCurves(file("sparse1.csv", "run,step,lr,loss\na,1,1e-3,3\na,100,1e-3,2.9\na,200,1e-3,2.8\n")),
    /^UserError: run a: the learning rate is given at 3 of the 200 steps from 1 to 200 \(first missing: step 2\); curve laws need it at every step/,
  );
  assert.throws(
    () => loadCurves(file("sparse0.csv", "run,step,lr,loss\na,100,1e-3,3\na,200,1e-3,2.9\n")),
    /^UserError: run a: the learning rate is given at 2 of the 201 steps from 0 to 200 \(first missing: step 0\)/,
  );
});

test("loadCurves refuses runs that count their steps differently, and losses before any training", () => {
  assert.throws(
    () => loadCurves(file("mixed.csv", "run,step,lr,loss\na,0,1e-3,\na,1,1e-3,3\nb,1,1e-3,\nb,2,1e-3,3\n")),
    /^UserError: .*mixed.csv: its runs disagree on where steps count from: run a has a step 0 \(from 0\), but run b has the LR from step 1 and none at step 0 \(from 1\); give --step-base 0 or 1$/,
  );
  // From 1, a loss logged at step 1 is the state after the first update; with a warmup from 0 it had LR 0.
  assert.throws(
    () => loadCurves(file("first.csv", dense(300, 1).replace("a,1,0,", "a,1,0,3.9"))),
    /^UserError: run a: the loss at step 1 comes before any training \(the learning rate is 0 at every step up to it\); drop the loss rows up to step 1$/,
  );
  // Without a warmup, the loss after the first update is a point like any other (the laws' step 0).
  const early = loadCurves(file("early.csv", "run,step,lr,loss\na,1,1e-3,3.9\na,2,1e-3,3.8\n"));
  assert.deepEqual(Array.from(early.observations.inputs.step!), [0, 1]);
});

test("loadScheduleFile reads a step,lr file from 0 or from 1 (its first step says which) and names a shift it is told otherwise", () => {
  const zero = loadScheduleFile(file("s0.csv", "step,lr\n0,0\n1,1e-3\n2,1e-3\n"));
  const one = loadScheduleFile(file("s1.csv", "step,lr\n1,0\n2,1e-3\n3,1e-3\n"));
  assert.deepEqual(zero, { lr: Float64Array.of(0, 1e-3, 1e-3), stepBase: 0 });
  assert.deepEqual(one, { lr: Float64Array.of(0, 1e-3, 1e-3), stepBase: 1 });
  // The failure of the issue was "expected step 0, found 1".
  assert.throws(
    () => loadScheduleFile(join(dir, "s1.csv"), { stepBase: 0 }),
    /s1.csv line 2, column step: the file's steps start at 1, so they count from 1, not from 0 as --step-base 0 says; pass --step-base 1/,
  );
  assert.throws(
    () => loadScheduleFile(file("s5.csv", "step,lr\n5,0\n6,1e-3\n")),
    /s5.csv line 2, column step: expected step 0, found 5 \(a schedule gives the LR at every step from 0 \(or from 1, as most trainers count\) in order; the LR is missing at step 0\)/,
  );
  assert.throws(
    () => loadScheduleFile(file("gap1.csv", "step,lr\n1,0\n2,1e-3\n4,1e-3\n")),
    /gap1.csv line 4, column step: expected step 3, found 4 \(a schedule gives the LR at every step 1, 2, 3, … in order; the LR is missing at step 3\)/,
  );
});
