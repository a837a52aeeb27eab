/**
 * Tick formats chosen per quantity: losses as plain decimals (2.31, never SI milli), FLOPs in powers of ten
 * (2×10¹²), counts of parameters and tokens in the k/M/B/T words papers use (70B parameters, 1.4T tokens),
 * fitted parameters as plain decimals or powers of ten. Each returns "" for a value it cannot show, so a log
 * axis's filtered ticks stay unlabelled.
 */

const superscript = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** 10 to an integer power with superscript digits: 10¹³, 10⁻³. */
function powerOfTen(exponent: number): string {
  const digits = String(Math.abs(exponent))
    .split("")
    .map((d) => superscript[Number(d)])
    .join("");
  return `10${exponent < 0 ? "⁻" : ""}${digits}`;
}

/** Up to `digits` significant digits, trailing zeros dropped, a true minus sign: 2.310 → "2.31", −0.2. */
const significant = (value: number, digits: number) =>
  String(Number(value.toPrecision(digits))).replace(/^-/, "−");

/**
 * A number as m×10ⁿ (10ⁿ when the mantissa is 1), two significant digits.
 * @example formatPower(2.6e12) // "2.6×10¹²"
 */
export function formatPower(value: number): string {
  if (!Number.isFinite(value)) return "";
  if (value === 0) return "0";
  const sign = value < 0 ? "−" : "";
  // From the decimal digits (toExponential), not by dividing by 10ⁿ: 10⁻³²⁴ is 0 in doubles, and 9.96e12 rounds to
  // 1.0e13 there, not to 10×10¹².
  const [digits, power] = Math.abs(value).toExponential(1).split("e") as [string, string];
  const mantissa = Number(digits);
  const exponent = Number(power);
  return `${sign}${mantissa === 1 ? "" : `${mantissa}×`}${powerOfTen(exponent)}`;
}

/**
 * A loss (or any quantity near 1) as a plain decimal, three significant digits.
 * @example formatLoss(0.9) // "0.9"
 */
export function formatLoss(value: number): string {
  return Number.isFinite(value) ? significant(value, 3) : "";
}

const countUnits: ReadonlyArray<[number, string]> = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

/**
 * A count of parameters, tokens or steps in k, M, B (billion) and T, three significant digits; powers of ten
 * from 10¹⁵ on.
 * @example formatCount(4.13e5) // "413k"
 */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return "";
  const size = Math.abs(value);
  if (size >= 1e15) return formatPower(value);
  for (const [unit, word] of countUnits) if (size >= unit) return `${significant(value / unit, 3)}${word}`;
  return significant(value, 3);
}

/**
 * A fitted parameter: a plain decimal from 0.001 to 100 000, a power of ten outside.
 * @example formatValue(2.595e5) // "2.6×10⁵"
 */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return "";
  const size = Math.abs(value);
  return size === 0 || (size >= 1e-3 && size < 1e5) ? significant(value, 3) : formatPower(value);
}

/**
 * How far a value lies beyond the data's largest, in decades, in words.
 * @example decadesWords(2.6e14, 2.6e12) // "+2 decades"
 */
export function decadesWords(value: number, largest: number): string {
  const decades = Math.log10(value / largest);
  const rounded = Math.round(decades * 10) / 10;
  return `+${rounded} decade${rounded === 1 ? "" : "s"}`;
}
