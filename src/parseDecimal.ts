/**
 * The one reader of numbers typed by users (command-line options, `--where` filters, schedule texts): plain
 * decimal and exponent forms only, so `0x10`, `0b11`, `1_000`, `Infinity` and an empty text are not numbers,
 * as they would be to `Number`; an optional unit suffix scales the value; the result is finite.
 */

/**
 * Size suffixes the command line documents: K, M, B (or G), T, P, as in `70B` or `1.4T`.
 * @example sizeSuffixes.T // 1e12
 */
export const sizeSuffixes: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    K: 1e3,
    M: 1e6,
    B: 1e9,
    G: 1e9,
    T: 1e12,
    P: 1e15,
  }),
);

const decimal = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]?)\s*$/;

/**
 * A decimal number (`1000`, `-2.5`, `.5`, `1e-3`, `6E+23`), scaled by one of `suffixes` when it ends in one;
 * `"overflow"` when it is written correctly but is not a finite double (`1e400`, `1e300P`), `undefined` when
 * it is not a decimal number at all (`0x10`, `0b11`, `1,5`, `Infinity`, `""`).
 * @example parseDecimal("1.4T", sizeSuffixes) // 1.4e12
 * @example parseDecimal("0x10") // undefined
 */
export function parseDecimal(
  text: string,
  suffixes: Readonly<Record<string, number>> = {},
): number | "overflow" | undefined {
  const match = decimal.exec(text);
  if (!match) return undefined;
  const suffix = match[2]!;
  const scale = suffix === "" ? 1 : Object.hasOwn(suffixes, suffix) ? suffixes[suffix]! : undefined;
  if (scale === undefined) return undefined;
  const value = Number(match[1]) * scale;
  return Number.isFinite(value) ? value : "overflow";
}
