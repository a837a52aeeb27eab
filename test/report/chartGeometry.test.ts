/**
 * Every chart of a report measured in Debian's chromium (playwright-core): no two text elements' boxes
 * overlap (by more than 1 px either way), no text is cut off by its SVG's box, and every axis has a label that
 * names its unit. Run on the reports of the bundled Epoch data set (data/chinchilla/epoch.csv) and of the
 * published sweeps under data/sweeps/ (kjv-chinchilla's fit leaves E unidentified; kjv-schedules' cosine and
 * WSD runs share their first 52 characters). kjv-qat is left out: its sweep.parquet does not import (a Dqat of 0).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { chromiumAvailable, launchChromium, watchedPage } from "../_browser.js";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Units an axis label may name, in parentheses: "Loss (nats/token, log scale)". */
const units = [
  "nats/token",
  "FLOPs",
  "parameters",
  "tokens",
  "steps",
  "count",
  "log loss",
  "law parameter",
  "ratio",
  "fraction",
  "%",
];

interface Measured {
  id: string;
  texts: number;
  overlaps: string[];
  clipped: string[];
  axes: Array<{ axis: string; label: string | null }>;
}

/** Measures each chart of the page in the browser: its text boxes, pairwise and against its SVG's box. */
function measure(page: Page): Promise<Measured[]> {
  return page.$$eval("svg[data-chart]", (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll("text")]
        .filter((t) => (t.textContent ?? "").trim() !== "")
        .map((t) => ({ text: (t.textContent ?? "").trim(), r: t.getBoundingClientRect() }));
      const overlaps: string[] = [];
      const clipped: string[] = [];
      texts.forEach((a, i) => {
        if (
          a.r.left < box.left - 1 ||
          a.r.right > box.right + 1 ||
          a.r.top < box.top - 1 ||
          a.r.bottom > box.bottom + 1
        )
          clipped.push(a.text);
        for (const b of texts.slice(i + 1)) {
          const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (x > 1 && y > 1)
            overlaps.push(`"${a.text}" × "${b.text}" (${x.toFixed(1)} × ${y.toFixed(1)} px)`);
        }
      });
      const axes = ["x", "y"]
        .filter((axis) => svg.querySelector(`g[aria-label="${axis}-axis tick"]`))
        .map((axis) => ({
          axis,
          label: svg.querySelector(`g[aria-label="${axis}-axis label"]`)?.textContent?.trim() ?? null,
        }));
      return { id: svg.getAttribute("data-chart") ?? "", texts: texts.length, overlaps, clipped, axes };
    }),
  );
}

/** Imports a file into a fresh database and writes its report with `args`; returns the report's folder. */
async function reportOf(file: string, args: readonly string[]): Promise<string> {
  const { db, dir } = scratch("geometry");
  const database = db();
  const imported = await runCli("import", "--db", database, join(root, file));
  assert.equal(imported.code, 0, imported.stderr);
  const out = join(dir, "report");
  // 20 refits: the fewest percentile intervals take; the charts' layout does not depend on more.
  const run = await runCli("report", "--db", database, ...args, "--bootstrap", "20", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  return dir;
}

// The bundled Epoch data and the published sweeps, each with the law its SOURCE.md fits (the laws' own charts
// included: bcrit's hyperbolae, encdec's split, hparams' bowls); kjv-nsweep and kjv-schedules as runs only.
const reports: ReadonlyArray<[string, string, readonly string[]]> = [
  ["epoch", "data/chinchilla/epoch.csv", ["--law", "chinchilla"]],
  ["kjv-chinchilla", "data/sweeps/kjv-chinchilla/sweep.parquet", ["--law", "chinchilla"]],
  ["markov-nsweep", "data/sweeps/markov-nsweep/sweep.parquet", ["--law", "chinchilla"]],
  ["kjv-batch", "data/sweeps/kjv-batch/sweep.parquet", ["--law", "bcrit", "--targets", "2.2,2.0,1.9,1.8"]],
  ["kjv-encdec", "data/sweeps/kjv-encdec/sweep.parquet", ["--law", "encdec"]],
  ["kjv-lr-batch", "data/sweeps/kjv-lr-batch/sweep.parquet", ["--law", "hparams"]],
  ["kjv-nsweep", "data/sweeps/kjv-nsweep/sweep.parquet", []],
  ["kjv-schedules", "data/sweeps/kjv-schedules/sweep.parquet", []],
];

test(
  "every chart of the reports of epoch.csv and the published sweeps: no overlapping or clipped text, every axis labelled with its unit",
  { skip: !chromiumAvailable && "no chromium", timeout: 180_000 },
  async (t) => {
    const browser = await launchChromium();
    try {
      const summary: string[] = [];
      for (const [name, file, args] of reports) {
        const dir = await reportOf(file, args);
        const index = join(dir, "report", "index.html");
        const { page, problems } = await watchedPage(browser, pathToFileURL(dirname(index)).href);
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(pathToFileURL(index).href, { waitUntil: "load" });
        const charts = await measure(page);
        assert.ok(charts.length > 0, `${name}: no charts`);
        for (const chart of charts) {
          assert.deepEqual(chart.overlaps, [], `${name}/${chart.id}: overlapping text`);
          assert.deepEqual(chart.clipped, [], `${name}/${chart.id}: text outside the SVG`);
          assert.ok(chart.axes.length > 0, `${name}/${chart.id}: no axes`);
          for (const { axis, label } of chart.axes) {
            assert.ok(label, `${name}/${chart.id}: the ${axis} axis has no label`);
            assert.ok(
              units.some((unit) => new RegExp(`\\([^)]*${unit.replace("/", "\\/")}`).test(label)),
              `${name}/${chart.id}: the ${axis} axis label "${label}" names no unit`,
            );
          }
        }
        assert.deepEqual(problems, [], name);
        summary.push(
          `${name}: ${charts.length} charts, ${charts.reduce((n, c) => n + c.texts, 0)} text elements`,
        );
        if (name === "kjv-schedules") {
          // The legend tells the cosine and WSD runs apart by what differs in their names.
          const legend = await page.$$eval('svg[data-chart="runs"] g[aria-label="footer"] text', (t) =>
            t.map((e) => e.textContent ?? ""),
          );
          assert.ok(
            legend.some((l) => /schedule=wsd-warmup0\.02-floor0\.1-decay0\.1/.test(l)),
            legend.join(" | "),
          );
          assert.ok(
            legend.some((l) => /schedule=cosine/.test(l)),
            legend.join(" | "),
          );
        }
        await page.close();
        rmSync(dir, { recursive: true, force: true });
      }
      t.diagnostic(summary.join("; "));
    } finally {
      await browser.close();
    }
  },
);
