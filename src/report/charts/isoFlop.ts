/** IsoFLOP curves of a law in N and D. */
import * as Plot from "@observablehq/plot";
import { computeOptimal } from "../../predict/computeOptimal.js";
import type { FittedLaw } from "../../types.js";
import { label, logGrid, lossLabel, type Chart } from "./shared.js";

/**
 * IsoFLOP curves: the law's loss against N at fixed compute budgets (D = C / 6N), the optimum N* marked.
 * @example isoFlopChart(fit, [1e18, 1e19, 1e20])
 */
export function isoFlopChart(fit: FittedLaw, budgets: readonly number[]): Chart {
  const rows: Array<{ N: number; loss: number; budget: string }> = [];
  const optima: Array<{ N: number; loss: number; budget: string }> = [];
  for (const C of budgets) {
    const best = computeOptimal(fit, C);
    const budget = `C = ${C.toExponential(0)}`;
    for (const N of logGrid(best.N / 30, best.N * 30, 50))
      rows.push({ N, loss: fit.law.predict(fit.params, { N, D: C / (6 * N) }), budget });
    optima.push({ N: best.N, loss: best.loss, budget });
  }
  return {
    id: `isoflop-${fit.law.name}`,
    title: `${fit.law.name}: isoFLOP curves`,
    caption: `Each line is the fitted loss at one compute budget C = 6ND as N varies (D = C/6N); the dot marks the compute-optimal N* of that budget.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 90,
      x: { type: "log", label: label("N", true) },
      y: { type: "log", label: lossLabel(true), grid: true },
      color: { type: "ordinal", scheme: "viridis" },
      marks: [
        Plot.line(rows, { x: "N", y: "loss", stroke: "budget", z: "budget" }),
        Plot.dot(optima, { x: "N", y: "loss", fill: "budget", r: 4, stroke: "white" }),
        Plot.text(optima, {
          x: "N",
          y: "loss",
          text: (d: { budget: string }) => `N* at ${d.budget}`,
          dx: 8,
          textAnchor: "start",
          fontSize: 10,
        }),
      ],
    },
  };
}
