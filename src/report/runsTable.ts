/**
 * The report's table of runs: one row per run (name, kind, N, D, points, last step, last losses, status).
 * Past `foldedFrom` runs the table is folded under a summary line (HTML `<details>`, no script) so that the
 * charts below it are not thousands of rows down the page; every run is still in it.
 */
import { escapeHtml, fmt } from "./_html.js";

const columns: Array<[string, string]> = [
  ["name", "run"],
  ["kind", "kind"],
  ["n", "N"],
  ["d", "D"],
  ["points", "points"],
  ["last_step", "last step"],
  ["last_eval_loss", "last eval loss"],
  ["last_train_loss", "last train loss"],
  ["status", "status"],
];

/** More runs than this and the table is folded. */
const foldedFrom = 100;

/** A cell: integers exact with thousands separators (262,144 tokens, not 262,100), other numbers as `fmt`. */
const cell = (v: unknown) =>
  typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 1e15)
    ? v.toLocaleString("en-US")
    : fmt(v);

/**
 * The table of `listRuns` rows as HTML.
 * @example runsTable([{ name: "a", n: 1e8, points: 10 }]) // "<table>…</table>"
 */
export function runsTable(runs: ReadonlyArray<Record<string, unknown>>): string {
  const table = `<table><thead><tr>${columns.map(([, h]) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${runs
    // Run names may break after "/" and "_" (between a sweep's fields), numbers never.
    .map(
      (r) =>
        `<tr>${columns.map(([c]) => (c === "name" ? `<td class="name">${fmt(r[c]).replace(/[/_]/g, "$&<wbr>")}</td>` : `<td>${cell(r[c])}</td>`)).join("")}</tr>`,
    )
    .join("")}</tbody></table>`;
  if (runs.length <= foldedFrom) return table;
  const count = runs.length.toLocaleString("en");
  return `<details><summary>The table of all ${count} runs (${count} rows; open to read)</summary>${table}</details>`;
}
