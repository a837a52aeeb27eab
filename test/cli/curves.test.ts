import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "../_cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "scalefit-curves-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const curves = join(root, "data/multipower/curves.csv");
const schedules = join(root, "data/multipower/schedules.json");
const train = "25M/cosine_24000,25M/constant_24000,25M/wsdcon_9";
/** A dense curve: LR at every step 0..T (rows with an empty loss are schedule-only), loss every 100 steps. */
const dense = (T: number, lr = (t: number) => (t < 100 ? (1e-3 * t) / 99 : 1e-3)) =>
  [
    "run,step,lr,loss",
    ...Array.from(
      { length: T + 1 },
      (_, t) => `a,${t},${lr(t)},${t > 0 && t % 100 === 0 ? (2 + 30 / Math.sqrt(t)).toFixed(5) : ""}`,
    ),
  ].join("\n");

test("fit lr-anneal on the bundled curves, predict a schedule and optimise a WSD schedule, all through the CLI", async () => {
  const out = join(dir, "anneal.json");
  const fit = await runCli(
    "fit",
    "--law",
    "lr-anneal",
    "--data",
    curves,
    "--schedules",
    schedules,
    "--runs",
    train,
    "--bootstrap",
    "30",
    "--out",
    out,
    "--json",
  );
  assert.equal(fit.code, 0, fit.stderr);
  const doc = JSON.parse(fit.stdout);
  assert.equal(doc.points, 437);
  assert.equal(doc.options.resample, "blocks");
  assert.equal(doc.data.schedulePeak, 3e-4);
  assert.equal(doc.data.scheduleWarmup, 2160);
  const predicted = await runCli(
    "predict",
    "--fit",
    out,
    "--schedule",
    "wsd:peak=3e-4,floor=3e-5,steps=24000,decayStart=20000,shape=exp,warmup=2160",
    "--steps",
    "12000,23936",
    "--json",
  );
  assert.equal(predicted.code, 0, predicted.stderr);
  const { curve } = JSON.parse(predicted.stdout);
  assert.deepEqual(
    curve.map((p: { step: number }) => p.step),
    [12000, 23936],
  );
  // the 25M model's logged loss at step 23936 of wsd_20000_24000 is 3.2516 (data/multipower/curves.csv)
  assert.ok(Math.abs(curve[1].loss - 3.2516) / 3.2516 < 0.01);
  assert.ok(curve[1].interval[0] <= curve[1].loss && curve[1].loss <= curve[1].interval[1]);
  const optimized = await runCli("optimize", "--fit", out, "--steps", "24000", "--family", "wsd", "--json");
  assert.equal(optimized.code, 0, optimized.stderr);
  const result = JSON.parse(optimized.stdout);
  assert.equal(result.best.schedule.kind, "wsd");
  assert.ok(result.gain > 0 && result.best.loss < result.baseline.loss);
});

const cases: [string, string[], RegExp][] = [
  [
    "a curve without learning rates",
    ["fit", "--law", "lr-anneal", "--data", file("nolr.csv", "run,step,loss\na,100,3\na,200,2.9\n")],
    /run a has no learning rates: curve laws need the LR at every step/,
  ],
  [
    "LR only where the loss is logged",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      file("sparse.csv", "run,step,lr,loss\na,100,1e-3,3\na,200,1e-3,2.9\n"),
    ],
    /run a: the learning rate is given at 2 of the 201 steps from 0 to 200 \(first missing: step 0\)/,
  ],
  [
    "a negative learning rate",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      file(
        "negative.csv",
        dense(300, (t) => (t === 150 ? -1e-4 : 1e-3)),
      ),
    ],
    /negative.csv line 152, column lr: learning rate -0.0001 is negative/,
  ],
  [
    "a schedule with a negative peak",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      file("nolr2.csv", "run,step,loss\na,100,3\n"),
      "--schedule",
      "a=constant:peak=-1e-3,steps=200",
    ],
    /peak=-1e-3 is not a positive number/,
  ],
  [
    "steps out of order",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      file("order.csv", "run,step,lr,loss\na,0,0,\na,2,1e-3,3\na,1,1e-3,2.9\n"),
    ],
    /order.csv line 4, column step: step 1 of run a comes after step 2 \(steps must increase within a run\)/,
  ],
  [
    "a duplicated step",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      file("dup.csv", "run,step,lr,loss\na,0,0,\na,1,1e-3,3\na,1,1e-3,2.9\n"),
    ],
    /step 1 of run a is duplicated/,
  ],
  [
    "a schedule that disagrees with the logged LR",
    [
      "fit",
      "--law",
      "lr-anneal",
      "--data",
      curves,
      "--runs",
      "25M/cosine_24000",
      "--schedule",
      "25M/cosine_24000=cosine:peak=3e-4,floor=0,steps=24000,warmup=2160",
    ],
    /run 25M\/cosine_24000: the file's learning rate .* at step \d+ differs from its schedule's/,
  ],
  [
    "a run filter that matches nothing",
    ["fit", "--law", "lr-anneal", "--data", curves, "--schedules", schedules, "--runs", "1B/*"],
    /no runs match 1B\/\*/,
  ],
  [
    "--runs on a point law",
    ["fit", "--law", "chinchilla", "--data", join(root, "data/chinchilla/epoch.csv"), "--runs", "a"],
    /--schedule, --schedules and --runs are for curve laws/,
  ],
  [
    "a malformed schedule",
    ["fit", "--law", "lr-anneal", "--data", curves, "--schedule", "x=cosine:peak=3e-4"],
    /invalid schedule "cosine:peak=3e-4": cosine needs steps/,
  ],
];
for (const [name, argv, message] of cases) {
  test(`scalefit ${argv[0]} with ${name}: exit 1 and one line naming the problem`, async () => {
    const run = await runCli(...argv);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  });
}

test("predict refuses a schedule file shorter than the steps asked for, with gaps, or with negative LR", async () => {
  const out = join(dir, "small.json");
  const fitted = await runCli(
    "fit",
    "--law",
    "lr-anneal",
    "--data",
    file("good.csv", dense(1000)),
    "--intervals",
    "none",
    "--out",
    out,
  );
  assert.equal(fitted.code, 0, fitted.stderr);
  const short = file(
    "short.csv",
    ["step,lr", ...Array.from({ length: 501 }, (_, t) => `${t},1e-3`)].join("\n"),
  );
  const run = await runCli("predict", "--fit", out, "--schedule", short, "--steps", "800");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /step 800 is beyond the schedule, which ends at step 500/);
  const gaps = file("gaps.csv", "step,lr\n0,0\n1,1e-3\n5,1e-3\n");
  assert.match(
    (await runCli("predict", "--fit", out, "--schedule", gaps)).stderr,
    /gaps.csv line 4, column step: expected step 2, found 5 .*the LR is missing at step 2/,
  );
  const negative = file("negsched.csv", "step,lr\n0,0\n1,-1e-3\n");
  assert.match(
    (await runCli("predict", "--fit", out, "--schedule", negative)).stderr,
    /negsched.csv line 3, column lr: learning rate -0.001 is negative/,
  );
  assert.match(
    (await runCli("predict", "--fit", out, "--at", "N=1e9")).stderr,
    /law lr-anneal predicts curves: give --schedule/,
  );
  assert.match(
    (await runCli("optimize", "--fit", out, "--compute", "1e23")).stderr,
    // A curve law answers the best schedule, which reads no --compute (refused before any work).
    /--compute is not used by the best schedule of law lr-anneal \(it reads --steps, --family, --peak, --warmup, --at\)/,
  );
});
