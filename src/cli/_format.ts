import { num } from "../fit/report.js";
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

/**
 * A count with its noun, singular for one: "1 new run", "3 new runs".
 * @example counted(1, "row") // "1 row"
 */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
