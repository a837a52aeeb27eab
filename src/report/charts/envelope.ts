/** An envelope (Approach 1) fit: the runs' curves with their lower envelope, and N*(C) through its sizes. */
import * as Plot from "@observablehq/plot";
import type { Observations } from "../../dataTypes.js";
import { withDraws } from "../../fit/draws.js";
import { lowerEnvelope } from "../../fit/laws/envelope.js";
import type { FittedLaw } from "../../types.js";
import { beyondData, palette, withFooter } from "./_annotate.js";
import { formatCount, formatValue } from "./_format.js";
import { inputAxis, logGrid, lossAxis, nStarAxis, nStarLabel, percent, type Chart } from "./shared.js";

/** Points drawn of each run's curve: enough for its shape, few enough for a sweep of many runs. */
const pointsPerRun = 60;

/**
 * Two charts of an envelope fit (Hoffmann et al. 2022, §3.1, their Figure 2): every run's loss against its
 * compute, coloured by model size, with the lower envelope's points (the run of lowest loss at each C) marked;
 * and the sizes on the envelope against C with N*(C) = kN·C^aN fitted through them and its interval band,
 * dashed a decade beyond the largest C on the envelope. Without the runs' curves (a saved fit), only the second.
 * @example envelopeCharts(fit, observations).map((c) => c.id) // ["envelope-curves", "envelope-frontier"]
 */
export function envelopeCharts(fit: FittedLaw, observations: Observations | undefined): Chart[] {
  const points = observations?.run && observations.inputs.C ? lowerEnvelope(observations) : [];
  const sizes = [...new Set(observations?.inputs.N ?? [])].sort((a, b) => a - b);
  const colours = palette(sizes.length);
  const size = (N: number) => `N = ${formatCount(N)}`;
  // Colours as values (the footer's legend names them): a Plot legend would make the chart a figure of two SVGs.
  const colourOf = (N: number) => colours[sizes.indexOf(N)] ?? "#333";
  const legendOf = (shown: readonly number[]) => ({
    legend: shown.map((N) => ({ label: size(N), color: colourOf(N) })),
  });
  const legend = legendOf(sizes);
  const dots = points.map((p) => ({ ...p, colour: colourOf(p.N) }));
  const charts: Chart[] = [];
  if (observations && points.length) {
    // Each run's points in order of compute, thinned to `pointsPerRun`.
    const byRun = new Map<string, number[]>();
    observations.loss.forEach((_, i) => {
      const run = observations.run![i]!;
      byRun.set(run, [...(byRun.get(run) ?? []), i]);
    });
    const curves = [...byRun].flatMap(([run, rows]) => {
      rows.sort((a, b) => observations.inputs.C![a]! - observations.inputs.C![b]!);
      const every = Math.max(1, Math.ceil(rows.length / pointsPerRun));
      return rows
        .filter((_, k) => k % every === 0 || k === rows.length - 1)
        .map((i) => ({
          run,
          C: observations.inputs.C![i]!,
          loss: observations.loss[i]!,
          colour: colourOf(observations.inputs.N![i]!),
        }));
    });
    charts.push(
      withFooter(
        {
          id: "envelope-curves",
          title: "envelope: the runs' loss against compute and their lower envelope (Approach 1)",
          caption: `Each line is one run's logged loss against its compute C, coloured by model size; the dots are the lower envelope: at each of ${points.length} compute values the run of lowest loss (stretches where the smallest or largest size is lowest are left out: the optimum may lie beyond the sizes trained).`,
          options: {
            width: 720,
            height: 440,
            marginLeft: 60,
            marginRight: 20,
            x: inputAxis("C"),
            y: lossAxis(true),
            marks: [
              Plot.line(curves, {
                x: "C",
                y: "loss",
                z: "run",
                stroke: "colour",
                strokeWidth: 1,
                strokeOpacity: 0.6,
              }),
              Plot.dot(dots, {
                x: "C",
                y: "loss",
                fill: "colour",
                r: 2.2,
                stroke: "white",
                strokeWidth: 0.5,
              }),
            ],
          },
        },
        legend,
      ),
    );
  }
  const { kN, aN } = fit.params as Record<"kN" | "aN", number>;
  const range = fit.dataRange.C;
  const [first, last] = range ?? [Math.min(...points.map((p) => p.C)), Math.max(...points.map((p) => p.C))];
  const line = logGrid(first, 10 * last, 40).map((C) => {
    const { best, interval } = withDraws(
      fit,
      (p) => p.kN! * C ** p.aN!,
      (N) => N,
    );
    return { C, N: best, lo: interval?.[0] ?? best, hi: interval?.[1] ?? best, beyond: C > last * 1.001 };
  });
  const inside = line.filter((r) => !r.beyond);
  const beyond = [inside[inside.length - 1]!, ...line.filter((r) => r.beyond)];
  charts.push(
    withFooter(
      {
        id: "envelope-frontier",
        title: "envelope: compute-optimal size N*(C) from the lower envelope",
        caption: `The model size on the lower envelope at each compute value (dots, coloured by size), and N*(C) = ${formatValue(kN)}·C^${formatValue(aN)} fitted through them by least squares in logs, with its ${percent(fit.level)} interval from the fit's draws (band); dashed and shaded: a decade beyond the largest C on the envelope.`,
        options: {
          width: 720,
          height: 420,
          marginLeft: 70,
          marginRight: 20,
          x: inputAxis("C"),
          y: nStarAxis(),
          marks: [
            ...beyondData(last, 10 * last, nStarLabel),
            Plot.areaY(line, { x: "C", y1: "lo", y2: "hi", fill: "#4269d0", fillOpacity: 0.15 }),
            Plot.line(inside, { x: "C", y: "N", stroke: "black", strokeWidth: 1.6 }),
            Plot.line(beyond, { x: "C", y: "N", stroke: "black", strokeWidth: 1.6, strokeDasharray: "5,4" }),
            Plot.dot(dots, { x: "C", y: "N", fill: "colour", r: 2.5, stroke: "white", strokeWidth: 0.5 }),
          ],
        },
      },
      // Only the sizes on the envelope are drawn here.
      legendOf(sizes.filter((N) => points.some((p) => p.N === N))),
    ),
  );
  return charts;
}
