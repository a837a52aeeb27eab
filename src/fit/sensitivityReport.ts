import { num } from "./report.js";
import { shortNumber } from "./sensitivitySpreads.js";
import type { SensitivityReport, SensitivityVariant, Spread } from "./sensitivityTypes.js";

/** At most this many exponent columns in the table (the JSON document has every quantity). */
const exponentColumns = 5;

/**
 * The `[[Sensitivity]]` section of a fit report: one row per refit (convention, objective, exponents, N*(C),
 * loss), a row of spreads, the conventions skipped and why, and the headline in one line. A pure formatter.
 * @example console.log(formatSensitivity(fitSensitivity(chinchilla, data, {}, {compute: 5.76e23})))
 */
export function formatSensitivity(report: SensitivityReport): string {
  const exponents = pickExponents(report.spreads);
  const answers: {
    header: string;
    value: (v: SensitivityVariant) => number | null | undefined;
    digits: number;
  }[] = [];
  if (report.compute !== null) {
    answers.push({ header: "N*(C)", value: (v) => v.optimum?.N, digits: 4 });
    answers.push({ header: "loss(C)", value: (v) => v.optimum?.loss, digits: 5 });
  }
  if (report.at !== null) answers.push({ header: "loss(at)", value: (v) => v.lossAt, digits: 5 });
  const reference = report.variants[0];
  const rows: string[][] = [
    ["  convention", "objective", ...exponents.map((s) => s.quantity), ...answers.map((a) => a.header)],
  ];
  for (const v of report.variants) {
    const cells = answers.map(({ value, digits }) => {
      const x = value(v);
      const base = reference ? value(reference) : undefined;
      if (typeof x !== "number") return "n/a";
      if (v === reference || typeof base !== "number" || !(base > 0)) return num(x, digits);
      const change = 100 * (x / base - 1);
      return `${num(x, digits)} (${change >= 0 ? "+" : ""}${num(change, 3)}%)`;
    });
    rows.push([
      `${v === reference ? "*" : " "} ${v.label}${v.converged ? "" : " (not converged)"}`,
      v.objective,
      ...exponents.map((s) => fixedValue(v, s)),
      ...cells,
    ]);
  }
  if (report.variants.length > 1) {
    const spread = (header: string) =>
      report.spreads.find((s) => s.source === "answer" && answerColumn(s.quantity) === header);
    rows.push([
      "  spread",
      "max − min; max/min − 1",
      ...exponents.map((s) => s.range.toFixed(4)),
      ...answers.map((a) => {
        const s = spread(a.header);
        return s?.relative !== null && s?.relative !== undefined ? `${num(100 * s.relative, 3)}%` : "";
      }),
    ]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) => `    ${r.map((cell, j) => cell.padEnd(widths[j]!)).join("  ")}`.trimEnd());
  const at =
    report.at === null
      ? ""
      : `; loss at ${Object.entries(report.at)
          .map(([k, v]) => `${k}=${shortNumber(v)}`)
          .join(", ")}`;
  const count = report.variants.length;
  const heading = `[[Sensitivity]] ${count} point fit${count === 1 ? "" : "s"} under the conventions people disagree on${
    report.compute === null ? "" : `; N*, D* and loss at C = ${shortNumber(report.compute)}`
  }${at}`;
  const others = report.spreads.filter((s) => s.scale === "absolute" && !exponents.includes(s)).length;
  return [
    heading,
    ...lines,
    "    * the fit's own convention; changes in parentheses are relative to it",
    ...(others ? [`    (${others} more quantities of order one in --json)`] : []),
    ...report.skipped.map((s) => `    skipped ${s.label}: ${s.reason}`),
    `    ${report.summary}`,
    "",
  ].join("\n");
}

/** Which table column an answer's spread belongs to. */
function answerColumn(quantity: string): string {
  if (quantity.startsWith("N*(")) return "N*(C)";
  if (quantity === "L(N*, D*)") return "loss(C)";
  if (quantity.startsWith("L(")) return "loss(at)";
  return "";
}

/** The exponents (quantities of order one) shown: every one, or the few that move most when there are many. */
function pickExponents(spreads: readonly Spread[]): Spread[] {
  const absolute = spreads.filter((s) => s.scale === "absolute" && s.source !== "answer");
  if (absolute.length <= exponentColumns) return absolute;
  // Those that move most; none when nothing moves (a single refit): --json has them all.
  const moving = absolute
    .filter((s) => s.range > 0)
    .sort((a, b) => b.range - a.range)
    .slice(0, exponentColumns);
  return absolute.filter((s) => moving.includes(s));
}

/** A quantity's value in a refit, with four decimals (exponents are read against each other). */
function fixedValue(v: SensitivityVariant, s: Spread): string {
  const x = s.source === "parameter" ? v.params[s.quantity] : v.derived[s.quantity];
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(4) : "n/a";
}

/**
 * The sensitivity section of a fit artifact read from a file (`fit --sensitivity --out`), when it is well
 * formed enough to format; undefined otherwise (an older artifact has none).
 * @example readSensitivity((await loadFit("fit.json")).artifact) // {variants: [...], summary: "N*(…) moves …"} or undefined
 */
export function readSensitivity(artifact: unknown): SensitivityReport | undefined {
  const s = (artifact as { sensitivity?: Partial<SensitivityReport> } | null)?.sensitivity;
  if (!s || typeof s !== "object") return undefined;
  const record = (x: unknown): boolean => typeof x === "object" && x !== null;
  const ok =
    (s.compute === null || typeof s.compute === "number") &&
    (s.at === null || record(s.at)) &&
    typeof s.summary === "string" &&
    Array.isArray(s.variants) &&
    s.variants.length > 0 &&
    s.variants.every(
      (v) =>
        record(v) &&
        typeof v.label === "string" &&
        typeof v.objective === "string" &&
        record(v.params) &&
        record(v.derived),
    ) &&
    Array.isArray(s.spreads) &&
    s.spreads.every((x) => record(x) && typeof x.quantity === "string" && typeof x.range === "number") &&
    Array.isArray(s.skipped) &&
    s.skipped.every((x) => record(x) && typeof x.label === "string" && typeof x.reason === "string");
  return ok ? (s as SensitivityReport) : undefined;
}
