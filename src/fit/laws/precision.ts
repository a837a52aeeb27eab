import type { Inputs, Observations, Params, StartOptions } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { defaults, halton } from "../grid.js";
import { pointsOf } from "../points.js";
import { chinchillaStart } from "./chinchillaStart.js";
import { precisionQuestions } from "./precisionAnswers.js";
import {
  highPrecisionBits,
  optimalTrainingPrecision,
  precisionLoss,
  precisionParts,
  precisionTerms,
  publishedPrecisionParams,
} from "./precisionTerms.js";

/**
 * Kumar et al. 2024, "Scaling Laws for Precision" (ICLR 2025, arXiv 2411.04330): the loss of a model of N
 * parameters trained on D tokens with weights, activations and KV cache in Pw, Pa, Pkv bits, its weights
 * post-train quantised to Ppost bits. Unified law, eq. 11:
 *   L = E + A/N_eff^alpha + B/D^beta + δ_PTQ,
 *   N_eff = N · Π_x (1 − e^(n_x − P_x/γ_x)), x ∈ {w, a, kv}                     (eq. 4; biases n_x: Appendix K)
 *   δ_PTQ = C_T · e^(−Ppost/γ_post) · D^γ_D / N_eff^γ_N · Π_x (1 − e^(−C_x (P_x − Ppost)))   (eq. 9)
 * δ_PTQ = 0 without PTQ, Ppost ≥ Pw (§5: "identically zero if they are equal"); a part trained at 16 bits or
 * more has factor 1, so BF16 runs follow eq. 2 (Finding 1; Table 2 lists no C_x, so its δ constants are eq. 2's).
 * C_T here is Table 2's C_T·e^b (its bias b only rescales it). Published constants (Appendix K, Table 2):
 * A 4.299e3, alpha = beta 0.4965, B 1.806e4, E 2.7648, γ_w 2.6745, n_w 0.3037, γ_a 2.2102, n_a 1.4072,
 * γ_kv 0.9578, n_kv 2.4185, C_T 0.0598, γ_D 0.5068, γ_N 0.3439, γ_post 0.5907, b 1.1277 (not C_w, C_a,
 * C_kv). Inputs: N, D, Pw, Pa, Pkv, Ppost (bits, 1–16; one training precision P of a run is Pw = Pa = Pkv
 * = P; a run without PTQ has Ppost = 16 or any Ppost ≥ Pw). PTQ below a part's own training precision only.
 * @example precision.predict(publishedPrecisionParams, {N: 3e7, D: 2.6e10, Pw: 16, Pa: 16, Pkv: 16, Ppost: 4}) // 3.83
 */
export const precision: Law = {
  name: "precision",
  formula:
    "E + A/Neff^alpha + B/D^beta + C_T*exp(-Ppost/gamma_post)*D^gamma_D/Neff^gamma_N*prod_x(1-exp(-C_x*(P_x-Ppost))), Neff = N*prod_x(1-exp(n_x-P_x/gamma_x)), x in w, a, kv",
  description: "loss after training in Pw/Pa/Pkv bits and post-training quantisation to Ppost bits",
  reference: "Kumar et al. 2024, Scaling Laws for Precision, arXiv 2411.04330, eq. 4, 9, 11",
  inputs: ["N", "D", "Pw", "Pa", "Pkv", "Ppost"],
  scaleInputs: ["N", "D"],
  // Each bootstrap refit of 18 parameters takes seconds (measured 4.8 s on 100 runs): covariance intervals
  // by default, the bootstrap when asked (--intervals bootstrap).
  fitDefaults: { intervals: "covariance" },
  params: [
    { name: "E", log: true, value: 2.7648, description: "irreducible loss" },
    { name: "A", log: true, value: 4299, description: "scale of the effective-parameter term" },
    { name: "B", log: true, value: 18060, description: "scale of the data term" },
    { name: "alpha", min: 0, value: 0.4965, description: "effective-parameter exponent" },
    { name: "beta", min: 0, value: 0.4965, description: "data exponent" },
    {
      name: "gamma_w",
      log: true,
      value: 2.6745,
      description: "bits per e-fold of the weights' N_eff factor",
    },
    { name: "n_w", value: 0.3037, description: "bias of the weights' exponent" },
    { name: "gamma_a", log: true, value: 2.2102, description: "the same for activations" },
    { name: "n_a", value: 1.4072, description: "bias of the activations' exponent" },
    { name: "gamma_kv", log: true, value: 0.9578, description: "the same for the KV cache" },
    { name: "n_kv", value: 2.4185, description: "bias of the KV cache's exponent" },
    {
      name: "C_T",
      log: true,
      value: publishedPrecisionParams.C_T!,
      description: "scale of the PTQ degradation",
    },
    { name: "gamma_D", min: 0, value: 0.5068, description: "its data exponent" },
    { name: "gamma_N", min: 0, value: 0.3439, description: "its effective-parameter exponent" },
    { name: "gamma_post", log: true, value: 0.5907, description: "its bits per e-fold in Ppost" },
    { name: "C_w", log: true, value: 1, description: "robustification rate of low-precision weights" },
    { name: "C_a", log: true, value: 1, description: "the same for activations" },
    { name: "C_kv", log: true, value: 1, description: "the same for the KV cache" },
  ],
  // The searches of the answers call predict ~10⁵ times: it skips the gradient.
  predict: (p, x) => precisionLoss(p, x, false).loss,
  gradient: (p, x) => precisionLoss(p, x, true).gradient,
  checkPoint(x) {
    for (const name of ["Pw", "Pa", "Pkv", "Ppost"]) {
      const bits = x[name]!;
      if (!(bits >= 1 && bits <= highPrecisionBits))
        return `${name} = ${bits} is outside 1–${highPrecisionBits} bits (${highPrecisionBits}: high precision)`;
    }
    if (x.Ppost! < x.Pw!)
      for (const name of ["Pa", "Pkv"])
        if (!(x[name]! > x.Ppost!))
          return `${name} = ${x[name]} is not above Ppost = ${x.Ppost}: the law covers post-training quantisation below every part's training precision`;
    return undefined;
  },
  starts: precisionStarts,
  derived: {
    Pstar: {
      description: "compute-optimal training precision (bits) under C = (6/16)NDP, Pw = Pa = Pkv",
      value: optimalTrainingPrecision,
    },
  },
  questions: precisionQuestions,
};

/** Sampled ranges of the nonlinear parameters of N_eff (stage 2) and of δ_PTQ (stage 3): [lo, hi, log scale]. */
type Ranges = Readonly<Record<string, readonly [number, number, boolean]>>;
const neffRanges: Ranges = {
  gamma_w: [0.3, 8, true],
  n_w: [-1, 3, false],
  gamma_a: [0.3, 8, true],
  n_a: [-1, 3, false],
  gamma_kv: [0.3, 8, true],
  n_kv: [-1, 3, false],
};
const ptqRanges: Ranges = {
  gamma_D: [0, 1.2, false],
  gamma_N: [0, 1.2, false],
  gamma_post: [0.2, 4, true],
  C_w: [0.03, 10, true],
  C_a: [0.03, 10, true],
  C_kv: [0.03, 10, true],
};
const primes = [2, 3, 5, 7, 11, 13];
const samples = 2048;

/**
 * Starts in three stages, each on the runs that identify its part (as the paper builds the law, §3–5):
 * (1) E, A, B, alpha, beta from a Chinchilla fit of the high-precision runs without PTQ (all runs without
 * PTQ when there are fewer than 8); (2) the six N_eff constants from 2048 quasi-random (Halton) samples and
 * the published ones, E, A, B re-solved by non-negative least squares on the runs without PTQ; (3) the
 * δ_PTQ exponents and rates likewise, C_T solved on the quantised runs above their stage-2 loss. The 8 best
 * stage-2 shapes, each with the best stage-3 one, are the starts.
 */
function precisionStarts(data: Observations, fixed: Params, options: StartOptions): Params[] {
  const base: Params = { ...defaults(options.specs), ...fixed };
  const points = pointsOf(precision, data);
  const all = Array.from(data.loss.keys());
  const isQuantised = (i: number) => points[i]!.Ppost! < points[i]!.Pw!;
  const unquantised = all.filter((i) => !isQuantised(i));
  const quantised = all.filter(isQuantised);
  const high = unquantised.filter((i) =>
    precisionParts.every((part) => points[i]![part.input]! >= highPrecisionBits),
  );
  const rows = high.length >= 8 ? high : unquantised.length >= 8 ? unquantised : all;
  Object.assign(
    base,
    chinchillaStart(data.inputs.N!, data.inputs.D!, data.loss, rows, fixed, options.space),
    fixed,
  );
  const weight = (i: number) => (data.weight?.[i] ?? 1) / (options.space === "log" ? data.loss[i]! ** 2 : 1);
  const sampled = (ranges: Ranges, s: number, p: Params): Params => {
    const q = { ...p };
    Object.keys(ranges)
      .filter((name) => !(name in fixed))
      .forEach((name, k) => {
        const [lo, hi, log] = ranges[name]!;
        const u = halton(s + 1, primes[k]!);
        q[name] = log ? lo * (hi / lo) ** u : lo + (hi - lo) * u;
      });
    return q;
  };

  /** Non-negative weighted least squares at rows `at` for the free scales among columnsAt (offset: known part). */
  const solve = (
    p: Params,
    at: readonly number[],
    columnsAt: (x: Inputs) => Record<string, number>,
  ): { cost: number; params: Params } | undefined => {
    if (at.length === 0) return undefined;
    const names = Object.keys(columnsAt(points[at[0]!]!)).filter((k) => k !== "offset" && !(k in fixed));
    const basis = names.map(() => new Float64Array(at.length));
    const offset = new Float64Array(at.length);
    for (const [row, i] of at.entries()) {
      const columns = columnsAt(points[i]!);
      let known = columns.offset ?? 0;
      for (const [name, value] of Object.entries(columns)) if (name in fixed) known += fixed[name]! * value;
      offset[row] = known;
      names.forEach((name, j) => (basis[j]![row] = columns[name]!));
    }
    if (!offset.every(Number.isFinite) || !basis.every((column) => column.every(Number.isFinite)))
      return undefined;
    const y = Float64Array.from(at, (i) => data.loss[i]!);
    const w = Float64Array.from(at, weight);
    const solved = boundedLinearLeastSquares(
      basis,
      y,
      w,
      names.map(() => 0),
      [],
      offset,
    );
    if (!solved || !Number.isFinite(solved.cost)) return undefined;
    const out: Params = { ...p };
    names.forEach((name, j) => (out[name] = Math.max(solved.coefficients[j]!, 1e-12)));
    return { cost: solved.cost, params: out };
  };

  const shapes: { cost: number; params: Params }[] = [];
  // Sampling stops at the given point when every sampled parameter is held.
  const count = (ranges: Ranges) => (Object.keys(ranges).some((name) => !(name in fixed)) ? samples : 0);
  for (let s = -1; s < count(neffRanges); s++) {
    const p = s < 0 ? base : sampled(neffRanges, s, base);
    const unit = { ...p, E: 0, A: 1, B: 0 };
    const solved = solve(p, unquantised, (x) => ({
      E: 1,
      A: precisionTerms(unit, { ...x, Ppost: highPrecisionBits }).trainingLoss,
      B: Math.exp(-p.beta! * Math.log(x.D!)),
    }));
    if (solved) shapes.push(solved);
  }
  shapes.sort((a, b) => a.cost - b.cost);
  let ptq: Params = {};
  if (quantised.length > 0 && shapes[0]) {
    let best = Infinity;
    for (let s = -1; s < count(ptqRanges); s++) {
      const p = s < 0 ? shapes[0].params : sampled(ptqRanges, s, shapes[0].params);
      const unit = { ...p, C_T: 1 };
      const solved = solve(p, quantised, (x) => {
        const t = precisionTerms(unit, x);
        return { C_T: t.degradation, offset: t.trainingLoss };
      });
      if (solved && solved.cost < best) {
        best = solved.cost;
        ptq = Object.fromEntries(["C_T", ...Object.keys(ptqRanges)].map((k) => [k, solved.params[k]!]));
      }
    }
  }
  return shapes.slice(0, 8).map((shape) => ({ ...shape.params, ...ptq, ...fixed }));
}
