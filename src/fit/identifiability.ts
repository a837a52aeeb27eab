import type { Observations, Params, Warning } from "../dataTypes.js";
import type { Law } from "../types.js";
import { lawJacobian } from "./evaluate.js";
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
/** Relative step in ln x of the finite difference that finds the parameters attached to an input. */
const logStep = 1e-4;
/** A parameter is attached when its sensitivity changes with ln x by more than this, relative to its size. */
const attachedRatio = 1e-3;

/** A narrow input and the free parameters it cannot identify. */
export interface RangeFinding {
  readonly input: string;
  /** log10(max / min) over the points fitted. */
  readonly decades: number;
  readonly distinct: number;
  readonly params: readonly string[];
}

/**
 * The narrow inputs of a fit and the free parameters attached to each: those whose Jacobian column changes
 * when the input alone is scaled (∂²L/∂p∂ln x ≠ 0: A and alpha of A/N^alpha, not E or B/D^beta). Curve
 * laws and inputs that may be zero are not checked; an input whose perturbation the law cannot evaluate
 * (a value looked up exactly) is skipped.
 * @example rangeFindings(chinchilla, gemstones512, fit.params, ["E", "A", "B", "alpha", "beta"]) // [{input: "N", decades: 0.082, distinct: 5, params: ["A", "alpha"]}]
 */
export function rangeFindings(
  law: Law,
  data: Observations,
  params: Params,
  free: readonly string[],
): RangeFinding[] {
  if (law.curve) return [];
  const findings: RangeFinding[] = [];
  const live = (i: number) => !(data.weight && !(data.weight[i]! > 0));
  for (const input of law.scaleInputs ?? law.inputs) {
    if (law.zeroInputs?.includes(input)) continue;
    const column = data.inputs[input];
    if (!column) continue;
    const values = Array.from(column).filter((v, i) => live(i) && v > 0);
    if (values.length === 0) continue;
    const decades = Math.log10(Math.max(...values) / Math.min(...values));
    const distinct = new Set(values.map((v) => v.toPrecision(9))).size;
    if (decades >= minDecades && distinct >= minDistinct) continue;
    const attached = attachedParams(law, data, params, free, input);
    if (attached.length) findings.push({ input, decades, distinct, params: attached });
  }
  return findings;
}

/** The free parameters whose sensitivity changes with `input` (empty when the law cannot be perturbed). */
function attachedParams(
  law: Law,
  data: Observations,
  params: Params,
  free: readonly string[],
  input: string,
): string[] {
  const n = data.loss.length;
  const jacobianAt = (factor: number) => {
    const scaled = {
      ...data,
      inputs: { ...data.inputs, [input]: data.inputs[input]!.map((v) => v * factor) },
    };
    return lawJacobian(
      law,
      params,
      scaled,
      law.params.map(() => new Float64Array(n)),
    );
  };
  let at: Float64Array[];
  let up: Float64Array[];
  let down: Float64Array[];
  try {
    at = lawJacobian(
      law,
      params,
      data,
      law.params.map(() => new Float64Array(n)),
    );
    up = jacobianAt(Math.exp(logStep));
    down = jacobianAt(Math.exp(-logStep));
  } catch {
    return [];
  }
  return free.filter((name) => {
    const j = law.params.findIndex((s) => s.name === name);
    let size = 0;
    let change = 0;
    for (let i = 0; i < n; i++) {
      size += Math.abs(at[j]![i]!);
      change += Math.abs(up[j]![i]! - down[j]![i]!) / (2 * logStep);
    }
    return Number.isFinite(change) && size > 0 && change > attachedRatio * size;
  });
}

/** One warning per narrow input, naming its span and the parameters it cannot identify. */
export function rangeWarnings(findings: readonly RangeFinding[]): Warning[] {
  return findings.map((f) => ({
    code: "not-identified",
    message: `${f.input} spans ${num(f.decades, 2)} decades (${num(10 ** f.decades, 3)}×, ${f.distinct} distinct value${f.distinct === 1 ? "" : "s"}): too little to identify ${f.params.join(", ")}; ${f.params.length === 1 ? "its interval is" : "their intervals are"} not reported (predictions within the data's range are still fine)`,
  }));
}

/**
 * The derived quantities that move with an unidentified parameter (a = beta/(alpha+beta) moves with alpha):
 * each is perturbed by a relative 1e-3 in turn.
 */
export function dependentDerived(law: Law, params: Params, unidentified: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const [name, quantity] of Object.entries(law.derived ?? {})) {
    const base = quantity.value(params);
    for (const p of unidentified) {
      const v = params[p]!;
      const moved = quantity.value({ ...params, [p]: v === 0 ? 1e-3 : v * (1 + 1e-3) });
      if (!(Math.abs(moved - base) <= 1e-9 * Math.max(1, Math.abs(base)))) {
        out.add(name);
        break;
      }
    }
  }
  return out;
}
