/** The compute-optimal frontier of a law in N and D: N*, D* and tokens per parameter against compute. */
import * as Plot from "@observablehq/plot";
import { computeOptimal } from "../../predict/computeOptimal.js";
import type { FitResult, FittedLaw } from "../../types.js";
import { band, intervalWords, label, type Chart } from "./shared.js";

/**
 * The compute-optimal frontier: N* and D* against compute with their interval bands, and a second chart of
 * tokens per parameter (D* over N*).
 * @example const [sizes, ratio] = frontierCharts(fit, logGrid(1e18, 1e25, 30))
 */
export function frontierCharts(
  fit: FittedLaw & Pick<FitResult, "intervalMethod" | "level" | "draws">,
  budgets: readonly number[],
): [Chart, Chart] {
  const allocations = budgets.map((C) => computeOptimal(fit, C));
  const rows = allocations.flatMap((a) => [
    { C: a.C, value: a.N, ...band(a.N, a.intervals?.N), quantity: "N* (parameters)" },
    { C: a.C, value: a.D, ...band(a.D, a.intervals?.D), quantity: "D* (tokens)" },
  ]);
  const ratio = allocations.map((a) => ({
    C: a.C,
    value: a.tokensPerParameter,
    ...band(a.tokensPerParameter, a.intervals?.tokensPerParameter),
  }));
  const ends = rows.filter((r) => r.C === budgets[budgets.length - 1]);
  return [
    {
      id: `frontier-${fit.law.name}`,
      title: `${fit.law.name}: compute-optimal N* and D*`,
      caption: `Lines: the compute-optimal parameters N* (blue) and tokens D* (orange) for each budget C = 6ND; bands: ${intervalWords(fit)}.`,
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        marginRight: 110,
        x: { type: "log", label: label("C", true), tickFormat: "~e" },
        y: { type: "log", label: "N* or D* (log scale)", grid: true },
        color: { domain: ["N* (parameters)", "D* (tokens)"], range: ["steelblue", "darkorange"] },
        marks: [
          Plot.areaY(rows, {
            x: "C",
            y1: "lo",
            y2: "hi",
            fill: "quantity",
            z: "quantity",
            fillOpacity: 0.25,
          }),
          Plot.line(rows, { x: "C", y: "value", stroke: "quantity", z: "quantity", strokeWidth: 2 }),
          Plot.text(ends, {
            x: "C",
            y: "value",
            text: "quantity",
            dx: 6,
            textAnchor: "start",
            fill: "quantity",
          }),
        ],
      },
    },
    {
      id: `tokens-per-parameter-${fit.law.name}`,
      title: `${fit.law.name}: tokens per parameter at the optimum`,
      caption: `D*/N* for each compute budget; band: ${intervalWords(fit)}.`,
      options: {
        width: 720,
        height: 300,
        marginLeft: 60,
        x: { type: "log", label: label("C", true), tickFormat: "~e" },
        y: { type: "log", label: "Tokens per parameter D*/N* (log scale)", grid: true },
        marks: [
          Plot.areaY(ratio, { x: "C", y1: "lo", y2: "hi", fill: "seagreen", fillOpacity: 0.25 }),
          Plot.line(ratio, { x: "C", y: "value", stroke: "seagreen", strokeWidth: 2 }),
        ],
      },
    },
  ];
}
