/** HTML text of the report: every user string escaped, numbers as the fit report writes them. */
import { num } from "../fit/report.js";

/**
 * Escapes text for HTML element content and attribute values.
 * @example escapeHtml('<img src=x onerror=alert(1)>') // "&lt;img src=x onerror=alert(1)&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * A cell, HTML-escaped: empty for nothing, text as it is, numbers as the fit report writes them.
 * @example fmt(2.5e9) // "2.500e+09"
 */
export const fmt = (v: unknown, digits = 4): string => {
  if (v === null || v === undefined || v === "") return "";
  const n = Number(v);
  return escapeHtml(Number.isFinite(n) ? num(n, digits) : String(v));
};
