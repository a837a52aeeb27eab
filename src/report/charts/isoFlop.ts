/** IsoFLOP curves of a law in N and D, with what lies beyond the data drawn as extrapolation. */
import * as Plot from "@observablehq/plot";
import { computeOptimal } from "../../predict/computeOptimal.js";
import type { FittedLaw } from "../../types.js";
import { beyondData, directLabels, palette } from "./_annotate.js";
import { decadesWords, formatPower } from "./_format.js";
import { inputAxis, logGrid, lossAxis, lossLabel, type Chart } from "./shared.js";

/**
 * How a budget stands to the data: within it, the largest run's, or so many decades beyond.
 * @example budgetWords(2.6e13, 2.6e12) // "+1 decade"
 */
export function budgetWords(C: number, largestC: number | undefined): string {
  if (largestC === undefined) return "";
  if (C > largestC * 1.02) return decadesWords(C, largestC);
  return C >= largestC / 1.02 ? "largest run" : "within the data";
}

/**
 * IsoFLOP curves: the law's loss against N at fixed compute budgets (D = C / 6N), the optimum N* marked and
 * labelled with its budget and the budget's distance in decades beyond the largest run. A curve is solid
 * where N and D both lie within the fitted runs' ranges and dashed where the law extrapolates; N beyond the
 * largest fitted model is shaded.
 * @example isoFlopChart(fit, [2.6e12, 2.6e13, 2.6e14], { largestC: 2.6e12 })
 */
export function isoFlopChart(
  fit: FittedLaw,
  budgets: readonly number[],
  {
    largestC = fit.dataRange.C?.[1] ??
      (fit.dataRange.N && fit.dataRange.D ? 6 * fit.dataRange.N[1] * fit.dataRange.D[1] : undefined),
  }: { largestC?: number } = {},
): Chart {
  const range = fit.dataRange;
  const inside = (N: number, D: number) =>
    (!range.N || (N >= range.N[0] * 0.999 && N <= range.N[1] * 1.001)) &&
    (!range.D || (D >= range.D[0] * 0.999 && D <= range.D[1] * 1.001));
  const colors = palette(budgets.length);
  const rows: Array<{
    N: number;
    loss: number;
    segment: string;
    color: string;
    inside: boolean;
    title: string;
  }> = [];
  const optima: Array<{ N: number; loss: number; color: string; text: string }> = [];
  budgets.forEach((C, k) => {
    const best = computeOptimal(fit, C);
    const where = budgetWords(C, largestC);
    const name = `C = ${formatPower(C)}${where ? ` (${where})` : ""}`;
    let segment = 0;
    let previous: (typeof rows)[number] | undefined;
    for (const N of logGrid(best.N / 30, best.N * 30, 61)) {
      const D = C / (6 * N);
      const row = {
        N,
        loss: fit.law.predict(fit.params, { N, D }),
        segment: "",
        color: colors[k]!,
        inside: inside(N, D),
        title: `isoFLOP ${name}`,
      };
      // Where a curve leaves or enters the data, the point is drawn in both pieces so that they join.
      if (previous && previous.inside !== row.inside) {
        segment++;
        rows.push({ ...previous, segment: `${k}-${segment}`, inside: row.inside });
      }
      rows.push({ ...row, segment: `${k}-${segment}` });
      previous = row;
    }
    optima.push({ N: best.N, loss: best.loss, color: colors[k]!, text: `N* at ${name}` });
  });
  const largestN = range.N?.[1];
  const hiN = Math.max(...rows.map((r) => r.N));
  return {
    id: `isoflop-${fit.law.name}`,
    title: `${fit.law.name}: isoFLOP curves`,
    caption: `Each line is the fitted loss at one compute budget C = 6ND as N varies (D = C/6N); the dot marks the compute-optimal N* of that budget, labelled with its distance in decades beyond the largest run's C${
      largestC ? ` (${formatPower(largestC)})` : ""
    }. Lines are solid where N and D both lie within the fitted runs' ranges and dashed where the law extrapolates; the shaded band is N beyond the largest fitted model${
      largestN ? ` (${formatPower(largestN)})` : ""
    }.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 20,
      x: inputAxis("N"),
      // Room below the lowest optimum, so its dot does not sit on the axis.
      y: { ...lossAxis(true), insetBottom: 8 },
      marks: [
        ...(largestN ? beyondData(largestN, hiN, lossLabel(true)) : []),
        Plot.line(
          rows.filter((r) => r.inside),
          { x: "N", y: "loss", z: "segment", stroke: "color", strokeWidth: 1.6, title: "title" },
        ),
        Plot.line(
          rows.filter((r) => !r.inside),
          {
            x: "N",
            y: "loss",
            z: "segment",
            stroke: "color",
            strokeWidth: 1.6,
            strokeDasharray: "5,4",
            title: "title",
          },
        ),
        Plot.dot(optima, { x: "N", y: "loss", fill: "color", r: 4, stroke: "white" }),
        directLabels(optima.map((o) => ({ x: o.N, y: o.loss, text: o.text, fill: o.color }))),
      ],
    },
  };
}
