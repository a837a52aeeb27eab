/**
 * What every chart shares: the `Chart` type, the log-spaced grid, axis labels, the words of a caption's
 * interval, and the `lo`/`hi` of an interval band.
 */
import type * as Plot from "@observablehq/plot";
import type { FitResult } from "../../types.js";

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
}

const inputLabels: Record<string, string> = {
  N: "Parameters N",
  D: "Training tokens D",
  C: "Training compute C (FLOPs)",
  S: "Optimiser steps S",
  step: "Step",
  U: "Unique tokens U",
  Ne: "Encoder parameters Ne",
  Nd: "Decoder parameters Nd",
  B: "Batch size B (tokens)",
};

/**
 * Axis label of an input, marked when the scale is logarithmic.
 * @example label("N", true) // "Parameters N (log scale)"
 */
export function label(input: string, log: boolean): string {
  return `${inputLabels[input] ?? input}${log ? " (log scale)" : ""}`;
}

/**
 * Axis label of the loss, marked when the scale is logarithmic.
 * @example lossLabel(true) // "Loss (nats/token, log scale)"
 */
export const lossLabel = (log: boolean) => `Loss (nats/token${log ? ", log scale" : ""})`;

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
