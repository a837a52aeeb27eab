import assert from "node:assert/strict";
import { test } from "node:test";
import type { CliIO } from "../../src/cli/_command.js";
import { progressFor } from "../../src/cli/_shared.js";

const io = (isTTY: boolean, env: Record<string, string>): CliIO => ({ stdout() {}, stderr() {}, isTTY, env });

test("progressFor shows a bar only on an interactive terminal, outside CI and without --json", async () => {
  assert.ok((await progressFor(io(true, {}), false)).onProgress, "terminal");
  assert.equal((await progressFor(io(true, { CI: "true" }), false)).onProgress, undefined, "CI");
  assert.equal((await progressFor(io(true, {}), true)).onProgress, undefined, "--json");
  assert.equal((await progressFor(io(false, {}), false)).onProgress, undefined, "pipe");
});
