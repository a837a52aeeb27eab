import type { FitResult } from "../types.js";
import { num } from "./report.js";
import type { SensitivityOptions, SensitivityVariant, Spread } from "./sensitivityTypes.js";

/**
 * A number given by the user, as short as four significant digits allow: `3.8e+25`, `7e+10`, `0.5`.
 * @example shortNumber(405e9) // "4.05e+11"
 */
export function shortNumber(value: number): string {
  const rounded = Number(value.toPrecision(4));
  const magnitude = Math.abs(rounded);
  return magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-4) ? rounded.toExponential() : String(rounded);
}

/**
 * How far each free parameter, derived quantity and answer moves across the converged refits (the first,
 * the fit's own convention, always counts), the headline among them, and the headline in one line.
 * @example spreadSummary(variants, fits, {compute: 3.8e25}).summary // "N*(3.8e+25) moves 64.6% between conventions: …"
 */
export function spreadSummary(
  variants: readonly SensitivityVariant[],
  fits: readonly FitResult[],
  settings: SensitivityOptions,
): { spreads: Spread[]; largest: Spread | null; summary: string } {
  const spreads = spreadsOf(variants, fits, settings);
  const largest = headline(spreads, variants.filter((v) => v.converged).length);
  return { spreads, largest, summary: summaryOf(largest, variants) };
}

/** Each quantity's spread over the converged refits (the fit's own convention always counts). */
function spreadsOf(
  variants: readonly SensitivityVariant[],
  fits: readonly FitResult[],
  settings: SensitivityOptions,
): Spread[] {
  const kept = variants.filter((v, i) => i === 0 || v.converged);
  const spreads: Spread[] = [];
  const add = (
    quantity: string,
    source: Spread["source"],
    value: (v: SensitivityVariant) => number | null | undefined,
    scale?: Spread["scale"],
  ) => {
    const values = kept.map(value);
    const reference = values[0];
    if (typeof reference !== "number" || !Number.isFinite(reference)) return;
    let [lo, hi] = [0, 0];
    values.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v)) return;
      if (v < values[lo]!) lo = i;
      if (v > values[hi]!) hi = i;
    });
    const [min, max] = [values[lo]!, values[hi]!];
    const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    spreads.push({
      quantity,
      source,
      // Quantities of order one (exponents, shares) move by differences, sizes and scales by ratios.
      scale: scale ?? (finite.every((v) => Math.abs(v) <= 10) ? "absolute" : "relative"),
      reference,
      min,
      max,
      minVariant: kept[lo]!.label,
      maxVariant: kept[hi]!.label,
      range: max - min,
      relative: finite.every((v) => v > 0) ? max / min - 1 : null,
    });
  };
  // A law of coefficients per group (isoflop's parabolas) is read through its derived quantities.
  const coefficients = fits[0]?.law.groupCoefficients === true;
  for (const v of coefficients ? [] : (fits[0]?.variables ?? []))
    if (!v.fixed) add(v.name, "parameter", (x) => x.params[v.name], v.log ? "relative" : "absolute");
  for (const name of Object.keys(variants[0]?.derived ?? {})) add(name, "derived", (x) => x.derived[name]);
  if (settings.compute !== undefined) {
    const C = shortNumber(settings.compute);
    add(`N*(${C})`, "answer", (x) => x.optimum?.N, "relative");
    add(`D*(${C})`, "answer", (x) => x.optimum?.D, "relative");
    add("L(N*, D*)", "answer", (x) => x.optimum?.loss, "relative");
  }
  if (settings.at) {
    const point = Object.entries(settings.at)
      .map(([k, v]) => `${k}=${shortNumber(v)}`)
      .join(", ");
    add(`L(${point})`, "answer", (x) => x.lossAt, "relative");
  }
  return spreads;
}

/**
 * The answer that moves most relatively, else the exponent (absolute quantity) that moves most. A tie within
 * rounding goes to the first listed: N* and D* at a fixed compute move by the same ratio (N*·D* = C/6).
 */
function headline(spreads: readonly Spread[], converged: number): Spread | null {
  if (converged < 2) return null;
  const answers = spreads.filter((s) => s.source === "answer" && s.relative !== null);
  const pool = answers.length ? answers : spreads.filter((s) => s.scale === "absolute");
  const size = (s: Spread) => (answers.length ? s.relative! : s.range);
  return pool.reduce<Spread | null>(
    (best, s) => (best === null || size(s) > size(best) * (1 + 1e-9) ? s : best),
    null,
  );
}

/** The headline in one line: how far it moves, between which conventions, and where the fit's own lies. */
function summaryOf(largest: Spread | null, variants: readonly SensitivityVariant[]): string {
  if (!largest) {
    const converged = variants.filter((v) => v.converged).length;
    return converged < 2
      ? `${converged} converged refit${converged === 1 ? "" : "s"}: no other convention to compare with`
      : "no quantity to compare across conventions";
  }
  const { quantity, min, max, minVariant, maxVariant, reference } = largest;
  const digits = 4;
  const moves =
    largest.scale === "relative" && largest.relative !== null
      ? `${num(100 * largest.relative, 3)}%`
      : `by ${num(largest.range, 3)}`;
  const own = variants[0]!.label;
  const end = (value: number, label: string) =>
    `${num(value, digits)} (${label}${label === own ? ": the fit's own" : ""})`;
  const between = `${quantity} moves ${moves} between conventions: from ${end(min, minVariant)} to ${end(max, maxVariant)}`;
  if (minVariant === own || maxVariant === own) return between;
  const above =
    largest.scale === "relative" && min > 0
      ? `${num(100 * (reference / min - 1), 3)}% above the lowest`
      : `${num(reference - min, 3)} above the lowest`;
  return `${between}; the fit's own (${own}) gives ${num(reference, digits)}, ${above}`;
}
