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
