import assert from "node:assert/strict";
import { test } from "node:test";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import {
  bootstrapCharts,
  frontierCharts,
  isoFlopChart,
  lawFitChart,
  logGrid,
  lossCurvesChart,
  residualsChart,
  type Chart,
} from "../../src/report/charts.js";
import { renderPng, renderSvg } from "../../src/report/render.js";
import { buildReport, escapeHtml } from "../../src/report/report.js";
import { randomSource } from "../../src/random.js";
import type { Observations } from "../../src/types.js";
import { assertSnapshot } from "../_snapshot.js";

/** Hoffmann et al.'s law (E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28) on a 5 × 4 grid, 1 % noise, seed 7. */
function chinchillaData(): Observations {
  const random = randomSource(7);
  const N: number[] = [];
  const D: number[] = [];
  const loss: number[] = [];
  for (const n of [1e7, 3e7, 1e8, 3e8, 1e9]) {
    for (const tpp of [5, 10, 20, 40]) {
      N.push(n);
      D.push(n * tpp);
      loss.push((1.69 + 406.4 / n ** 0.34 + 410.7 / (n * tpp) ** 0.28) * (1 + 0.01 * random.normal()));
    }
  }
  return {
    inputs: { N: Float64Array.from(N), D: Float64Array.from(D) },
    loss: Float64Array.from(loss),
    run: N.map((_, i) => `run-${i}`),
  };
}

const data = chinchillaData();
const fit = fitLaw(chinchilla, data, { bootstrap: 100, seed: 1 });
const budgets = [1e20, 1e21, 1e22];

/** An SVG with its decimals rounded to one place (pixel coordinates), for goldens that survive last-digit noise. */
function snapshot(name: string, svg: string): void {
  assertSnapshot(
    name,
    svg.replace(/-?\d+\.\d+/g, (m) => Number(m).toFixed(1)),
    12,
  );
}

/** Marks of a rendered chart by Plot's aria-label (dot, line, area, rule, text, …). */
function markCount(svg: string, mark: string, element: string): number {
  const group = new RegExp(`<g[^>]*aria-label="${mark}"[^>]*>([\\s\\S]*?)</g>`).exec(svg)?.[1] ?? "";
  return (group.match(new RegExp(`<${element}\\b`, "g")) ?? []).length;
}

test("the law-fit chart: data dots, the compute-optimal curve with its band, labelled log axes (snapshot)", async () => {
  const chart = lawFitChart(fit, data);
  const svg = await renderSvg(chart);
  assert.equal(markCount(svg, "dot", "circle"), 20);
  assert.match(svg, /Training compute C \(FLOPs\) \(log scale\)/);
  assert.match(svg, /Loss \(nats\/token, log scale\)/);
  assert.match(
    chart.caption,
    /band: 95% interval of the fitted law \(bootstrap, 100 refits resampling runs\)/,
  );
  assert.match(svg, /<title>chinchilla: /);
  snapshot("charts/chinchilla-fit.svg", svg);
});

test("residuals, isoFLOP, frontier and parameter-distribution charts (snapshots)", async () => {
  const charts: Chart[] = [
    residualsChart(fit, data, "N"),
    isoFlopChart(fit, budgets),
    ...frontierCharts(fit, logGrid(1e20, 1e24, 9)),
    ...bootstrapCharts(fit),
  ];
  assert.deepEqual(
    charts.map((c) => c.id),
    [
      "residuals-chinchilla-N",
      "isoflop-chinchilla",
      "frontier-chinchilla",
      "tokens-per-parameter-chinchilla",
      "draws-chinchilla-E",
      "draws-chinchilla-A",
      "draws-chinchilla-B",
      "draws-chinchilla-alpha",
      "draws-chinchilla-beta",
    ],
  );
  for (const chart of charts) {
    const svg = await renderSvg(chart);
    assert.ok(svg.startsWith("<svg"), chart.id);
    snapshot(`charts/${chart.id}.svg`, svg);
  }
  const isoflop = await renderSvg(charts[1]!);
  assert.equal(markCount(isoflop, "dot", "circle"), 3); // N* of each budget
  assert.match(charts[2]!.caption, /95% interval/);
  assert.match(charts[4]!.caption, /100 bootstrap draws of E/);
});

test("a one-input law is drawn against its input; PNGs render", async () => {
  const x = Float64Array.from([1e6, 3e6, 1e7, 3e7, 1e8, 3e8]);
  const observations: Observations = { inputs: { N: x }, loss: x.map((n) => 2 + 50 / n ** 0.3) };
  const powerFit = fitLaw(powerLaw("N"), observations, { intervals: "covariance" });
  const chart = lawFitChart(powerFit, observations);
  const svg = await renderSvg(chart);
  assert.match(svg, /Parameters N \(log scale\)/);
  assert.match(chart.caption, /draws from the fit's covariance/);
  const png = await renderPng(svg);
  assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]); // "PNG"
});

test("user strings are escaped: a run named <img src=x onerror=alert(1)> is text in the HTML and in the SVG", async () => {
  const hostile = "<img src=x onerror=alert(1)>";
  assert.equal(escapeHtml(hostile), "&lt;img src=x onerror=alert(1)&gt;");
  const { html, charts } = await buildReport({
    title: `report of ${hostile}`,
    source: `db-${hostile}.duckdb`,
    runs: [{ name: hostile, kind: "lm", n: 1e6, points: 2 }],
    curves: [{ run: hostile, tokens: [1e6, 2e6], loss: [3, 2.5] }],
    fits: [],
  });
  assert.ok(!/<img/i.test(html), "no <img> element");
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.equal(charts.length, 1);
  assert.ok(charts[0]!.svg.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(lossCurvesChart([{ run: "a", tokens: [1], loss: [2] }]).caption, /1 runs/);
});
