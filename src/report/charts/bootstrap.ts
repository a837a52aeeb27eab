/** Histograms of a fit's parameter draws, on the scale each parameter is fitted in. */
import * as Plot from "@observablehq/plot";
import type { FitResult, Law } from "../../types.js";
import { formatPower, formatValue } from "./_format.js";
import { percent, type Chart } from "./shared.js";

// Below the smallest normal double a logarithm means nothing: such draws are at zero.
const tiny = 1e-300;

/**
 * Histograms of the bootstrap (or covariance) draws, one chart per free parameter (their scales differ by
 * orders of magnitude), the best fit and the interval marked. A parameter fitted as its logarithm
 * (`log: true`) is binned and drawn on a log axis, unless its draws reach zero; draws that are all equal
 * are one bar, said so in the caption.
 * @example for (const chart of bootstrapCharts(fit)) console.log(chart.title)
 */
export function bootstrapCharts(
  fit: Pick<FitResult, "draws" | "params" | "intervals" | "level" | "intervalMethod"> & {
    law: Pick<Law, "name"> & Partial<Pick<Law, "params">>;
  },
): Chart[] {
  return Object.entries(fit.draws ?? {}).map(([name, draws]) => {
    const spec = fit.law.params?.find((p) => p.name === name);
    const values = Array.from(draws).filter(Number.isFinite);
    const best = fit.params[name]!;
    // An artifact's interval whose ends are not numbers (covariance intervals of an unidentified parameter) is none.
    const given = fit.intervals[name];
    const interval =
      given && given.every((v) => typeof v === "number" && Number.isFinite(v)) ? given : undefined;
    const marked = [best, ...(interval ?? [])].filter(Number.isFinite);
    const positive = [...values, ...marked].every((v) => v > tiny);
    const log = Boolean(spec?.log) && positive;
    const to = log ? Math.log10 : (v: number) => v;
    const from = log ? (u: number) => 10 ** u : (u: number) => u;
    let lo = Math.min(...values.map(to), ...marked.map(to));
    let hi = Math.max(...values.map(to), ...marked.map(to));
    const equal = Math.min(...values) === Math.max(...values);
    if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(lo)))) {
      const half = log ? 0.5 : Math.abs(lo) > 0 ? Math.abs(lo) / 2 : 1;
      [lo, hi] = [lo - half, hi + half];
    }
    const bins = Math.min(40, Math.max(10, Math.ceil(2 * Math.cbrt(values.length))));
    const step = (hi - lo) / bins;
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) counts[Math.min(bins - 1, Math.floor((to(v) - lo) / step))]!++;
    // Equal draws are one thin bar at their value, not a bin that seems to span a range.
    const rows = equal
      ? [{ x1: from(to(values[0]!) - step / 10), x2: from(to(values[0]!) + step / 10), count: values.length }]
      : counts.map((count, k) => ({ x1: from(lo + k * step), x2: from(lo + (k + 1) * step), count }));
    const scale = log ? "log scale" : "linear scale";
    const why =
      spec?.log && !log
        ? ` ${name} is fitted as its logarithm, but its draws reach zero (${formatValue(Math.min(...values))}), so the axis is linear.`
        : log
          ? ` ${name} is fitted as its logarithm: log-spaced bins on a log axis.`
          : "";
    const same =
      equal && values.length > 1
        ? ` All ${values.length} draws are equal (${values[0]!.toPrecision(4)}).`
        : "";
    return {
      id: `draws-${fit.law.name}-${name}`,
      title: `${fit.law.name}: distribution of ${name}`,
      caption: `Histogram of ${values.length} ${fit.intervalMethod} draws of ${name}; solid rule: the best fit (${best.toPrecision(4)}); ${interval ? `dashed rules: the ${percent(fit.level)} interval [${interval[0].toPrecision(4)}, ${interval[1].toPrecision(4)}]` : `no interval (${name} has none: not identified, or its draws cannot give one)`}.${why}${same}`,
      options: {
        width: 720,
        height: 200,
        marginLeft: 60,
        marginRight: 30,
        x: {
          ...(log ? { type: "log" as const } : {}),
          domain: [from(lo), from(hi)],
          label: `${name}${spec?.description ? `, ${spec.description}` : ""} (law parameter, ${scale})`,
          // Over more than three decades every tick a power of ten, not 100 beside 10⁶.
          tickFormat: log && hi - lo > 3 ? formatPower : formatValue,
        },
        y: { label: "Draws (count)", grid: true },
        marks: [
          Plot.rectY(rows, { x1: "x1", x2: "x2", y: "count", fill: "#888", insetLeft: 0.5, insetRight: 0.5 }),
          Plot.ruleX([best], { stroke: "black", strokeWidth: 1.5 }),
          Plot.ruleX(interval ? [...interval] : [], { stroke: "crimson", strokeDasharray: "4,3" }),
          Plot.ruleY([0]),
        ],
      },
    };
  });
}
