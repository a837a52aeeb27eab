/** Every run's logged loss curve. */
import * as Plot from "@observablehq/plot";
import { label, lossLabel, type Chart } from "./shared.js";

/**
 * One run's logged curve.
 * @example const curve: RunCurve = { run: "a", tokens: [1e6, 2e6], loss: [3.1, 2.9] }
 */
export interface RunCurve {
  run: string;
  tokens: number[];
  loss: number[];
}

/**
 * Every run's loss against tokens seen (log x), each line labelled with its run name at its end.
 * @example lossCurvesChart([{ run: "a", tokens: [1e6, 2e6], loss: [3.1, 2.9] }])
 */
export function lossCurvesChart(curves: readonly RunCurve[], id = "runs"): Chart {
  const rows = curves.flatMap((c) => c.tokens.map((t, i) => ({ run: c.run, tokens: t, loss: c.loss[i]! })));
  const ends = curves
    .filter((c) => c.tokens.length)
    .map((c) => ({ run: c.run, tokens: c.tokens[c.tokens.length - 1]!, loss: c.loss[c.loss.length - 1]! }));
  return {
    id,
    title: "Loss curves of the runs",
    caption: `${curves.length} runs: the logged loss (eval loss where logged, else training loss) against tokens seen; each line is labelled with its run at its last point.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 160,
      x: { type: "log", label: label("D", true) },
      y: { label: lossLabel(false), grid: true },
      color: { type: "ordinal", scheme: "tableau10" },
      marks: [
        Plot.line(rows, { x: "tokens", y: "loss", stroke: "run", z: "run" }),
        Plot.text(ends, {
          x: "tokens",
          y: "loss",
          text: "run",
          dx: 5,
          textAnchor: "start",
          fontSize: 9,
          fill: "run",
        }),
      ],
    },
  };
}
