import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { downsample } from "../../src/report/charts/_downsample.js";
import { curveColumns } from "../../src/report/charts/lossCurves.js";
import { reportFromStore } from "../../src/report/fromStore.js";
import { downsampledCurves } from "../../src/store/downsampledCurves.js";
import { openStore, rows } from "../../src/store/duckdb.js";
import { importFiles } from "../../src/store/importFiles.js";
import { listRuns, lossCurves } from "../../src/store/readRuns.js";
import { scratch } from "../_store.js";

const runs = 300;
const steps = 2000;

/**
 * A sweep of 300 runs × 2000 steps as Parquet, imported: 10 sizes (1e7 … 1e9) × 30 token budgets, Hoffmann's
 * law at the tokens seen with ±0.5 % noise from DuckDB's hash of (run, step) (the same every time); a held-out
 * loss every 100 steps and at the last.
 */
async function sweepStore(): Promise<{ db: string; dir: string }> {
  const { dir, db } = scratch("report-big");
  const parquet = join(dir, "sweep.parquet");
  const database = db();
  const store = await openStore(database);
  try {
    await rows(
      store,
      `COPY (
         WITH r AS (SELECT range AS r, 1e7 * pow(10, 2.0 * (range // 30) / 9) AS N, 5 * pow(2, (range % 30) / 6.0) AS tpp FROM range(${runs})),
              s AS (SELECT range + 1 AS step FROM range(${steps})),
              t AS (SELECT r, N, tpp, step, step * tpp * N / ${steps} AS tokens FROM r, s)
         SELECT printf('sweep/N=%.3g_tpp=%.3g', N, tpp) AS run, step, tokens, N,
                (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(tokens, 0.28)) * (1 + 0.01 * ((hash(r * 100003 + step) % 1000000) / 1e6 - 0.5)) AS loss,
                CASE WHEN step % 100 = 0 OR step = ${steps} THEN (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(tokens, 0.28)) * (1 + 0.004 * ((hash(r * 7 + step * 13) % 1000000) / 1e6 - 0.5)) END AS eval_loss
         FROM t ORDER BY r, step) TO '${parquet}' (FORMAT parquet)`,
    );
    const [imported] = await importFiles(store, [parquet]);
    assert.equal(imported!.pointsAdded, runs * steps);
  } finally {
    store.close();
  }
  return { db: database, dir };
}

test("a report of 300 runs × 2000 steps: under 3 MB, curves read downsampled as the chart draws them, every final loss exact", async () => {
  const { db, dir } = await sweepStore();
  const out = join(dir, "report");
  const written = await reportFromStore(db, { out });
  assert.equal(written.runs, runs);
  const bytes = statSync(written.html).size;
  assert.ok(bytes < 3 * 2 ** 20, `${bytes} bytes`);
  const html = readFileSync(written.html, "utf8");
  const columns = curveColumns(runs);
  assert.equal(columns, 200);
  // 600 000 training and 300 × 20 held-out losses (every 100 steps), downsampled at 200 columns; the table folded, complete.
  const caption = /<figcaption>300 runs: [^<]*/.exec(html)![0];
  assert.match(caption, /606,000 logged losses drawn as [\d,]+ points/);
  assert.match(caption, /too many to name one by one: the colour is the model size N \(8 classes\)/);
  const drawn = Number(/drawn as ([\d,]+) points/.exec(caption)![1]!.replace(/,/g, ""));
  assert.ok(drawn <= 2 * runs * (2 * columns + 2), `${drawn}`);
  assert.ok(drawn > 40_000, `${drawn}`);
  // The SVG draws exactly those points: one path per curve, one M or L per point.
  const svg = html.slice(html.indexOf('data-chart="runs"'));
  const paths = [...svg.slice(0, svg.indexOf("</svg>")).matchAll(/<path[^>]* d="(M[^"]*)"/g)].map(
    (m) => m[1]!,
  );
  const lines = paths.filter((d) => d.split(/[ML]/).length > 3);
  assert.equal(lines.length, 2 * runs);
  assert.equal(
    lines.reduce((sum, d) => sum + (d.match(/[ML]/g) ?? []).length, 0),
    drawn,
  );
  assert.match(
    html,
    /<details><summary>The table of all 300 runs \(300 rows; open to read\)<\/summary><table>/,
  );
  assert.equal((html.match(/<td class="name">/g) ?? []).length, runs);

  const store = await openStore(db, { readOnly: true });
  try {
    const curves = await downsampledCurves(store, [], { count: columns, log: true });
    assert.equal(curves.length, 2 * runs);
    // Each run's final losses (what a fit on final losses uses) are its curves' last points, exactly.
    const listed = new Map((await listRuns(store)).map((r) => [String(r.name), r]));
    for (const curve of curves) {
      const run = listed.get(curve.run)!;
      const last = curve.split === "eval" ? run.last_eval_loss : run.last_train_loss;
      assert.equal(curve.loss[curve.loss.length - 1], last, curve.run);
      assert.equal(curve.logged, curve.split === "eval" ? 20 : steps);
    }
    // The database's choice is the chart's: downsampling every whole curve in JS over the same domain gives
    // the same points, so the chart draws what was read unchanged.
    const whole = [
      ...(await lossCurves(store, [], { loss: "eval" })),
      ...(await lossCurves(store, [], { loss: "train" })),
    ];
    let [lo, hi] = [Infinity, -Infinity];
    for (const c of whole)
      [lo, hi] = [Math.min(lo, c.tokens[0]!), Math.max(hi, c.tokens[c.tokens.length - 1]!)];
    for (const [k, c] of whole.entries()) {
      const kept = downsample(c.tokens, c.loss, { columns, domain: [lo, hi], log: true });
      assert.deepEqual(
        curves[k]!.tokens,
        kept.map((i) => c.tokens[i]!),
      );
      assert.deepEqual(
        curves[k]!.loss,
        kept.map((i) => c.loss[i]!),
      );
      assert.equal(
        downsample(curves[k]!.tokens, curves[k]!.loss, { columns, domain: [lo, hi], log: true }).length,
        curves[k]!.tokens.length,
      );
    }
  } finally {
    store.close();
  }
});
