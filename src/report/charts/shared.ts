/**
 * What every chart shares: the `Chart` type, the log-spaced grid, axis labels with units and tick formats,
 * the words of a caption's interval, and the `lo`/`hi` of an interval band.
 */
import type * as Plot from "@observablehq/plot";
import type { FitResult } from "../../types.js";
import { formatCount, formatLoss, formatPower } from "./_format.js";

/**
 * One chart: Plot options plus the words around it.
 * @example const chart: Chart = { id: "runs", title: "Loss curves", caption: "…", options: { marks: [] } }
 */
export interface Chart {
  /** A file-name-safe identifier (the PNG is `<id>.png`). */
  id: string;
  title: string;
  /** What the marks are, the scales and the interval's level. */
  caption: string;
  options: Plot.PlotOptions;
  /** The legend and notes drawn under the plot (`withFooter`), kept so that more can be added. */
  footer?: Footer;
}

/** One legend entry: a line swatch in the series' stroke and its label (the full name as its tooltip). */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  /** The series' dash pattern, if dashed. */
  readonly dash?: string;
  readonly opacity?: number;
  readonly strokeWidth?: number;
  /** Shown on hover: the series' full name. */
  readonly title?: string;
}

/** What `withFooter` draws under a plot. */
export interface Footer {
  readonly legend: readonly LegendEntry[];
  /** Warnings a reader of this chart must see (a parameter at a bound, one the data do not identify). */
  readonly notes: readonly string[];
  /** The chart's own bottom margin, height and marks, before the footer. */
  readonly base: {
    readonly marginBottom: number;
    readonly height: number;
    readonly marks: readonly Plot.Markish[];
  };
}

/** Each input's name and unit, as the axes print them. */
const inputLabels: Record<string, readonly [string, string]> = {
  N: ["Model size N", "parameters"],
  D: ["Training data D", "tokens"],
  C: ["Training compute C", "FLOPs"],
  S: ["Optimiser steps S", "steps"],
  step: ["Step", "optimiser steps"],
  U: ["Unique tokens U", "tokens"],
  Ne: ["Encoder parameters Ne", "parameters"],
  Nd: ["Decoder parameters Nd", "parameters"],
  B: ["Batch size B", "tokens"],
  Dfp: ["Full-precision tokens Dfp", "tokens"],
  Dqat: ["QAT tokens Dqat", "tokens"],
  bits: ["QAT bit width", "bits"],
  Pw: ["Weight precision Pw", "bits"],
  Pa: ["Activation precision Pa", "bits"],
  Pkv: ["KV-cache precision Pkv", "bits"],
  Ppost: ["Post-training precision Ppost", "bits"],
  lr: ["Peak learning rate lr", "dimensionless"],
  target: ["Target loss", "nats/token"],
};

/**
 * Axis label of an input with its unit, marked when the scale is logarithmic.
 * @example label("N", true) // "Model size N (parameters, log scale)"
 */
export function label(input: string, log: boolean): string {
  const [name, unit] = inputLabels[input] ?? [input, undefined];
  const notes = [unit, log ? "log scale" : undefined].filter(Boolean);
  return notes.length ? `${name} (${notes.join(", ")})` : name;
}

/**
 * A log axis of an input: its label with the unit and the tick format of its quantity (FLOPs in powers of
 * ten, counts of parameters, tokens and steps in k/M/B).
 * @example x: inputAxis("C") // {type: "log", label: "Training compute C (FLOPs, log scale)", tickFormat}
 */
export function inputAxis(input: string): Plot.ScaleOptions {
  return { type: "log", label: label(input, true), tickFormat: input === "C" ? formatPower : formatCount };
}

/**
 * Axis label of the loss, marked when the scale is logarithmic.
 * @example lossLabel(true) // "Loss (nats/token, log scale)"
 */
export const lossLabel = (log: boolean) => `Loss (nats/token${log ? ", log scale" : ""})`;

/**
 * A loss axis: plain decimal ticks (2.31, never SI milli), grid lines, log or linear.
 * @example y: lossAxis(true)
 */
export function lossAxis(log: boolean): Plot.ScaleOptions {
  return {
    ...(log ? { type: "log" as const } : {}),
    label: lossLabel(log),
    tickFormat: formatLoss,
    grid: true,
  };
}

/** The label of a compute-optimal model size axis. */
export const nStarLabel = "Compute-optimal N* (parameters, log scale)";

/**
 * The log axis of a compute-optimal model size N*(C), with grid lines and counts in k/M/B.
 * @example y: nStarAxis()
 */
export function nStarAxis(): Plot.ScaleOptions {
  return { type: "log", label: nStarLabel, grid: true, tickFormat: formatCount };
}

/**
 * An interval's level as a percentage, to one decimal where it has one.
 * @example percent(0.95) // "95%"
 */
export const percent = (level: number) => `${Math.round(level * 1000) / 10}%`;

/**
 * A caption's words for a fit's interval: its level and how it was computed.
 * @example intervalWords(fit) // "95% interval of the fitted law (bootstrap, 100 refits resampling runs)"
 */
export function intervalWords(fit: Pick<FitResult, "intervalMethod" | "level" | "draws">): string {
  const draws = fit.draws ? (Object.values(fit.draws)[0]?.length ?? 0) : 0;
  const how =
    fit.intervalMethod === "bootstrap"
      ? `bootstrap, ${draws} refits resampling runs`
      : fit.intervalMethod === "covariance"
        ? `${draws} draws from the fit's covariance`
        : fit.intervalMethod;
  return `${percent(fit.level)} interval of the fitted law (${how})`;
}

/**
 * The `lo` and `hi` of an interval band around a value; without an interval the band collapses onto it.
 * @example band(a.N, a.intervals?.N) // { lo: 1.2e9, hi: 1.9e9 }, or { lo: a.N, hi: a.N } without draws
 */
export function band(
  value: number,
  interval: readonly [number, number] | null | undefined,
): { lo: number; hi: number } {
  return { lo: interval?.[0] ?? value, hi: interval?.[1] ?? value };
}

/**
 * `count` points spread evenly in log space from lo to hi.
 * @example logGrid(1e18, 1e21, 4) // [1e18, 1e19, 1e20, 1e21]
 */
export function logGrid(lo: number, hi: number, count: number): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return Array.from({ length: count }, (_, i) => 10 ** (a + ((b - a) * i) / (count - 1)));
}
