/**
 * envelope (Chinchilla's Approach 1): the lower envelope of curves, recovery of N*(C) from curves of
 * Hoffmann et al.'s law, the fit from a real DuckDB store of logged losses, and what it refuses.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { envelope, lowerEnvelope } from "../../../src/fit/laws/envelope.js";
import { runCli } from "../../_cli.js";

/**
 * Ten sizes N = 1e7·2^k, each a curve of 61 points over D = 1e8 … 1e11 of Hoffmann et al.'s law (E 1.69,
 * A 406.4, B 410.7, alpha 0.34, beta 0.28), whose compute-optimal exponent is beta/(alpha+beta) = 0.4516.
 */
function curves() {
  const rows: Array<{ run: string; N: number; D: number; loss: number }> = [];
  for (let k = 0; k < 10; k++)
    for (let j = 0; j <= 60; j++) {
      const N = 1e7 * 2 ** k;
      const D = 1e8 * 10 ** (j / 20);
      rows.push({ run: `n${k}`, N, D, loss: 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28 });
    }
  return rows;
}

test("lowerEnvelope takes the lowest curve at each C, not where only one run reaches, nor the edge sizes", () => {
  // Two runs: a small one cheaper early, a large one better late; the crossing at C = 6e16.
  const data = {
    inputs: {
      N: Float64Array.of(1, 1, 1, 3, 3, 3, 2, 2, 2),
      C: Float64Array.of(1e16, 1e17, 1e18, 1e16, 1e17, 1e18, 1e16, 1e17, 1e18),
    },
    loss: Float64Array.of(3, 2.5, 2.4, 3.5, 2.4, 2.0, 3.2, 2.45, 2.2),
    run: ["a", "a", "a", "c", "c", "c", "b", "b", "b"],
  };
  const points = lowerEnvelope(data);
  // Sizes 1 and 3 are the smallest and largest trained: only the middle run's stretch is kept.
  assert.ok(points.length > 0 && points.every((e) => e.N === 2 && e.run === "b"));
});

test("envelope on curves of Hoffmann et al.'s law gives aN = 0.456 [0.441, 0.473], holding the true 0.4516", () => {
  const rows = curves();
  const data = {
    inputs: { N: Float64Array.from(rows, (r) => r.N), C: Float64Array.from(rows, (r) => 6 * r.N * r.D) },
    loss: Float64Array.from(rows, (r) => r.loss),
    run: rows.map((r) => r.run),
  };
  const fit = fitLaw(envelope, data, { bootstrap: 200, seed: 1 });
  // Measured 2026-12-02: 0.455783 (sizes a factor 2 apart: the argmin steps between them).
  assert.ok(Math.abs(fit.params.aN! - 0.455783) < 1e-5, `aN ${fit.params.aN}`);
  const [lo, hi] = fit.intervals.aN!;
  assert.ok(lo < 0.4516 && 0.4516 < hi, `aN interval [${lo}, ${hi}]`);
  assert.ok(Math.abs(fit.derived.aD!.value - (1 - fit.params.aN!)) < 1e-12);
  assert.equal(fit.options.loss, "linear");
});

test("envelope from a DuckDB store of logged losses, optimize --compute, and refusals", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalefit-envelope-"));
  try {
    const csv = join(dir, "curves.csv");
    const rows = curves();
    writeFileSync(
      csv,
      [
        "run,N,step,tokens,loss",
        ...rows.map((r, i) => `${r.run},${r.N},${(i % 61) + 1},${r.D},${r.loss}`),
      ].join("\n") + "\n",
    );
    const db = join(dir, "runs.duckdb");
    assert.equal((await runCli("import", csv, "--db", db)).code, 0);
    const out = join(dir, "envelope.json");
    const run = await runCli(
      "fit",
      "--law",
      "envelope",
      "--db",
      db,
      "--bootstrap",
      "100",
      "--json",
      "--out",
      out,
    );
    assert.equal(run.code, 0, run.stderr);
    const fit = JSON.parse(run.stdout);
    // C = 6·N·tokens from the store, as the file gives it: the same aN.
    assert.ok(Math.abs(fit.params.aN - 0.455783) < 1e-5, `aN ${fit.params.aN}`);
    const answer = await runCli("optimize", "--fit", out, "--compute", "1e23", "--json");
    assert.equal(answer.code, 0, answer.stderr);
    const a = JSON.parse(answer.stdout);
    assert.ok(
      Math.abs((6 * a.N * a.D) / 1e23 - 1) < 1e-9 && a.intervals.N[0] < a.N && a.N < a.intervals.N[1],
    );
    // Final losses only (one point per run): refused in one line.
    const finals = join(dir, "final.csv");
    writeFileSync(finals, "run,N,D,loss\na,1e7,1e9,3\nb,2e7,1e9,2.9\nc,4e7,1e9,2.8\n");
    const refused = await runCli("fit", "--law", "envelope", "--data", finals);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /every run has one point: Approach 1 needs each run's curve/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
