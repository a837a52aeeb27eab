/** Batch-size sweeps: the steps/examples hyperbolae and the critical batch size against the loss. */
import * as Plot from "@observablehq/plot";
import { bcritSummary } from "../../fit/laws/bcrit.js";
import type { Observations } from "../../dataTypes.js";
import type { FitResult } from "../../types.js";
import { formatCount } from "./_format.js";
import { band, inputAxis, logGrid, lossAxis, percent, type Chart } from "./shared.js";

/**
 * Batch-size sweeps: for each target loss the fitted hyperbola (S/S_min − 1)(E/E_min − 1) = 1 in steps S
 * against examples E = B·S, with the measured points (the bcrit law's observations: inputs B and target,
 * the steps to reach the target as the "loss"), and B_crit = E_min/S_min against the loss.
 * @example const [hyperbolae, bcrit] = batchCharts(fit, batchSweepObservations(points, targets).observations)
 */
export function batchCharts(
  fit: Pick<FitResult, "params" | "intervals" | "derived" | "level"> & {
    law: { name: string; spec?: Readonly<Record<string, unknown>> };
  },
  observations: Observations,
): [Chart, Chart] {
  const summary = bcritSummary(fit);
  const points = Array.from(observations.loss, (S, i) => ({
    S,
    E: observations.inputs.B![i]! * S,
    target: observations.inputs.target![i]!,
  }));
  const curves = summary.targets.flatMap((t) =>
    logGrid(t.Smin * 1.02, t.Smin * 60, 60).map((S) => ({
      S,
      E: t.Emin * (1 + 1 / (S / t.Smin - 1)),
      target: `L = ${t.loss}`,
    })),
  );
  const measured = points.map((p) => ({ ...p, target: `L = ${p.target}` }));
  const bcrit = summary.targets.map((t) => ({
    loss: t.loss,
    B: t.Bcrit,
    ...band(t.Bcrit, t.intervals?.Bcrit),
  }));
  const trend =
    summary.Bstar !== null && summary.alphaB !== null
      ? logGrid(
          Math.min(...summary.targets.map((t) => t.loss)),
          Math.max(...summary.targets.map((t) => t.loss)),
          30,
        ).map((loss) => ({ loss, B: summary.Bstar! / loss ** (1 / summary.alphaB!) }))
      : [];
  return [
    {
      id: `batch-hyperbolae-${fit.law.name}`,
      title: "Steps against examples to reach each target loss",
      caption:
        "Dots: runs of the batch-size sweep when they first reach a target loss; lines: the fitted hyperbola (S/S_min − 1)(E/E_min − 1) = 1 of each target (McCandlish et al. 2018).",
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        marginRight: 60,
        x: inputAxis("S"),
        y: {
          type: "log",
          label: "Examples processed E = B·S (tokens, log scale)",
          grid: true,
          tickFormat: formatCount,
        },
        color: { type: "ordinal", scheme: "tableau10" },
        marks: [
          Plot.line(curves, { x: "S", y: "E", stroke: "target", z: "target" }),
          Plot.dot(measured, { x: "S", y: "E", fill: "target", r: 3 }),
          Plot.text(
            summary.targets.map((t) => ({
              S: t.Smin * 60,
              E: t.Emin * (1 + 1 / 59),
              target: `L = ${t.loss}`,
            })),
            { x: "S", y: "E", text: "target", fill: "target", dx: 6, textAnchor: "start", fontSize: 10 },
          ),
        ],
      },
    },
    {
      id: `bcrit-${fit.law.name}`,
      title: "Critical batch size against the target loss",
      caption: `Dots: B_crit = E_min/S_min of each target with its ${percent(fit.level)} interval (whiskers); line: the fitted B_crit(L) = B*/L^(1/α_B).`,
      options: {
        width: 720,
        height: 340,
        marginLeft: 60,
        x: { ...lossAxis(true), grid: false },
        y: {
          type: "log",
          label: "Critical batch size B_crit (tokens, log scale)",
          grid: true,
          tickFormat: formatCount,
        },
        marks: [
          Plot.line(trend, { x: "loss", y: "B", stroke: "steelblue" }),
          Plot.ruleX(bcrit, { x: "loss", y1: "lo", y2: "hi", stroke: "#333" }),
          Plot.dot(bcrit, { x: "loss", y: "B", fill: "#333", r: 4 }),
        ],
      },
    },
  ];
}
