import type { Inputs, Params } from "../../dataTypes.js";
import { minimizeOnGrid } from "../search.js";

/**
 * The pieces of the precision law (Kumar et al. 2024, "Scaling Laws for Precision", arXiv 2411.04330): the
 * effective parameter count, the post-training-quantization degradation, the loss and its gradient at one
 * point, the published constants, and the compute-optimal training precision they imply.
 */

/**
 * Bit widths at or above this are high precision (Kumar et al. §2: "16-bit or above"): a part trained
 * there is not robustified against PTQ noise (eq. 2, Finding 1, holds as fitted on BF16 runs).
 * @example precisionTerms(p, {N: 1e8, D: 2e9, Pw: highPrecisionBits, Pa: 16, Pkv: 16, Ppost: 4}).degradation
 */
export const highPrecisionBits = 16;

/**
 * The three model parts trained in low precision (weights, activations, KV cache; Kumar et al. §2, eq. 4),
 * with their input and the names of their constants.
 * @example precisionParts.map((part) => part.input) // ["Pw", "Pa", "Pkv"]
 */
export const precisionParts = [
  { input: "Pw", gamma: "gamma_w", n: "n_w", C: "C_w" },
  { input: "Pa", gamma: "gamma_a", n: "n_a", C: "C_a" },
  { input: "Pkv", gamma: "gamma_kv", n: "n_kv", C: "C_kv" },
] as const;

/**
 * Kumar et al.'s fitted constants, Appendix K, Table 2, as printed (integer quantisation, OLMo-style models of
 * 30–220M parameters on 1.5–26B Dolma tokens; α = β tied, "following Muennighoff et al. 2024a"). Appendix K
 * adds biases to the exponents: e^(−P/γ_x) is computed as e^(−P/γ_x + n_x). Table 2's γ_i, n_i are the
 * activations'; the rows printed "γ 0.5907" and "b 1.1277" (subscripts lost) are read as γ_post and the bias
 * of e^(−P_post/γ_post + b). The robustification rates C_w, C_a, C_kv of eq. 9 are not in the table.
 * @example publishedPrecisionConstants.gamma_w // 2.6745
 */
export const publishedPrecisionConstants = Object.freeze({
  A: 4.299e3,
  alpha: 0.4965,
  B: 1.806e4,
  E: 2.7648,
  gamma_w: 2.6745,
  n_w: 0.3037,
  gamma_a: 2.2102,
  n_a: 1.4072,
  gamma_kv: 0.9578,
  n_kv: 2.4185,
  C_T: 0.0598,
  gamma_D: 0.5068,
  gamma_N: 0.3439,
  gamma_post: 0.5907,
  b: 1.1277,
});

/**
 * The law's parameters from the published constants: beta = alpha (tied in Table 2) and C_T·e^b for C_T
 * (the bias b only rescales C_T). Without C_w, C_a, C_kv (unpublished): it predicts the degradation of
 * models trained at 16 bits, and every loss without PTQ.
 * @example precisionTerms(publishedPrecisionParams, {N: 3e7, D: 2.6e10, Pw: 16, Pa: 16, Pkv: 16, Ppost: 4})
 */
export const publishedPrecisionParams: Readonly<Params> = Object.freeze({
  E: publishedPrecisionConstants.E,
  A: publishedPrecisionConstants.A,
  B: publishedPrecisionConstants.B,
  alpha: publishedPrecisionConstants.alpha,
  beta: publishedPrecisionConstants.alpha,
  gamma_w: publishedPrecisionConstants.gamma_w,
  n_w: publishedPrecisionConstants.n_w,
  gamma_a: publishedPrecisionConstants.gamma_a,
  n_a: publishedPrecisionConstants.n_a,
  gamma_kv: publishedPrecisionConstants.gamma_kv,
  n_kv: publishedPrecisionConstants.n_kv,
  C_T: publishedPrecisionConstants.C_T * Math.exp(publishedPrecisionConstants.b),
  gamma_D: publishedPrecisionConstants.gamma_D,
  gamma_N: publishedPrecisionConstants.gamma_N,
  gamma_post: publishedPrecisionConstants.gamma_post,
});

/**
 * N_eff/N = Π_x (1 − e^(n_x − P_x/γ_x)) over weights, activations and KV cache (Kumar et al. eq. 4 with
 * Appendix K's biases); NaN when a part's factor is not positive (its bits are below what the law covers).
 * @example effectiveFraction(publishedPrecisionParams, {Pw: 4, Pa: 4, Pkv: 4}) // 0.191
 */
export function effectiveFraction(p: Params, x: Inputs): number {
  let fraction = 1;
  for (const part of precisionParts) {
    const f = 1 - Math.exp(p[part.n]! - x[part.input]! / p[part.gamma]!);
    if (!(f > 0)) return NaN;
    fraction *= f;
  }
  return fraction;
}

/** The loss of one point, split as Kumar et al. eq. 11 reports it. */
export interface PrecisionTerms {
  /** Loss after post-training quantisation: trainingLoss + degradation. */
  readonly loss: number;
  /** Loss at the end of training, A/N_eff^alpha + B/D^beta + E (eq. 3–4). */
  readonly trainingLoss: number;
  /** δ_PTQ (eq. 9): 0 without PTQ (Ppost ≥ Pw). */
  readonly degradation: number;
  /** N_eff (eq. 4). */
  readonly Neff: number;
}

/**
 * The loss of a point (N, D, Pw, Pa, Pkv, Ppost) and its parts: Kumar et al. eq. 11 with δ_PTQ of eq. 9.
 * @example precisionTerms(publishedPrecisionParams, {N: 3e7, D: 2.6e10, Pw: 16, Pa: 16, Pkv: 16, Ppost: 16}).loss // 3.72
 */
export function precisionTerms(p: Params, x: Inputs): PrecisionTerms {
  const { loss, trainingLoss, degradation, Neff } = evaluatePoint(p, x, false);
  return { loss, trainingLoss, degradation, Neff };
}

/**
 * The loss at one point and, when asked, its gradient in the order of `precisionParamNames`.
 * @example precisionLoss(p, x, true).gradient.length // 18
 */
export function precisionLoss(
  p: Params,
  x: Inputs,
  withGradient: boolean,
): { loss: number; gradient: number[] } {
  const { loss, gradient } = evaluatePoint(p, x, withGradient);
  return { loss, gradient };
}

/**
 * The law's parameters in gradient order.
 * @example precisionParamNames[11] // "C_T"
 */
export const precisionParamNames = [
  "E",
  "A",
  "B",
  "alpha",
  "beta",
  ...precisionParts.flatMap((part) => [part.gamma, part.n]),
  "C_T",
  "gamma_D",
  "gamma_N",
  "gamma_post",
  ...precisionParts.map((part) => part.C),
] as const;

function evaluatePoint(p: Params, x: Inputs, withGradient: boolean) {
  const logD = Math.log(x.D!);
  // ln N_eff and, per part, d ln N_eff / d gamma_x and d ln N_eff / d n_x.
  let logNeff = Math.log(x.N!);
  const dGamma: number[] = [];
  const dN: number[] = [];
  for (const part of precisionParts) {
    const bits = x[part.input]!;
    const gamma = p[part.gamma]!;
    const s = Math.exp(p[part.n]! - bits / gamma);
    const f = 1 - s;
    if (!(f > 0)) return failed();
    logNeff += Math.log(f);
    dN.push(-s / f);
    dGamma.push(((-s / f) * bits) / (gamma * gamma));
  }
  const nTerm = Math.exp(-p.alpha! * logNeff);
  const dTerm = Math.exp(-p.beta! * logD);
  const trainingLoss = p.E! + p.A! * nTerm + p.B! * dTerm;
  const Ppost = x.Ppost!;
  const quantised = Ppost < x.Pw!;
  // Robustification factors r_x of eq. 9 (1 for a part trained at high precision) and d r_x / d C_x.
  const r: number[] = [];
  const dr: number[] = [];
  for (const part of precisionParts) {
    const gap = x[part.input]! - Ppost;
    if (!quantised || x[part.input]! >= highPrecisionBits) {
      r.push(1);
      dr.push(0);
    } else {
      const e = Math.exp(-p[part.C]! * gap);
      r.push(1 - e);
      dr.push(gap * e);
    }
  }
  if (quantised && !r.every((v) => v > 0)) return failed();
  const base = quantised
    ? p.C_T! * Math.exp(-Ppost / p.gamma_post! + p.gamma_D! * logD - p.gamma_N! * logNeff)
    : 0;
  const degradation = base * r[0]! * r[1]! * r[2]!;
  const loss = trainingLoss + degradation;
  const Neff = Math.exp(logNeff);
  if (!withGradient) return { loss, trainingLoss, degradation, Neff, gradient: [] };
  // d loss / d ln N_eff, through both terms that read N_eff.
  const byLogNeff = -p.alpha! * p.A! * nTerm - p.gamma_N! * degradation;
  const others = (k: number) => r.reduce((product, v, j) => (j === k ? product : product * v), base);
  const gradient = [
    1,
    nTerm,
    dTerm,
    -p.A! * nTerm * logNeff,
    -p.B! * dTerm * logD,
    ...precisionParts.flatMap((_, k) => [byLogNeff * dGamma[k]!, byLogNeff * dN[k]!]),
    quantised ? degradation / p.C_T! : 0,
    degradation * logD,
    -degradation * logNeff,
    (degradation * Ppost) / (p.gamma_post! * p.gamma_post!),
    ...precisionParts.map((_, k) => others(k) * dr[k]!),
  ];
  return { loss, trainingLoss, degradation, Neff, gradient };
}

function failed() {
  return {
    loss: NaN,
    trainingLoss: NaN,
    degradation: NaN,
    Neff: NaN,
    gradient: precisionParamNames.map(() => NaN),
  };
}

/**
 * The compute-optimal training precision when N, D and a tied precision P = Pw = Pa = Pkv are chosen
 * together under C = (6/16)·N·D·P (Kumar et al. eq. 5, §4.3.2, Appendix E.2.3): at any P the Chinchilla
 * optimum's reducible loss goes as (P/(N_eff/N))^(αβ/(α+β)), so P* minimises P / (N_eff/N) whatever C, A,
 * B, α and β — the condition Σ_x (P/γ_x)·s_x/(1 − s_x) = 1, s_x = e^(n_x − P/γ_x) (eq. 28 with the biases).
 * Searched over 1–16 bits. With Table 2's constants: 7.00 bits (the paper: "7–8 bits", Finding 3).
 * @example optimalTrainingPrecision(publishedPrecisionParams) // 7.002
 */
export function optimalTrainingPrecision(p: Params): number {
  const cost = (P: number) => {
    const fraction = effectiveFraction(p, { Pw: P, Pa: P, Pkv: P });
    return fraction > 0 ? Math.log(P) - Math.log(fraction) : Infinity;
  };
  const grid = Array.from({ length: 301 }, (_, i) => 1 + i * 0.05);
  return minimizeOnGrid(grid, cost, { iterations: 80, tolerance: 1e-10 }).x;
}
