import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("examples/plan.ts runs on the bundled data and reaches a plan", () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "examples/plan.ts"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^240 runs from /);
  assert.match(run.stdout, /^chinchilla +held-out error/m);
  assert.match(run.stdout, /\[\[Variables\]\]/);
  assert.match(run.stdout, /proposed 70B on 1.4T tokens: loss 1\.97\d/);
  assert.match(run.stdout, /compute-optimal at 1e\+24 FLOPs: N = /);
});

test("examples/scheduleBacktest.ts backtests the published kjv-schedules sweep as its SOURCE.md states (d_model 64)", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { runCli } = await import("./_cli.js");
  const dir = mkdtempSync(join(tmpdir(), "scalefit-schedules-"));
  try {
    const db = join(dir, "schedules.duckdb");
    const imported = await runCli(
      "import",
      join(root, "data/sweeps/kjv-schedules/sweep.parquet"),
      "--db",
      db,
    );
    assert.equal(imported.code, 0, imported.stderr);
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "examples/scheduleBacktest.ts",
        db,
        "schedule=constant,schedule=cosine",
        "eval",
        "64",
      ],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    // data/sweeps/kjv-schedules/SOURCE.md: multipower on WSD 10 % at d_model 64, 0.96 % (second half 0.65 %).
    assert.match(
      run.stdout,
      /d_model 64 multipower fit on 2 curves → wsd-warmup0\.02-floor0\.1-decay0\.1_seed=0: mean \|rel\. error\| 0\.960% \(second half 0\.653%\)/,
    );
    assert.equal(run.stdout.trim().split("\n").length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the published nsweep: a power law in N on the three smallest sizes predicts the three largest (data/sweeps/kjv-nsweep)", async () => {
  const { runCli } = await import("./_cli.js");
  const run = await runCli(
    "fit",
    "--law",
    "power",
    "--x",
    "N",
    "--data",
    "data/sweeps/kjv-nsweep/final.csv",
    "--holdout",
    "N:0.25",
    "--bootstrap",
    "200",
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const { holdout } = JSON.parse(run.stdout);
  // data/sweeps/kjv-nsweep/SOURCE.md: 0.80 % mean, 1.42 % worst. Three points for three parameters: too few to
  // resample, and no degree of freedom for the covariance, so no interval (not a 3-point bootstrap's).
  assert.equal(holdout.points, 3);
  assert.ok(Math.abs(holdout.meanAbsRelError - 0.00801) < 2e-4, `mean ${holdout.meanAbsRelError}`);
  assert.ok(Math.abs(holdout.maxAbsRelError - 0.01421) < 2e-4, `max ${holdout.maxAbsRelError}`);
  assert.equal(holdout.insideInterval, null);
});
