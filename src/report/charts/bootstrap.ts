/** Histograms of a fit's parameter draws. */
import * as Plot from "@observablehq/plot";
import type { FitResult } from "../../types.js";
import { percent, type Chart } from "./shared.js";

/**
 * Histograms of the bootstrap (or covariance) draws, one chart per free parameter (their scales differ by
 * orders of magnitude), the best fit and the interval marked.
 * @example for (const chart of bootstrapCharts(fit)) console.log(chart.title)
 */
export function bootstrapCharts(
  fit: Pick<FitResult, "draws" | "params" | "intervals" | "level" | "intervalMethod"> & {
    law: { name: string };
  },
): Chart[] {
  return Object.entries(fit.draws ?? {}).map(([name, values]) => {
    const rows = Array.from(values, (v) => ({ v }));
    const interval = fit.intervals[name];
    return {
      id: `draws-${fit.law.name}-${name}`,
      title: `${fit.law.name}: distribution of ${name}`,
      caption: `Histogram of ${values.length} ${fit.intervalMethod} draws of ${name}; solid rule: the best fit (${fit.params[name]!.toPrecision(4)}); dashed rules: the ${percent(fit.level)} interval${interval ? ` [${interval[0].toPrecision(4)}, ${interval[1].toPrecision(4)}]` : ""}.`,
      options: {
        width: 720,
        height: 200,
        marginLeft: 60,
        x: { label: `${name} (linear scale)` },
        y: { label: "Draws", grid: true },
        marks: [
          Plot.rectY(rows, { ...Plot.binX({ y: "count" }, { x: "v", thresholds: 40 }), fill: "#888" }),
          Plot.ruleX([fit.params[name]!], { stroke: "black", strokeWidth: 1.5 }),
          Plot.ruleX(interval ? [...interval] : [], { stroke: "crimson", strokeDasharray: "4,3" }),
          Plot.ruleY([0]),
        ],
      },
    };
  });
}
