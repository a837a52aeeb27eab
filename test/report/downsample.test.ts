import assert from "node:assert/strict";
import { test } from "node:test";
import { downsample, keptAtMost, pixelColumn } from "../../src/report/charts/_downsample.js";
import { runColors } from "../../src/report/charts/_runColors.js";
import { curveColumns, lossCurvesChart } from "../../src/report/charts/lossCurves.js";
import { randomSource } from "../../src/random.js";

test("downsample: every column's lowest and highest point, the ends, and nothing else; at most 2·columns + 2", () => {
  // 10 000 points on a linear axis over 100 columns (100 points each), noisy losses (seed 3).
  const random = randomSource(3);
  const x = Array.from({ length: 10_000 }, (_, i) => i + 1);
  const y = x.map((v) => 2 + 30 / Math.sqrt(v) + 0.05 * random.normal());
  const options = { columns: 100, domain: [1, 10_000] as const };
  const kept = downsample(x, y, options);
  assert.ok(kept.length <= keptAtMost(100), `${kept.length}`);
  assert.equal(kept[0], 0);
  assert.equal(kept[kept.length - 1], 9999);
  assert.deepEqual(
    kept,
    [...kept].sort((a, b) => a - b),
  );
  const expected = new Set([0, 9999]);
  for (let c = 0; c < 100; c++) {
    const inColumn = x.map((_, i) => i).filter((i) => pixelColumn(x[i]!, options) === c);
    assert.ok(inColumn.length >= 99, `column ${c}: ${inColumn.length} points`);
    const lo = inColumn.reduce((a, b) => (y[b]! < y[a]! ? b : a));
    const hi = inColumn.reduce((a, b) => (y[b]! > y[a]! ? b : a));
    expected.add(lo).add(hi);
    // The column's extremes are drawn exactly: its min and max among the kept points are the data's.
    const drawn = kept.filter((i) => pixelColumn(x[i]!, options) === c).map((i) => y[i]!);
    assert.equal(Math.min(...drawn), y[lo]);
    assert.equal(Math.max(...drawn), y[hi]);
  }
  assert.deepEqual(
    kept,
    [...expected].sort((a, b) => a - b),
  );
  // 100 lowest and 100 highest, and the last point: the first is column 0's highest (the loss falls).
  assert.equal(kept.length, 201);
  assert.equal(
    kept[1],
    x.slice(0, 100).reduce((a, _, i) => (y[i]! < y[a]! ? i : a), 0),
  );
});

test("downsample on a log axis: columns are even in log space; kept points stay; short series are kept whole", () => {
  // 4000 points over four decades: column k holds points 1000k … 1000k + 999; in each, the loss is lowest in
  // the middle (i % 1000 = 500) and highest at the column's start.
  const x = Array.from({ length: 4000 }, (_, i) => 10 ** ((i + 0.5) / 1000));
  const y = x.map((_, i) => ((i % 1000) - 500) ** 2);
  const options = { columns: 4, domain: [1, 1e4] as const, log: true };
  assert.deepEqual(
    [0, 999, 1000, 3999].map((i) => pixelColumn(x[i]!, options)),
    [0, 0, 1, 3],
  );
  assert.deepEqual(downsample(x, y, options), [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 3999]);
  // A point a fit used is kept wherever it lies.
  assert.deepEqual(
    downsample(x, y, { ...options, keep: [1234, 5000] }),
    [0, 500, 1000, 1234, 1500, 2000, 2500, 3000, 3500, 3999],
  );
  // Ties: the first lowest and the first highest of each column.
  const flat = x.map(() => 2.5);
  assert.deepEqual(downsample(x, flat, options), [0, 1000, 2000, 3000, 3999]);
  // No more than 2·columns + 2 points: unchanged, whatever their spread.
  assert.deepEqual(downsample(x.slice(0, 10), y.slice(0, 10), options), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // A point a log axis cannot place (x ≤ 0) falls in no column.
  assert.equal(pixelColumn(0, options), -1);
  assert.equal(pixelColumn(1e9, options), 3);
});

test("runColors: up to 60 runs named one by one; more are coloured by model size, or the legend says what it leaves out", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `sweep/N=${i}_lr=0.002`);
  const few = runColors(names(3), new Map());
  assert.deepEqual(
    few.legend.map((e) => e.label),
    ["N=0", "N=1", "N=2"],
  );
  assert.deepEqual(few.notes, []);
  // 2000 runs of 40 sizes from 1e7 to 1e9: eight log-spaced classes of N.
  const runs = names(2000);
  const sizes = new Map(runs.map((run, i) => [run, 1e7 * 10 ** ((2 * Math.floor(i / 50)) / 39)]));
  const bySize = runColors(runs, sizes);
  assert.equal(bySize.legend.length, 8);
  assert.equal(bySize.legend[0]!.label, "N 10M–16M");
  assert.equal(bySize.legend[7]!.label, "N 624M–1B");
  assert.equal(new Set(bySize.color.values()).size, 8);
  assert.match(
    bySize.notes[0]!,
    /^2,000 runs, too many to name one by one: the colour is the model size N \(8 classes\)/,
  );
  // Without a size for every run: the first 60 by name, and a note of the 10 left out of the legend.
  const unsized = runColors(names(70), new Map([["sweep/N=0_lr=0.002", 1e8]]));
  assert.equal(unsized.legend.length, 60);
  assert.equal(unsized.color.size, 70);
  assert.match(unsized.notes[0]!, /^The legend names 60 of the 70 runs/);
});

test("lossCurvesChart on 200 runs of 5000 points: curves downsampled to the budget, each final loss drawn, the caption counts", () => {
  const runs = 200;
  const curves = Array.from({ length: runs }, (_, r) => ({
    run: `sweep/r=${r}`,
    split: "train" as const,
    N: 1e7 * (1 + r),
    tokens: Array.from({ length: 5000 }, (_, s) => (s + 1) * 1e3 * (1 + r)),
    loss: Array.from({ length: 5000 }, (_, s) => 2 + 5 / Math.sqrt(s + 1) + 0.01 * Math.sin(7 * s + r)),
  }));
  const columns = curveColumns(runs);
  assert.equal(columns, 300);
  const chart = lossCurvesChart(curves);
  const [drawn] = chart.caption.match(/drawn as ([\d,]+) points/)!.slice(1);
  const points = Number(drawn!.replace(/,/g, ""));
  assert.ok(points <= runs * keptAtMost(columns), `${points}`);
  assert.ok(points > runs * 100, `${points}`);
  // The drawn rows (the training line's data): each run's last drawn point is its final loss, exactly.
  const rows = (
    chart.footer!.base.marks[0] as unknown as { data: Array<{ run: string; tokens: number; loss: number }> }
  ).data;
  assert.equal(rows.length, points);
  const last = new Map(rows.map((row) => [row.run, row]));
  for (const curve of curves) {
    assert.equal(last.get(curve.run)!.loss, curve.loss[4999]);
    assert.equal(last.get(curve.run)!.tokens, curve.tokens[4999]);
  }
  assert.match(chart.caption, /^200 runs: training loss, against tokens seen\. 200 runs, too many to name/);
  assert.match(chart.caption, /1,000,000 logged losses drawn as/);
  assert.match(
    chart.caption,
    /in each of 300 columns of the x axis \(the plot's 640 pixel columns shared out/,
  );
});
