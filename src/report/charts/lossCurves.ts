/** Every run's logged loss curves: held-out and training losses as separate series. */
import * as Plot from "@observablehq/plot";
import { withFooter } from "./_annotate.js";
import { downsample, keptAtMost } from "./_downsample.js";
import { formatCount } from "./_format.js";
import { runColors } from "./_runColors.js";
import { lossAxis, type Chart, type LegendEntry } from "./shared.js";

/**
 * One run's logged curve of one kind of loss.
 * @example const curve: RunCurve = { run: "a", split: "eval", tokens: [1e6, 2e6], loss: [3.1, 2.9] }
 */
export interface RunCurve {
  run: string;
  /** The held-out (`eval`) or the training (`train`) loss; absent: whichever each point logged. */
  split?: "train" | "eval";
  tokens: number[];
  loss: number[];
  /** The run's model size N: the lines' colour when there are too many runs to name in a legend. */
  N?: number;
  /** How many points the run logged, when the store already downsampled the curve to `tokens`. */
  logged?: number;
}

const faint = 0.4;

/** The plot's pixel columns: its width (720) less its left (60) and right (20) margins. */
const plotColumns = 640;

/** The most points the chart draws of all its curves together (≈ 16 bytes of SVG each). */
const pointBudget = 240_000;

/**
 * The columns each curve of a chart of `runs` runs is downsampled to (`downsample`): one per pixel while the
 * runs' two curves each fit the point budget at two points a column, fewer beyond (never under 8).
 * @example curveColumns(2000) // 30
 */
export function curveColumns(runs: number): number {
  return Math.min(plotColumns, Math.max(8, Math.floor(pointBudget / (4 * Math.max(1, runs)))));
}

const count = (n: number) => n.toLocaleString("en");

/**
 * Every run's loss against tokens seen (log x): held-out losses as solid lines, training losses as faint
 * ones, one colour per run (by model size beyond `legendCap` runs); the legend under the plot names each run
 * by what differs between the runs' names, and each line's tooltip gives its full name. A curve with more
 * points than the plot can show is downsampled (`downsample`): each column's lowest and highest loss, and
 * its first and last point, so every run's final loss is drawn exactly; the caption says how many were drawn.
 * @example lossCurvesChart([{ run: "a", split: "eval", tokens: [1e6, 2e6], loss: [3.1, 2.9] }])
 */
export function lossCurvesChart(curves: readonly RunCurve[], id = "runs"): Chart {
  const drawn = curves.filter((c) => c.tokens.length);
  const runs = [...new Set(drawn.map((c) => c.run))];
  const sizes = new Map(drawn.filter((c) => c.N !== undefined).map((c) => [c.run, c.N!]));
  const colors = runColors(runs, sizes);
  const many = colors.notes.length > 0;
  const columns = curveColumns(runs.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of drawn)
    for (const x of c.tokens)
      if (x > 0) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
  const domain = [lo, hi] as const;
  let logged = 0;
  let points = 0;
  const shown = drawn.map((c) => {
    const kept = downsample(c.tokens, c.loss, { columns, domain, log: true });
    logged += Math.max(c.logged ?? 0, c.tokens.length);
    points += kept.length;
    return { curve: c, kept };
  });
  const rows = (train: boolean) =>
    shown
      .filter(({ curve }) => (curve.split === "train") === train)
      .flatMap(({ curve: c, kept }) => {
        const title = `${c.run}\n${c.split === "train" ? "training" : c.split === "eval" ? "held-out" : "logged"} loss`;
        const color = colors.color.get(c.run)!;
        return kept.map((i) => ({ run: c.run, tokens: c.tokens[i]!, loss: c.loss[i]!, color, title }));
      });
  const splits = new Set(drawn.map((c) => c.split));
  const both = splits.has("train") && splits.size > 1;
  // Many lines over one another: thinner and fainter, so that the bundle shows where most runs lie.
  const solid = many ? 1 : 1.6;
  const trainOpacity = many ? 0.25 : faint;
  const key: LegendEntry[] = both
    ? [
        { label: "held-out (eval) loss", color: "#333", strokeWidth: solid },
        { label: "training loss", color: "#333", strokeWidth: 1, opacity: trainOpacity },
      ]
    : [];
  const what = splits.has("train")
    ? both
      ? "held-out (eval) loss as solid lines, training loss as faint ones"
      : "training loss"
    : splits.has("eval")
      ? "held-out (eval) loss"
      : "logged loss (eval loss where logged, else training loss)";
  const reduced = points < logged;
  const shared =
    columns < plotColumns
      ? ` (the plot's ${plotColumns} pixel columns shared out between ${count(runs.length)} runs)`
      : " (one per pixel)";
  const reducedWords = reduced
    ? ` ${count(logged)} logged losses drawn as ${count(points)} points: a curve of more than ${keptAtMost(columns)} points shows its lowest and highest loss in each of ${columns} columns of the x axis${shared}, and its first and last point, so each run's final loss is exact.`
    : "";
  const notes =
    reduced && columns < plotColumns
      ? [
          `Curves downsampled to ${columns} columns: ${count(logged)} logged losses drawn as ${count(points)} points; each run's final loss is exact.`,
        ]
      : [];
  const chart: Chart = {
    id,
    title: "Loss curves of the runs",
    caption: `${runs.length} run${runs.length === 1 ? "" : "s"}: ${what}, against tokens seen. ${colors.words}${reducedWords}`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 20,
      x: { type: "log", label: "Tokens seen (tokens, log scale)", tickFormat: formatCount },
      y: lossAxis(false),
      marks: [
        Plot.line(rows(true), {
          x: "tokens",
          y: "loss",
          z: "run",
          stroke: "color",
          strokeWidth: 1,
          strokeOpacity: trainOpacity,
          title: "title",
        }),
        Plot.line(rows(false), {
          x: "tokens",
          y: "loss",
          z: "run",
          stroke: "color",
          strokeWidth: solid,
          title: "title",
        }),
      ],
    },
  };
  return withFooter(chart, { legend: [...key, ...colors.legend], notes: [...colors.notes, ...notes] });
}
