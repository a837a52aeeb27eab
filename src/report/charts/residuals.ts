/** Residuals of a fit against one input. */
import * as Plot from "@observablehq/plot";
import type { Observations } from "../../dataTypes.js";
import type { FitResult } from "../../types.js";
import { inputAxis, type Chart } from "./shared.js";

/**
 * Residuals of the fit (log L̂ − log L, or L̂ − L in linear space) against an input.
 * @example residualsChart(fit, observations, "N")
 */
export function residualsChart(
  fit: Pick<FitResult, "residuals" | "options"> & { law: { name: string } },
  observations: Observations,
  x: string,
): Chart {
  const values = observations.inputs[x];
  if (!values) throw new RangeError(`residualsChart: the data have no ${x}`);
  const rows = Array.from(fit.residuals, (r, i) => ({ x: values[i]!, r }));
  const log = fit.options.space === "log";
  return {
    id: `residuals-${fit.law.name}-${x}`,
    title: `${fit.law.name}: residuals against ${x}`,
    caption: `Each dot is a fitted point: ${log ? "log predicted − log observed loss" : "predicted − observed loss (nats/token)"}. A pattern (a slope, a curve) means the law misses a trend.`,
    options: {
      width: 720,
      height: 260,
      marginLeft: 60,
      // Inset: the dots at either end of an axis are drawn whole, not cut by the frame or sitting on the ticks.
      x: { ...inputAxis(x), inset: 6 },
      y: { label: log ? "Residual (log loss)" : "Residual (nats/token)", grid: true, inset: 6 },
      marks: [Plot.ruleY([0], { stroke: "#888" }), Plot.dot(rows, { x: "x", y: "r", r: 2.5, fill: "#333" })],
    },
  };
}
