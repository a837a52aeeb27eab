import type { Observations, Params, Warning } from "../dataTypes.js";
import type { Law } from "../types.js";
import { evaluateLaw, lawJacobian } from "./evaluate.js";
import { householderQR, inverseGram } from "./linalg.js";
import { num } from "./report.js";

/**
 * Range identifiability: an exponent (or any parameter whose effect changes with an input) cannot be told from
 * the rest when its input barely varies. Gemstones' width-512 runs span 1.21× in N (0.08 decades): a Chinchilla
 * fit still prints alpha in [3.7, 5.5], a band the data cannot support. This check names such inputs and the
 * parameters attached to them, so that their intervals read "not identified" instead.
 */

/** An input spanning less than this many decades, or with fewer than `minDistinct` values, is too narrow. */
const minDecades = 0.25;
const minDistinct = 3;

/** A narrow input and the free parameters it cannot identify. */
export interface RangeFinding {
  readonly input: string;
  /** log10(max / min) over the points fitted. */
  readonly decades: number;
  readonly distinct: number;
  readonly params: readonly string[];
}

/**
 * The narrow inputs of a fit and the free parameters each cannot identify: those that the Jacobian (in the
 * fit's residual space) leaves undetermined once the input is held at its geometric mean, and not already
 * undetermined with it as it is. For A/N^alpha with N narrow: E, A and alpha (one constant is all a fixed N
 * shows), not B or beta; for Kaplan's ((Nc/N)^(αN/αD) + Dc/D)^αD: Nc and alphaN, not Dc or alphaD. Curve laws
 * and inputs that may be zero are not checked; a law that cannot be evaluated there is skipped.
 * @example rangeFindings(chinchilla, gemstones512, fit.params, ["E", "A", "B", "alpha", "beta"], "log") // [{input: "N", decades: 0.082, distinct: 5, params: ["E", "A", "alpha"]}]
 */
export function rangeFindings(
  law: Law,
  data: Observations,
  params: Params,
  free: readonly string[],
  space: "log" | "linear",
): RangeFinding[] {
  if (law.curve) return [];
  const findings: RangeFinding[] = [];
  const live = (i: number) => !(data.weight && !(data.weight[i]! > 0));
  let before: number[][] | undefined;
  for (const input of law.scaleInputs ?? law.inputs) {
    if (law.zeroInputs?.includes(input)) continue;
    const column = data.inputs[input];
    if (!column) continue;
    const values = Array.from(column).filter((v, i) => live(i) && v > 0);
    if (values.length === 0) continue;
    const decades = Math.log10(Math.max(...values) / Math.min(...values));
    const distinct = new Set(values.map((v) => v.toPrecision(9))).size;
    if (decades >= minDecades && distinct >= minDistinct) continue;
    before ??= undetermined(law, data, params, free, space);
    const mean = Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
    const held = { ...data, inputs: { ...data.inputs, [input]: column.map(() => mean) } };
    const after = undetermined(law, held, params, free, space);
    if (!before || !after) continue;
    const attached = newlyUndetermined(before, after, free);
    if (attached.length) findings.push({ input, decades, distinct, params: attached });
  }
  return findings;
}

/**
 * The free parameters with a share above 0.1 in a direction the weighted Jacobian does not determine (its
 * numerical null space, singular values below 1e-10 of the largest, columns scaled to unit norm); undefined
 * when the law cannot be evaluated on these points.
 */
function undetermined(
  law: Law,
  data: Observations,
  params: Params,
  free: readonly string[],
  space: "log" | "linear",
): number[][] | undefined {
  const n = data.loss.length;
  let all: Float64Array[];
  let predicted: Float64Array;
  try {
    all = lawJacobian(
      law,
      params,
      data,
      law.params.map(() => new Float64Array(n)),
    );
    predicted = evaluateLaw(law, params, data, new Float64Array(n));
  } catch {
    return undefined;
  }
  const columns = free.map((name) => {
    const j = law.params.findIndex((s) => s.name === name);
    return Float64Array.from(all[j]!, (v, i) => {
      const w = data.weight ? data.weight[i]! : 1;
      return w > 0 ? (Math.sqrt(w) * v) / (space === "log" ? predicted[i]! : 1) : 0;
    });
  });
  if (!columns.every((c) => c.every(Number.isFinite))) return undefined;
  // A column that is zero everywhere is a null direction of its own.
  const zero = columns.flatMap((c, j) =>
    Math.hypot(...c) > 0 ? [] : [free.map((_, k) => (k === j ? 1 : 0))],
  );
  const scaled = columns.map((c) => {
    const norm = Math.hypot(...c);
    return norm > 0 ? c.map((v) => v / norm) : c;
  });
  const { R } = householderQR(scaled, new Float64Array(n));
  return [...zero, ...inverseGram(R, free.length, 1e-10).nullSpace];
}

/**
 * The parameters with a share above 0.1 in the null directions that holding the input added: each direction
 * of `after` with what `before` already leaves undetermined projected out (Gram–Schmidt), kept when most of
 * it is new.
 */
function newlyUndetermined(before: number[][], after: number[][], free: readonly string[]): string[] {
  const basis: number[][] = [];
  const orthonormal = (v: number[]) => {
    const w = [...v];
    for (const q of basis) {
      const dot = w.reduce((s, x, i) => s + x * q[i]!, 0);
      w.forEach((_, i) => (w[i]! -= dot * q[i]!));
    }
    const norm = Math.hypot(...w);
    return { w: w.map((x) => x / (norm || 1)), norm };
  };
  for (const v of before) {
    const { w, norm } = orthonormal(v);
    if (norm > 1e-6) basis.push(w);
  }
  const found = new Set<string>();
  for (const v of after) {
    const { w, norm } = orthonormal(v);
    if (norm < 0.5) continue;
    basis.push(w);
    w.forEach((x, j) => {
      if (Math.abs(x) > 0.1) found.add(free[j]!);
    });
  }
  return free.filter((name) => found.has(name));
}

/** One warning per narrow input, naming its span and the parameters it cannot identify. */
export function rangeWarnings(findings: readonly RangeFinding[]): Warning[] {
  return findings.map((f) => ({
    code: "not-identified",
    message: `${f.input} spans ${num(f.decades, 2)} decades (${num(10 ** f.decades, 3)}×, ${f.distinct} distinct value${f.distinct === 1 ? "" : "s"}): too little to identify ${f.params.join(", ")}; ${f.params.length === 1 ? "its interval is" : "their intervals are"} not reported (predictions within the data's range are still fine)`,
  }));
}

/**
 * Whether a number computed from the parameters moves (by more than a relative 1e-6) when any of `names` moves
 * by a relative 1e-3 (by 1e-3 from zero): how a derived quantity or an answer is found to depend on an
 * unidentified parameter.
 * @example movesWithAny((p) => p.beta / (p.alpha + p.beta), params, ["alpha"]) // true
 */
export function movesWithAny(value: (p: Params) => number, params: Params, names: Iterable<string>): boolean {
  const base = value(params);
  for (const name of names) {
    const v = params[name]!;
    const moved = value({ ...params, [name]: v === 0 ? 1e-3 : v * (1 + 1e-3) });
    // A relative 1e-6 for a 1e-3 move: a dependence below that is none, and an answer found by a search (an
    // optimal fraction at a tolerance of 1e-10) moves by ~1e-7 with the rounding of a constant added to the loss.
    if (!(Math.abs(moved - base) <= 1e-6 * Math.max(1, Math.abs(base)))) return true;
  }
  return false;
}

/** The derived quantities that move with an unidentified parameter (a = beta/(alpha+beta) moves with alpha). */
export function dependentDerived(law: Law, params: Params, unidentified: ReadonlySet<string>): Set<string> {
  return new Set(
    Object.entries(law.derived ?? {})
      .filter(([, quantity]) => movesWithAny((p) => quantity.value(p), params, unidentified))
      .map(([name]) => name),
  );
}

/**
 * The parameters that identified draws hold at their values: those whose draws are all one number.
 * @example heldParams({E: Float64Array.of(0, 0), A: Float64Array.of(400, 410)}) // ["E"]
 */
export function heldParams(draws: Readonly<Record<string, ArrayLike<number>>> | null | undefined): string[] {
  return Object.entries(draws ?? {})
    .filter(([, values]) => Array.prototype.every.call(values, (v: number) => Object.is(v, values[0])))
    .map(([name]) => name);
}
