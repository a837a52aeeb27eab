import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fitFromArtifact, fitToArtifact } from "../../src/fit/artifact.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { fitSensitivity } from "../../src/fit/sensitivity.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { batchSweepObservations } from "../../src/data/batchSweep.js";
import { bcritLaw } from "../../src/fit/laws/bcrit.js";
import { encdec, encdecLaw } from "../../src/fit/laws/encdec.js";
import { batchCharts } from "../../src/report/charts/batch.js";
import { bootstrapCharts } from "../../src/report/charts/bootstrap.js";
import { encdecChart } from "../../src/report/charts/encdec.js";
import { encdecSurfaceChart } from "../../src/report/charts/encdecSurface.js";
import { frontierCharts } from "../../src/report/charts/frontier.js";
import { isoFlopChart } from "../../src/report/charts/isoFlop.js";
import { lawFitChart } from "../../src/report/charts/lawFit.js";
import { lossCurvesChart } from "../../src/report/charts/lossCurves.js";
import { qatChart } from "../../src/report/charts/qat.js";
import { residualsChart } from "../../src/report/charts/residuals.js";
import { logGrid, type Chart } from "../../src/report/charts/shared.js";
import { renderPng, renderSvg } from "../../src/report/render.js";
import { buildReport, escapeHtml, fitCharts } from "../../src/report/report.js";
import { randomSource } from "../../src/random.js";
import type { Observations } from "../../src/dataTypes.js";
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
  assert.match(svg, /Training compute C \(FLOPs, log scale\)/);
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
  assert.match(svg, /Model size N \(parameters, log scale\)/);
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
  assert.match(lossCurvesChart([{ run: "a", tokens: [1], loss: [2] }]).caption, /^1 run: /);
});

test("a saved fit with a sensitivity section (fit --sensitivity --out) shows its table in the report", async () => {
  const law = powerLaw("N");
  const saved = fitToArtifact(fitLaw(law, data, { intervals: "none" }), { dataDigest: "test" });
  const sensitivity = fitSensitivity(law, data, {});
  const artifact = JSON.parse(JSON.stringify({ ...saved, sensitivity }));
  const report = async (json: unknown) =>
    buildReport({
      title: "sensitivity",
      source: "test",
      runs: [],
      curves: [],
      fits: [{ label: "power", artifact: await fitFromArtifact(json), description: "saved" }],
    });
  const { html } = await report(artifact);
  assert.match(html, /<h3>Sensitivity to the fitting conventions<\/h3><pre>\[\[Sensitivity\]\] 6 point fits/);
  assert.match(html, /least squares, linear +½ Σ \(L̂ − L\)²/);
  const { html: without } = await report(JSON.parse(JSON.stringify(saved)));
  assert.ok(!without.includes("Sensitivity"));
});

test("allocation charts: the enc/dec split, the QAT fraction, batch-size hyperbolae and B_crit(L) (snapshots)", async () => {
  // encdec: Ghorbani et al.'s law (A 0.9, pe 0.22, pd 0.34, L∞ 1.45) on encoder-, decoder- and diagonal scans.
  const law = encdecLaw({ NeRef: 2e8, NdRef: 2e8 });
  const truth = { A: 0.9, pe: 0.22, pd: 0.34, Linf: 1.45 };
  const sizes = [2.5e7, 5e7, 1e8, 2e8, 4e8, 8e8];
  const points = [
    ...sizes.map((Ne) => ({ Ne, Nd: 2e8 })),
    ...sizes.map((Nd) => ({ Ne: 2e8, Nd })),
    ...sizes.map((n) => ({ Ne: n, Nd: n })),
  ];
  const random = randomSource(3);
  const encdecData: Observations = {
    inputs: { Ne: Float64Array.from(points, (p) => p.Ne), Nd: Float64Array.from(points, (p) => p.Nd) },
    loss: Float64Array.from(points, (p) => law.predict(truth, p) * Math.exp(0.003 * random.normal())),
  };
  const encdecFit = fitLaw(encdec, encdecData, { intervals: "covariance" });
  const split = encdecChart(encdecFit, [1e8, 1e9]);
  const splitSvg = await renderSvg(split);
  assert.equal(markCount(splitSvg, "dot", "circle"), 2);
  assert.match(splitSvg, /Encoder share Ne\/\(Ne\+Nd\) \(fraction of parameters, linear scale\)/);
  snapshot("charts/encdec.svg", splitSvg);
  const surface = encdecSurfaceChart(encdecFit, encdecData);
  const surfaceSvg = await renderSvg(surface);
  assert.equal(markCount(surfaceSvg, "rect", "rect"), 40 * 40);
  assert.equal(markCount(surfaceSvg, "dot", "circle"), 18);
  assert.match(surfaceSvg, /Encoder parameters Ne \(parameters, log scale\)/);
  snapshot("charts/encdec-surface.svg", surfaceSvg);
  writeFileSync(join(tmpdir(), "encdec-surface.png"), await renderPng(surfaceSvg));
  // QAT: the published one-parameter law (no fit), f = exp(−6.7297/ln S).
  const qat = qatChart(undefined, { N: 1e8, bits: 4 });
  const qatSvg = await renderSvg(qat);
  assert.match(qat.caption, /published law f = exp\(−6.7297 \/ ln S\)/);
  snapshot("charts/qat-published.svg", qatSvg);
  // bcrit: a simulated sweep, S = S_min (1 + B_crit/B) with B_crit(L) = 2e8 / L^(1/0.21) (Kaplan et al.).
  const targets = [3.2, 3.0, 2.8];
  const sweepPoints: Array<{ run: string; B: number; step: number; loss: number }> = [];
  for (const B of [2 ** 18, 2 ** 20, 2 ** 22, 2 ** 24]) {
    for (let step = 10; step < 3e6; step = Math.ceil(step * 1.05)) {
      // Invert S = Smin(L)(1 + Bcrit(L)/B) numerically: the loss reached at this step.
      let lo = 2.01;
      let hi = 10;
      for (let k = 0; k < 60; k++) {
        const L = (lo + hi) / 2;
        const S = (3e3 / (L - 2) ** (1 / 0.6)) * (1 + 2e8 / L ** (1 / 0.21) / B);
        if (S > step) lo = L;
        else hi = L;
      }
      sweepPoints.push({ run: `B${B}`, B, step, loss: (lo + hi) / 2 });
      if ((lo + hi) / 2 < 2.7) break;
    }
  }
  const { observations } = batchSweepObservations(sweepPoints, targets);
  const bcritFit = fitLaw(bcritLaw(targets), observations, { intervals: "covariance" });
  const [hyperbolae, bcrit] = batchCharts(bcritFit, observations);
  const hyperbolaeSvg = await renderSvg(hyperbolae);
  assert.equal(markCount(hyperbolaeSvg, "dot", "circle"), 12); // 4 batch sizes × 3 targets
  snapshot("charts/batch-hyperbolae.svg", hyperbolaeSvg);
  const bcritSvg = await renderSvg(bcrit);
  assert.equal(markCount(bcritSvg, "dot", "circle"), 3);
  assert.match(bcritSvg, /Critical batch size B_crit \(tokens, log scale\)/);
  snapshot("charts/bcrit.svg", bcritSvg);
});

/** The texts inside a rendered chart's group with a given aria-label (nested groups included). */
function texts(svg: string, group: string): string[] {
  const start = svg.indexOf(`aria-label="${group}"`);
  if (start < 0) return [];
  let depth = 0;
  let end = start;
  for (const tag of svg.slice(start).matchAll(/<(\/?)g\b/g)) {
    depth += tag[1] ? -1 : 1;
    if (depth < 0) {
      end = start + tag.index;
      break;
    }
  }
  return [...svg.slice(start, end).matchAll(/<text\b[^>]*>([^<]*)/g)].map((m) => m[1]!);
}

test("bootstrapCharts(fit): parameters fitted as logarithms (E, A, B) get log bins on a log axis, the exponents a linear one", () => {
  const charts = bootstrapCharts(fit);
  const scale = (name: string) =>
    (charts.find((c) => c.id.endsWith(`-${name}`))!.options.x as { type?: string }).type;
  assert.deepEqual(
    ["E", "A", "B", "alpha", "beta"].map(scale),
    ["log", "log", "log", undefined, undefined], // chinchilla's params: log: true for E, A and B
  );
  const A = charts.find((c) => c.id.endsWith("-A"))!;
  assert.match(String((A.options.x as { label: string }).label), /\(law parameter, log scale\)/);
  assert.match(A.caption, /fitted as its logarithm: log-spaced bins/);
});

test("tick formats: losses as plain decimals (never SI milli), FLOPs as powers of ten, counts in k/M/B", async () => {
  const { formatCount, formatLoss, formatPower, formatValue } =
    await import("../../src/report/charts/_format.js");
  assert.deepEqual(
    [formatLoss(0.9), formatLoss(2.3149), formatLoss(-0.05)],
    ["0.9", "2.31", "−0.05"], // three significant digits, a true minus sign
  );
  assert.deepEqual(
    [formatPower(2.6e12), formatPower(1e13), formatPower(3e-4)],
    ["2.6×10¹²", "10¹³", "3×10⁻⁴"],
  );
  assert.deepEqual([formatCount(4.13056e5), formatCount(7e10), formatCount(1.4e12)], ["413k", "70B", "1.4T"]);
  assert.deepEqual([formatValue(439.2), formatValue(2.595e5)], ["439", "2.6×10⁵"]);
  // An isoFLOP chart reaching losses below 1: its loss ticks read 0.9, 0.8, … (no "900m").
  const svg = await renderSvg(isoFlopChart(fit, [1e20, 1e24]));
  const ticks = texts(svg, "y-axis tick label").filter(Boolean);
  assert.ok(ticks.length > 3, ticks.join(" "));
  assert.ok(
    ticks.every((t) => /^−?\d+(\.\d+)?$/.test(t)),
    ticks.join(" "),
  );
});

test("lossCurvesChart(curves): training and held-out losses as separate lines, a legend keyed by what varies, full names in tooltips", async () => {
  // kjv-schedules' names: the cosine and WSD runs share their first 52 characters.
  const names = [
    "kjv-schedules/dModel=64_steps=4000_lr=0.002_schedule=cosine-warmup0.02-floor0.1_seed=0",
    "kjv-schedules/dModel=64_steps=4000_lr=0.002_schedule=wsd-warmup0.02-floor0.1-decay0.1_seed=0",
  ];
  const curves = names.flatMap((run, k) => [
    { run, split: "train" as const, tokens: [1e5, 2e5, 3e5, 4e5], loss: [3, 2.6 + k / 10, 2.5, 2.4] },
    { run, split: "eval" as const, tokens: [2e5, 4e5], loss: [2.7, 2.45 + k / 10] },
  ]);
  const chart = lossCurvesChart(curves);
  const svg = await renderSvg(chart);
  // Two line marks (faint training, solid held-out), one path per run in each.
  const lines = [...svg.matchAll(/<g[^>]*aria-label="line"[^>]*>([\s\S]*?)<\/g>/g)].map(
    (m) => (m[1]!.match(/<path\b/g) ?? []).length,
  );
  assert.deepEqual(lines, [2, 2]);
  assert.deepEqual(texts(svg, "footer"), [
    "held-out (eval) loss",
    "training loss",
    "schedule=cosine-warmup0.02-floor0.1",
    "schedule=wsd-warmup0.02-floor0.1-decay0.1",
  ]);
  for (const name of names) assert.ok(svg.includes(`<title>${name}`), `tooltip of ${name}`);
  assert.match(chart.caption, /all are kjv-schedules\/dModel=64_steps=4000_lr=0\.002_…_seed=0/);
});

test("isoFlopChart(fit, budgets, {largestC}): budgets beyond the data dashed and labelled with their distance in decades", async () => {
  const largestC = 6 * 1e9 * 4e10; // the synthetic grid's largest run
  const svg = await renderSvg(isoFlopChart(fit, [largestC, 10 * largestC, 100 * largestC], { largestC }));
  const labels = texts(svg, "labels");
  assert.deepEqual(labels, [
    "N* at C = 2.4×10²⁰ (largest run)",
    "N* at C = 2.4×10²¹ (+1 decade)",
    "N* at C = 2.4×10²² (+2 decades)",
  ]);
  assert.match(svg, /stroke-dasharray="5,4"/); // the extrapolated parts
  assert.ok(texts(svg, "extrapolation labels").includes("extrapolation →"));
});

test("fitCharts(item): a parameter the data do not identify is named on each chart that depends on it, and the budgets start at the largest run", async () => {
  const unidentified = {
    ...fit,
    warnings: [
      {
        code: "not-identified",
        message: "the data cannot identify all parameters of chinchilla: … (undetermined: E)",
      },
    ],
  };
  const item = { label: "c", fit: unidentified, observations: data, description: "synthetic" };
  const charts = fitCharts(item, [2.4e20, 2.4e21, 2.4e22]);
  const noted = charts
    .filter((c) => c.footer?.notes.some((n) => n.startsWith("E is not identified")))
    .map((c) => c.id);
  // N* and D* do not move with E (Hoffmann et al.'s eq. 4 has no E), so the frontier charts carry no note.
  assert.deepEqual(noted, ["c-fit", "c-isoflop", "c-draws-chinchilla-E"]);
  const { html } = await buildReport({ title: "t", source: "s", runs: [], curves: [], fits: [item] });
  // Default budgets: the largest run's C = 6·1e9·4e10 and one and two decades beyond.
  assert.match(html, /<td>2\.4×10²⁰<\/td><td>largest run<\/td>/);
  assert.match(html, /<td>2\.4×10²²<\/td><td>\+2 decades<\/td>/);
  assert.match(html, /<h2>Fit: c<\/h2>\n<ul class="warnings"><li class="warning">not-identified: /);
  assert.match(html, /pre \{[^}]*white-space: pre-wrap/);
});
