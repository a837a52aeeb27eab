/** Every run's logged loss curves: held-out and training losses as separate series. */
import * as Plot from "@observablehq/plot";
import { palette, withFooter } from "./_annotate.js";
import { formatCount } from "./_format.js";
import { varyingParts } from "./_runNames.js";
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
}

const faint = 0.4;

/**
 * Every run's loss against tokens seen (log x): held-out losses as solid lines, training losses as faint
 * ones, one colour per run; the legend under the plot names each run by what differs between the runs'
 * names, and each line's tooltip gives its full name.
 * @example lossCurvesChart([{ run: "a", split: "eval", tokens: [1e6, 2e6], loss: [3.1, 2.9] }])
 */
export function lossCurvesChart(curves: readonly RunCurve[], id = "runs"): Chart {
  const drawn = curves.filter((c) => c.tokens.length);
  const runs = [...new Set(drawn.map((c) => c.run))];
  const { labels, shared } = varyingParts(runs);
  const order = runs
    .map((run, i) => ({ run, label: labels[i]! }))
    .sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  const colors = palette(order.length);
  const color = new Map(order.map(({ run }, i) => [run, colors[i]!]));
  const rows = (train: boolean) =>
    drawn
      .filter((c) => (c.split === "train") === train)
      .flatMap((c) =>
        c.tokens.map((tokens, i) => ({
          run: c.run,
          tokens,
          loss: c.loss[i]!,
          color: color.get(c.run)!,
          title: `${c.run}\n${c.split === "train" ? "training" : c.split === "eval" ? "held-out" : "logged"} loss`,
        })),
      );
  const splits = new Set(drawn.map((c) => c.split));
  const both = splits.has("train") && splits.size > 1;
  const key: LegendEntry[] = both
    ? [
        { label: "held-out (eval) loss", color: "#333", strokeWidth: 1.6 },
        { label: "training loss", color: "#333", strokeWidth: 1, opacity: faint },
      ]
    : [];
  const legend: LegendEntry[] = [
    ...key,
    ...order.map(({ run, label }) => ({ label, color: color.get(run)!, title: run })),
  ];
  const what = splits.has("train")
    ? both
      ? "held-out (eval) loss as solid lines, training loss as faint ones"
      : "training loss"
    : splits.has("eval")
      ? "held-out (eval) loss"
      : "logged loss (eval loss where logged, else training loss)";
  const chart: Chart = {
    id,
    title: "Loss curves of the runs",
    caption: `${runs.length} run${runs.length === 1 ? "" : "s"}: ${what}, against tokens seen. The legend names each run by what differs between the runs' names${
      shared ? ` (all are ${shared})` : ""
    }; a line's tooltip gives its full name.`,
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
          strokeOpacity: faint,
          title: "title",
        }),
        Plot.line(rows(false), {
          x: "tokens",
          y: "loss",
          z: "run",
          stroke: "color",
          strokeWidth: 1.6,
          title: "title",
        }),
      ],
    },
  };
  return withFooter(chart, { legend });
}
