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
