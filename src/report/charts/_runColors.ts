/**
 * How the lines of many runs are told apart: up to `legendCap` runs each get a colour and a legend entry named
 * by what differs between the runs' names; beyond that a legend of every run would fill the page, so colour
 * shows the model size N (in at most eight log-spaced classes) where every run has one, else the legend names
 * the first `legendCap` runs by name and says how many it leaves out. A line's tooltip always names its run.
 */
import * as Plot from "@observablehq/plot";
import { palette } from "./_annotate.js";
import { formatCount } from "./_format.js";
import { varyingParts } from "./_runNames.js";
import type { LegendEntry } from "./shared.js";

/** The most runs a legend names one by one. */
const legendCap = 60;

/** The runs' colours, their legend entries, and what the caption and the chart's notes say of them. */
export interface RunColors {
  readonly color: ReadonlyMap<string, string>;
  readonly legend: readonly LegendEntry[];
  /** The caption's sentence on the legend. */
  readonly words: string;
  /** What the legend leaves out, for the chart's own notes (a PNG is read without its caption). */
  readonly notes: readonly string[];
}

const count = (n: number) => n.toLocaleString("en");

/** Up to eight classes of model size: one per size when there are few, else log-spaced bins of the range. */
function sizeClasses(sizes: readonly number[]): Array<{ lo: number; hi: number }> {
  const distinct = [...new Set(sizes)].sort((a, b) => a - b);
  if (distinct.length <= 8) return distinct.map((n) => ({ lo: n, hi: n }));
  const [lo, hi] = [Math.log(distinct[0]!), Math.log(distinct[distinct.length - 1]!)];
  const bins = new Map<number, { lo: number; hi: number }>();
  for (const n of distinct) {
    const k = Math.min(7, Math.floor((8 * (Math.log(n) - lo)) / (hi - lo)));
    const bin = bins.get(k);
    if (bin) bin.hi = n;
    else bins.set(k, { lo: n, hi: n });
  }
  return [...bins.values()];
}

/**
 * Colours and legend of the runs of a chart, in the order of `runs`, with each run's model size N if known.
 * @example runColors(["a", "b"], new Map()).legend.map((e) => e.label) // ["a", "b"]
 */
export function runColors(runs: readonly string[], sizes: ReadonlyMap<string, number>): RunColors {
  const { labels, shared } = varyingParts(runs);
  const order = runs
    .map((run, i) => ({ run, label: labels[i]! }))
    .sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  const sharedWords = shared ? ` (all are ${shared})` : "";
  if (order.length <= legendCap) {
    const colors = palette(order.length);
    const color = new Map(order.map(({ run }, i) => [run, colors[i]!]));
    return {
      color,
      legend: order.map(({ run, label }) => ({ label, color: color.get(run)!, title: run })),
      words: `The legend names each run by what differs between the runs' names${sharedWords}; a line's tooltip gives its full name.`,
      notes: [],
    };
  }
  const known = runs.map((run) => sizes.get(run)).filter((n): n is number => Number.isFinite(n) && n! > 0);
  if (known.length === runs.length) {
    const classes = sizeClasses(known);
    const ramp = Plot.scale({ color: { type: "linear", scheme: "viridis", domain: [0, 1] } });
    const colors = classes.map((_, k) =>
      ramp.apply(classes.length > 1 ? (0.9 * k) / (classes.length - 1) : 0),
    );
    const of = (n: number) => classes.findIndex((c) => n <= c.hi);
    const color = new Map(runs.map((run) => [run, String(colors[of(sizes.get(run)!)]!)]));
    const legend = classes.map(({ lo, hi }, k) => ({
      label: lo === hi ? `N = ${formatCount(lo)}` : `N ${formatCount(lo)}–${formatCount(hi)}`,
      color: String(colors[k]),
    }));
    const note = `${count(runs.length)} runs, too many to name one by one: the colour is the model size N (${classes.length} classes); a line's tooltip gives its run's name.`;
    return { color, legend, words: note, notes: [note] };
  }
  const colors = palette(order.length);
  const color = new Map(order.map(({ run }, i) => [run, colors[i]!]));
  const note = `The legend names ${legendCap} of the ${count(runs.length)} runs (the first by name; not every run has a model size N to colour by); a line's tooltip gives every run's name.`;
  return {
    color,
    legend: order
      .slice(0, legendCap)
      .map(({ run, label }) => ({ label, color: color.get(run)!, title: run })),
    words: `${note} The legend names each run by what differs between the runs' names${sharedWords}.`,
    notes: [note],
  };
}
