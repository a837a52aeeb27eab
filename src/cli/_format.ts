import { num } from "../fit/report.js";
import type { Allocation } from "../predict/computeOptimal.js";
import type { Prediction } from "../predict/predictLoss.js";

/** Predictions as lines for people: loss, law interval, new-run interval, extrapolation warnings. */
export function formatPredictions(predictions: readonly Prediction[]): string[] {
  const lines: string[] = [];
  for (const p of predictions) {
    const at = Object.entries(p.at)
      .map(([k, v]) => `${k}=${num(v, 4)}`)
      .join(" ");
    const ci = p.interval ? `[${num(p.interval[0], 5)}, ${num(p.interval[1], 5)}]` : "(no draws in the fit)";
    lines.push(
      `  ${at}: loss ${num(p.loss, 5)}  law interval ${ci}  new-run interval [${num(p.predictionInterval[0], 5)}, ${num(p.predictionInterval[1], 5)}]`,
    );
    for (const w of p.warnings) lines.push(`    - ${w.code}: ${w.message}`);
  }
  return lines;
}

/** Compute-optimal allocations as a table for people. */
export function formatAllocations(allocations: readonly Allocation[]): string[] {
  const lines = [
    `  ${"C (FLOPs)".padEnd(11)} ${"N*".padEnd(30)} ${"D*".padEnd(30)} ${"D*/N*".padEnd(22)} loss`,
  ];
  for (const a of allocations) {
    const iv = (key: "N" | "D" | "loss" | "tokensPerParameter", digits = 3) =>
      a.intervals ? ` [${num(a.intervals[key][0], digits)}, ${num(a.intervals[key][1], digits)}]` : "";
    lines.push(
      `  ${num(a.C, 3).padEnd(11)} ${(num(a.N, 3) + iv("N")).padEnd(30)} ${(num(a.D, 3) + iv("D")).padEnd(30)} ${(num(a.tokensPerParameter, 3) + iv("tokensPerParameter")).padEnd(22)} ${num(a.loss, 4)}${iv("loss", 4)}`,
    );
  }
  return lines;
}
