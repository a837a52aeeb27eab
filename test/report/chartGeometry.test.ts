/**
 * Every chart of a report measured in Debian's chromium (playwright-core): no two text elements' boxes
 * overlap (by more than 1 px either way), no text is cut off by its SVG's box, and every axis has a label that
 * names its unit. Run on the report of every data set bundled under data/ and every published sweep under
 * data/sweeps/ (kjv-chinchilla's fit leaves E unidentified; kjv-schedules' cosine and WSD runs share their first
 * 52 characters; kjv-batch's L = 2.8 is reached within a few hundred steps). Every problem is listed, not the first.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromiumAvailable, geometryProblems, launchChromium, watchedPage } from "../_browser.js";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A report the test writes: the file imported (with its import options) and the report's options. */
interface Case {
  name: string;
  file: string;
  importArgs?: readonly string[];
  args: readonly string[];
}

/** Imports a file into a fresh database and writes its report; returns the scratch folder. */
async function reportOf({ file, importArgs = [], args }: Case): Promise<string> {
  const { db, dir } = scratch("geometry");
  const database = db();
  const imported = await runCli("import", "--db", database, join(root, file), ...importArgs);
  assert.equal(imported.code, 0, imported.stderr);
  const out = join(dir, "report");
  // 20 refits: the fewest percentile intervals take; the charts' layout does not depend on more.
  const run = await runCli("report", "--db", database, ...args, "--bootstrap", "20", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  return dir;
}

// Every bundled data set and published sweep, each with the law its SOURCE.md fits (the laws' own charts included:
// bcrit's hyperbolae, encdec's split, hparams' bowls, qat's penalty, data-constrained's repetition), and as runs
// only where the data have no law here (ColPret's OLMo curves, the sweeps' full curves).
const reports: readonly Case[] = [
  { name: "epoch", file: "data/chinchilla/epoch.csv", args: ["--law", "chinchilla"] },
  { name: "isoflop-fixture", file: "data/fixtures/isoflop-chinchilla.csv", args: ["--law", "chinchilla"] },
  {
    name: "datablations",
    file: "data/datablations/final_losses.csv",
    args: ["--law", "data-constrained"],
  },
  {
    name: "multipower",
    file: "data/multipower/curves.csv",
    importArgs: ["--meta", join(root, "data/multipower/schedules.json")],
    args: ["--law", "multipower", "--where", "run=25M/cosine_24000,25M/constant_24000,25M/wsdcon_9"],
  },
  // Bansal et al.'s NMT data scaling of one architecture: a power law in D.
  {
    name: "colpret-nmt",
    file: "data/colpret/nmt.csv",
    args: ["--law", "power", "--x", "D", "--where", "run~6e6d-*"],
  },
  { name: "colpret-opt", file: "data/colpret/opt.csv", args: ["--law", "chinchilla"] },
  { name: "colpret-olmo", file: "data/colpret/olmo-pile.csv", args: [] },
  {
    name: "batch-fixture",
    file: "data/fixtures/batch-sweep.csv",
    args: ["--law", "bcrit", "--targets", "3.0,2.7,2.5,2.3"],
  },
  {
    name: "kjv-chinchilla",
    file: "data/sweeps/kjv-chinchilla/sweep.parquet",
    args: ["--law", "chinchilla,envelope"],
  },
  { name: "markov-nsweep", file: "data/sweeps/markov-nsweep/sweep.parquet", args: ["--law", "chinchilla"] },
  // L = 2.8 is reached by every batch size within a few hundred steps: its hyperbola hugs the axis.
  {
    name: "kjv-batch",
    file: "data/sweeps/kjv-batch/sweep.parquet",
    args: ["--law", "bcrit", "--targets", "2.8,2.2,2.0,1.9,1.8"],
  },
  { name: "kjv-encdec", file: "data/sweeps/kjv-encdec/sweep.parquet", args: ["--law", "encdec"] },
  { name: "kjv-lr-batch", file: "data/sweeps/kjv-lr-batch/sweep.parquet", args: ["--law", "hparams"] },
  { name: "kjv-qat", file: "data/sweeps/kjv-qat/fit.csv", args: ["--law", "qat"] },
  { name: "kjv-qat-curves", file: "data/sweeps/kjv-qat/sweep.parquet", args: [] },
  { name: "kjv-qat-d96", file: "data/sweeps/kjv-qat-d96/sweep.parquet", args: [] },
  { name: "kjv-nsweep", file: "data/sweeps/kjv-nsweep/sweep.parquet", args: [] },
  { name: "kjv-schedules", file: "data/sweeps/kjv-schedules/sweep.parquet", args: [] },
];

test(
  "every chart of the report of every bundled data set and published sweep: no overlapping or clipped text, every axis labelled with its unit",
  { skip: !chromiumAvailable && "no chromium", timeout: 400_000 },
  async (t) => {
    const browser = await launchChromium();
    try {
      const summary: string[] = [];
      const problems: string[] = [];
      for (const report of reports) {
        const { name } = report;
        const dir = await reportOf(report);
        const index = join(dir, "report", "index.html");
        const watched = await watchedPage(browser, pathToFileURL(dirname(index)).href);
        const { page } = watched;
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(pathToFileURL(index).href, { waitUntil: "load" });
        const measured = await geometryProblems(page, name);
        problems.push(...measured.problems, ...watched.problems.map((p) => `${name}: ${p}`));
        summary.push(`${name}: ${measured.charts} charts, ${measured.texts} text elements`);
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
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  },
);
