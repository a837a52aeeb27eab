/** The compute-optimal frontier of a law in N and D: N*, D* and tokens per parameter against compute. */
import * as Plot from "@observablehq/plot";
import { computeOptimal } from "../../predict/computeOptimal.js";
import type { FitResult, FittedLaw } from "../../types.js";
import { beyondData, directLabels } from "./_annotate.js";
import { formatCount, formatPower } from "./_format.js";
import { band, inputAxis, intervalWords, type Chart } from "./shared.js";

/** Rows of a line split at the data's largest C: solid up to it, dashed beyond, joined at it. */
function pieces<T extends { C: number }>(rows: readonly T[], largestC: number | undefined) {
  if (largestC === undefined) return { solid: [...rows], dashed: [] as T[] };
  return { solid: rows.filter((r) => r.C <= largestC), dashed: rows.filter((r) => r.C >= largestC) };
}

/**
 * The powers of ten between the smallest and the largest value, as axis options (ticks and grid lines at
 * decades only); none (Plot's own ticks) when fewer than three fall inside.
 */
function decades(values: readonly number[]): { ticks?: number[] } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const from = Math.ceil(Math.log10(Math.min(...positive)) - 1e-9);
  const to = Math.floor(Math.log10(Math.max(...positive)) + 1e-9);
  return to - from >= 2 ? { ticks: Array.from({ length: to - from + 1 }, (_, k) => 10 ** (from + k)) } : {};
}

const nLabel = "N* (parameters)";
const dLabel = "D* (tokens)";

/**
 * The compute-optimal frontier: N* and D* against compute with their interval bands, and a second chart of
 * tokens per parameter (D* over N*). Budgets beyond the largest run's C (`largestC`, from the fit's data
 * range by default) are shaded and the lines there dashed, with each whole decade beyond marked.
 * @example const [sizes, ratio] = frontierCharts(fit, logGrid(1e18, 1e25, 30), { largestC: 3e21 })
 */
export function frontierCharts(
  fit: FittedLaw & Pick<FitResult, "intervalMethod" | "level" | "draws">,
  budgets: readonly number[],
  {
    largestC = fit.dataRange.C?.[1] ??
      (fit.dataRange.N && fit.dataRange.D ? 6 * fit.dataRange.N[1] * fit.dataRange.D[1] : undefined),
  }: { largestC?: number } = {},
): [Chart, Chart] {
  const hi = Math.max(...budgets);
  const lo = Math.min(...budgets);
  const within = largestC !== undefined && largestC > lo && largestC < hi ? largestC : undefined;
  const grid = [...new Set([...budgets, ...(within ? [within] : [])])].sort((a, b) => a - b);
  const allocations = grid.map((C) => computeOptimal(fit, C));
  const rows = allocations.flatMap((a) => [
    { C: a.C, value: a.N, ...band(a.N, a.intervals?.N), quantity: nLabel },
    { C: a.C, value: a.D, ...band(a.D, a.intervals?.D), quantity: dLabel },
  ]);
  const ratio = allocations.map((a) => ({
    C: a.C,
    value: a.tokensPerParameter,
    ...band(a.tokensPerParameter, a.intervals?.tokensPerParameter),
  }));
  const ends = rows.filter((r) => r.C === hi);
  const beyond = largestC !== undefined && hi > largestC;
  const extrapolation = beyond
    ? ` Right of the dashed rule (the largest run's C, ${formatPower(largestC!)}) the budgets lie beyond the data: shaded, lines dashed, each decade beyond marked.`
    : "";
  const sizesLabel = "N* or D* (parameters or tokens, log scale)";
  const ratioLabel = "D*/N* (tokens per parameter, log scale)";
  const lines = pieces(rows, largestC);
  const ratios = pieces(ratio, largestC);
  const ticks = decades(rows.flatMap((r) => [r.lo, r.hi, r.value]));
  const ratioTicks = decades(ratio.flatMap((r) => [r.lo, r.hi, r.value]));
  const colors: Record<string, string> = { [nLabel]: "steelblue", [dLabel]: "darkorange" };
  return [
    {
      id: `frontier-${fit.law.name}`,
      title: `${fit.law.name}: compute-optimal N* and D*`,
      caption: `Lines: the compute-optimal parameters N* (blue) and tokens D* (orange) for each budget C = 6ND; bands: ${intervalWords(fit)}.${extrapolation}`,
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        marginRight: 110,
        x: inputAxis("C"),
        // Grid lines at the powers of ten only, not at every minor tick of several decades.
        y: {
          type: "log",
          label: sizesLabel,
          grid: true,
          ...ticks,
          tickFormat: formatCount,
        },
        color: { domain: [nLabel, dLabel], range: [colors[nLabel], colors[dLabel]] },
        marks: [
          ...(beyond ? beyondData(largestC!, hi, sizesLabel) : []),
          Plot.areaY(rows, {
            x: "C",
            y1: "lo",
            y2: "hi",
            fill: "quantity",
            z: "quantity",
            fillOpacity: 0.25,
          }),
          Plot.line(lines.solid, { x: "C", y: "value", stroke: "quantity", z: "quantity", strokeWidth: 2 }),
          Plot.line(lines.dashed, {
            x: "C",
            y: "value",
            stroke: "quantity",
            z: "quantity",
            strokeWidth: 2,
            strokeDasharray: "6,4",
          }),
          directLabels(ends.map((r) => ({ x: r.C, y: r.value, text: r.quantity, fill: colors[r.quantity] }))),
        ],
      },
    },
    {
      id: `tokens-per-parameter-${fit.law.name}`,
      title: `${fit.law.name}: tokens per parameter at the optimum`,
      caption: `D*/N* for each compute budget; band: ${intervalWords(fit)}.${extrapolation}`,
      options: {
        width: 720,
        height: 300,
        marginLeft: 60,
        marginRight: 30,
        x: inputAxis("C"),
        y: {
          type: "log",
          label: ratioLabel,
          grid: true,
          ...ratioTicks,
          tickFormat: formatCount,
        },
        marks: [
          ...(beyond ? beyondData(largestC!, hi, ratioLabel) : []),
          Plot.areaY(ratio, { x: "C", y1: "lo", y2: "hi", fill: "seagreen", fillOpacity: 0.25 }),
          Plot.line(ratios.solid, { x: "C", y: "value", stroke: "seagreen", strokeWidth: 2 }),
          Plot.line(ratios.dashed, {
            x: "C",
            y: "value",
            stroke: "seagreen",
            strokeWidth: 2,
            strokeDasharray: "6,4",
          }),
        ],
      },
    },
  ];
}
