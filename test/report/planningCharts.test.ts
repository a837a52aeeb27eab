/**
 * The planning laws' own charts: isoflop's parabolas with their vertices and N*(C) through them, and hparams'
 * bowls around the fitted optimum, drawn from exact synthetic fits (known vertices) and rendered.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Observations } from "../../src/dataTypes.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { resolveLaw } from "../../src/fit/laws/index.js";
import { hparamsCharts } from "../../src/report/charts/hparamsBowls.js";
import { isoflopCharts } from "../../src/report/charts/isoflopProfiles.js";
import { renderSvg } from "../../src/report/render.js";
import { fitCharts } from "../../src/report/report.js";

function markCount(svg: string, mark: string, element: string): number {
  const group = new RegExp(`<g[^>]*aria-label="${mark}"[^>]*>([\\s\\S]*?)</g>`).exec(svg)?.[1] ?? "";
  return (group.match(new RegExp(`<${element}\\b`, "g")) ?? []).length;
}

/** Four budgets of seven runs on exact parabolas around N* = 0.1·C^0.5 (loss 3 − 0.1k + 0.02u²), with run labels. */
function parabolas(): Observations {
  const C: number[] = [];
  const N: number[] = [];
  const loss: number[] = [];
  [1e18, 1e19, 1e20, 1e21].forEach((c, k) => {
    for (let j = -3; j <= 3; j++) {
      C.push(c);
      N.push(0.1 * c ** 0.5 * Math.exp(0.4 * j + 0.1));
      loss.push(3 - 0.1 * k + 0.02 * (0.4 * j + 0.1) ** 2);
    }
  });
  return {
    inputs: { C: Float64Array.from(C), N: Float64Array.from(N) },
    loss: Float64Array.from(loss),
    run: C.map((_, i) => `r${i}`),
  };
}

test("isoflop charts: every run, each budget's vertex with its interval, N*(C) through the vertices", async () => {
  const data = parabolas();
  const law = await resolveLaw("isoflop", {});
  const fit = fitLaw(law, data, { bootstrap: 50, seed: 1 });
  const [profiles, frontier] = isoflopCharts(fit, data);
  assert.deepEqual([profiles!.id, frontier!.id], ["isoflop-profiles", "isoflop-frontier"]);
  const svg = await renderSvg(profiles!);
  // 28 runs (open) and 4 vertices (filled): two dot marks.
  const dots = [...svg.matchAll(/<g[^>]*aria-label="dot"[^>]*>([\s\S]*?)<\/g>/g)].map(
    (m) => (m[1]!.match(/<circle\b/g) ?? []).length,
  );
  assert.deepEqual(dots, [28, 4]);
  assert.equal(markCount(svg, "line", "path"), 4); // one parabola per budget
  assert.match(frontier!.caption, /N\*\(C\) = 0\.1000·C\^0\.5000/); // the truth, 0.1·C^0.5
  const frontierSvg = await renderSvg(frontier!);
  assert.equal(markCount(frontierSvg, "dot", "circle"), 4);
  // In a report the law's own charts replace the 12 per-coefficient histograms.
  const ids = fitCharts({ label: "iso", fit, observations: data, description: "synthetic" }, [1e22]).map(
    (c) => c.id,
  );
  assert.ok(ids.includes("iso-isoflop-profiles") && ids.includes("iso-isoflop-frontier"), ids.join(", "));
  assert.ok(!ids.some((id) => id.includes("draws-")), ids.join(", "));
});

test("hparams charts: each cell's runs around the fitted optimum, the bowls' bottoms on the rule at 1", async () => {
  // Three cells, LR × batch grids of 7 × 5 around lr* = 0.5·N^−0.5·D^0.2, B* = 0.3·D^0.6 (exact bowls).
  const cols = { N: [] as number[], D: [] as number[], lr: [] as number[], B: [] as number[] };
  const loss: number[] = [];
  for (const [N, D] of [
    [1e8, 2e9],
    [3e8, 2e10],
    [1e9, 2e9],
  ] as const)
    for (let j = -3; j <= 3; j++)
      for (let m = -2; m <= 2; m++) {
        cols.N.push(N);
        cols.D.push(D);
        cols.lr.push(0.5 * N ** -0.5 * D ** 0.2 * Math.exp(0.35 * j));
        cols.B.push(0.3 * D ** 0.6 * Math.exp(0.4 * m));
        loss.push(3 + 0.03 * (0.35 * j) ** 2 + 0.02 * (0.4 * m) ** 2);
      }
  const data: Observations = {
    inputs: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v)])),
    loss: Float64Array.from(loss),
  };
  const law = await resolveLaw("hparams", { tolerance: 0 });
  const fit = fitLaw(law, data, { intervals: "none" });
  const [lr, batch] = hparamsCharts(fit, data);
  assert.deepEqual([lr!.id, batch!.id], ["hparams-lr", "hparams-batch"]);
  const svg = await renderSvg(lr!);
  assert.equal(markCount(svg, "dot", "circle"), 21); // seven LRs in each of three cells, at the optimal batch
  assert.equal(markCount(svg, "rule", "line"), 1);
  assert.equal(markCount(await renderSvg(batch!), "dot", "circle"), 15);
  assert.match(lr!.caption, /bottoms of the bowls sit on the rule at 1/);
});

test("a law that prepares its own points is not drawn against the points given (no residual charts)", async () => {
  // The trainer's LR × batch grid (data/sweeps/kjv-lr-batch/final.csv): the fit's points are the kept runs' LRs
  // and batch sizes, not the 60 losses.
  const { loadObservations } = await import("../../src/data/loadObservations.js");
  const law = await resolveLaw("hparams", {});
  const { observations } = loadObservations("data/sweeps/kjv-lr-batch/final.csv", law);
  const fit = fitLaw(law, observations, { bootstrap: 20, seed: 1 });
  const ids = fitCharts({ label: "hp", fit, observations, description: "grid" }, [1e12]).map((c) => c.id);
  assert.ok(ids.includes("hp-hparams-lr") && ids.includes("hp-hparams-batch"), ids.join(", "));
  assert.ok(!ids.some((id) => id.includes("residuals")), ids.join(", "));
});
