import { parseDecimal } from "../parseDecimal.js";

/**
 * A table cell as a number: numbers as they are; text in decimal or exponent form only (`parseDecimal`), so
 * `0x10`, `0b11` and `1,5` are NaN (not a number) as a typo should be; a written `Infinity` or an overflowing
 * `1e400` is ±Infinity, which the callers refuse as not finite. No Node module here: the notebooks' browser
 * bundle reads tables through this.
 * @example cellNumber("2.5e-3") // 0.0025
 * @example cellNumber("0x10") // NaN
 */
export function cellNumber(cell: string | number): number {
  if (typeof cell === "number") return cell;
  const value = parseDecimal(cell);
  if (typeof value === "number") return value;
  const text = cell.trim();
  if (value === "overflow" || /^[-+]?infinity$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return NaN;
}
