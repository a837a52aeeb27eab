/** The optimal share of a token budget spent on quantisation-aware training. */
import * as Plot from "@observablehq/plot";
import { qatFraction } from "../../fit/laws/qatAnswers.js";
import type { FittedLaw } from "../../types.js";
import { formatCount } from "./_format.js";
import { band, logGrid, percent, type Chart } from "./shared.js";

/**
 * The optimal share of a token budget spent on quantisation-aware training against tokens per
 * parameter-byte S = D/(N·bits/8): a fitted `qat` law's optimum (with its interval), or without a fit the
 * published one-parameter law f = exp(−a/ln S) (Dremov et al. 2025).
 * @example qatChart(fit, { N: 1e8, bits: 4 })
 */
export function qatChart(fit: FittedLaw | undefined, { N, bits }: { N: number; bits: number }): Chart {
  const S = logGrid(2, 1e4, 40);
  const rows = S.map((s) => {
    const plan = qatFraction(fit, { N, D: (s * N * bits) / 8, bits });
    return { S: s, f: plan.qatFraction, ...band(plan.qatFraction, plan.intervals?.qatFraction) };
  });
  return {
    id: `qat-${fit ? fit.law.name : "published"}-${bits}bit`,
    title: `Optimal QAT fraction at ${bits} bits (N = ${N.toExponential(1)})`,
    caption: fit
      ? `Line: the share of the token budget that minimises the fitted qat law; band: its ${percent(fit.level)} interval from the fit's draws.`
      : "Line: the published law f = exp(−6.7297 / ln S) (Dremov et al. 2025); no interval (no fit).",
    options: {
      width: 720,
      height: 340,
      marginLeft: 60,
      x: {
        type: "log",
        label: "Tokens per parameter-byte S = D/(N·bits/8) (tokens/byte, log scale)",
        tickFormat: formatCount,
      },
      y: { label: "Optimal QAT fraction f* (fraction of steps, linear scale)", domain: [0, 1], grid: true },
      marks: [
        Plot.areaY(rows, { x: "S", y1: "lo", y2: "hi", fill: "purple", fillOpacity: 0.2 }),
        Plot.line(rows, { x: "S", y: "f", stroke: "purple", strokeWidth: 2 }),
      ],
    },
  };
}
