import type { Observations, Params, StartOptions } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { defaults, gridMinima } from "../grid.js";
import { chinchillaStart } from "./chinchillaStart.js";

/**
 * Data-constrained law (repeated data): L = E + A/N'^alpha + B/D'^beta with effective data and parameters
 *   D' = U_D + U_D·RDstar·(1 − exp(−R_D/RDstar)),  R_D = max(D/U_D − 1, 0),
 *   N' = U_N + U_N·RNstar·(1 − exp(−R_N/RNstar)),  U_N = min(N_opt(U_D), N),  R_N = max(N/U_N − 1, 0),
 * where U_D (input `U`) is the number of unique tokens, repeated D/U_D times, and N_opt(U_D) the Chinchilla
 * compute-optimal parameter count for the budget at which U_D tokens are compute-optimal, from the law's own
 * E, A, B, alpha, beta: ln N_opt = (ln(alpha A/(beta B)) + beta ln U_D)/alpha (the closed forms of
 * Hoffmann et al. 2022, eq. 4). Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", eq. 5–7;
 * this is exactly huggingface/datablations `utils/parametric_fit.ipynb` (inputs [U_N, U_D, R_D, R_N]).
 * The k-th repetition of the data is worth exp(−k/RDstar) of a fresh token. The authors hold E, A, B, alpha,
 * beta at a Chinchilla fit and fit RDstar and RNstar: `fix` any subset. Starts: a Chinchilla fit of the
 * single-epoch points for the free Chinchilla parameters, then a log grid over RDstar and RNstar (0.3 … 3000).
 * @example dataConstrained.predict({E: 1.87, A: 520.8, B: 1487.7, alpha: 0.353, beta: 0.353, RDstar: 15.4, RNstar: 5.3}, {N: 2.8e9, D: 5.5e10, U: 9e9})
 */
export const dataConstrained: Law = {
  name: "data-constrained",
  formula: "E + A/N'^alpha + B/D'^beta, D' = U(1 + RDstar(1 - exp(-R_D/RDstar))), N' likewise",
  description: "repeated data: returns of each epoch decay with RDstar (and excess parameters with RNstar)",
  reference: "Muennighoff et al. 2023, Scaling Data-Constrained Language Models, eq. 5-7",
  inputs: ["N", "D", "U"],
  charts: ["data-constrained"],
  params: [
    { name: "E", log: true, value: 1.87, description: "irreducible loss" },
    { name: "A", log: true, value: 520, description: "scale of the parameter term" },
    { name: "B", log: true, value: 1500, description: "scale of the data term" },
    { name: "alpha", min: 0, value: 0.35, description: "parameter exponent" },
    { name: "beta", min: 0, value: 0.35, description: "data exponent" },
    {
      name: "RDstar",
      log: true,
      value: 15,
      description: "repetitions after which repeated data decay (1/e)",
    },
    { name: "RNstar", log: true, value: 5, description: "the same for excess parameters" },
  ],
  predict: (p, x) => evaluatePoint(p, x.N!, x.D!, x.U!, false).loss,
  gradient: (p, x) => evaluatePoint(p, x.N!, x.D!, x.U!).gradient,
  evaluate(p, data, out) {
    const { N, D, U } = data.inputs as Record<"N" | "D" | "U", Float64Array>;
    evaluateColumns(p, N, D, U, out);
  },
  jacobian(p, data, out) {
    const { N, D, U } = data.inputs as Record<"N" | "D" | "U", Float64Array>;
    evaluateColumns(p, N, D, U, new Float64Array(N.length), out);
  },
  starts: dataConstrainedStarts,
  derived: {
    halfLifeEpochs: {
      description: "repetitions after which a repeated token is worth half a fresh one, RDstar·ln 2",
      value: (p) => p.RDstar! * Math.LN2,
    },
  },
};

/**
 * The loss at points i of N, D, U into `loss[i]`, and, with `gradient`, its derivatives in `params` order into
 * `gradient[j][i]`, with N_opt's dependence on A, B, alpha and beta: one loop over the points, no allocation
 * per point (the fitter's evaluate and jacobian; predict and gradient are one point of it).
 * `(1 − exp(−R/R*))` uses expm1 so that R* far above R keeps its precision.
 */
function evaluateColumns(
  p: Params,
  Ns: ArrayLike<number>,
  Ds: ArrayLike<number>,
  Us: ArrayLike<number>,
  loss: Float64Array,
  gradient?: readonly Float64Array[],
): void {
  const { E, A, B, alpha, beta, RDstar, RNstar } = p as Record<string, number>;
  const [gE, gA, gB, gAlpha, gBeta, gRD, gRN] = gradient ?? [];
  // Terms of ln N_opt that do not depend on the point, and its derivatives in A, B, alpha, beta.
  const K0 = Math.log((alpha! * A!) / (beta! * B!));
  const dA = 1 / (A! * alpha!);
  const dB = -1 / (B! * alpha!);
  for (let i = 0; i < loss.length; i++) {
    const N = Ns[i]!;
    const D = Ds[i]!;
    const U = Us[i]!;
    // Effective data.
    const RD = Math.max(D / U - 1, 0);
    const xD = RD / RDstar!;
    const decayD = -Math.expm1(-xD); // 1 − e^(−R_D/RDstar)
    const Dp = U * (1 + RDstar! * decayD);
    // Effective parameters: U_N = min(N_opt(U), N).
    const logU = Math.log(U);
    const K = K0 + beta! * logU;
    const logNopt = K / alpha!;
    const capped = logNopt < Math.log(N);
    const UN = capped ? Math.exp(logNopt) : N;
    const RN = capped ? N / UN - 1 : 0;
    const xN = RN / RNstar!;
    const decayN = -Math.expm1(-xN);
    const Np = UN * (1 + RNstar! * decayN);
    const logNp = Math.log(Np);
    const logDp = Math.log(Dp);
    const tN = A! * Math.exp(-alpha! * logNp);
    const tD = B! * Math.exp(-beta! * logDp);
    loss[i] = E! + tN + tD;
    if (!gradient) continue;
    // dL/dN' and dL/dD'.
    const dNp = (-alpha! * tN) / Np;
    const dDp = (-beta! * tD) / Dp;
    // dN'/dU_N through U_N and R_N = N/U_N − 1 (only when U_N = N_opt < N), times U_N: d/d ln N_opt.
    const eN = Math.exp(-xN);
    const via = capped ? dNp * (1 + RNstar! * decayN - (eN * N) / UN) * UN : 0;
    const eD = Math.exp(-xD);
    gE![i] = 1;
    gA![i] = tN / A! + via * dA;
    gB![i] = tD / B! + via * dB;
    gAlpha![i] = -tN * logNp + via * ((1 - K) / (alpha! * alpha!));
    gBeta![i] = -tD * logDp + via * ((-1 / beta! + logU) / alpha!);
    gRD![i] = dDp * U * (decayD - eD * xD);
    gRN![i] = capped ? dNp * UN * (decayN - eN * xN) : 0;
  }
}

/** The loss at one point (and its gradient in `params` order, unless `withGradient` is false). */
function evaluatePoint(
  p: Params,
  N: number,
  D: number,
  U: number,
  withGradient = true,
): { loss: number; gradient: number[] } {
  const loss = new Float64Array(1);
  const gradient = withGradient ? Array.from({ length: 7 }, () => new Float64Array(1)) : undefined;
  evaluateColumns(p, [N], [D], [U], loss, gradient);
  return { loss: loss[0]!, gradient: gradient ? gradient.map((g) => g[0]!) : [] };
}

/** The grid of RDstar and RNstar starts: 13 values per axis, logarithmic over 0.3 … 3000. */
const decayGrid = Array.from({ length: 13 }, (_, i) => 0.3 * 10 ** (i / 3));

/**
 * Starts: the free Chinchilla parameters from a Chinchilla fit of the points without repetition (one epoch),
 * then every (RDstar, RNstar) cell of a log grid ranked by its least-squares cost; the grid's local minima
 * first, since the objective has several (Muennighoff et al.'s data: at least four, docs/laws.md#data-constrained).
 */
function dataConstrainedStarts(data: Observations, fixed: Params, options: StartOptions): Params[] {
  const base: Params = { ...defaults(options.specs), ...fixed };
  if (["E", "A", "B", "alpha", "beta"].some((name) => !(name in fixed))) {
    const { N, D, U } = data.inputs as Record<"N" | "D" | "U", Float64Array>;
    const single = Array.from(data.loss.keys()).filter((i) => D[i]! <= U[i]! * (1 + 1e-9));
    const rows = single.length >= 8 ? single : Array.from(data.loss.keys());
    Object.assign(base, chinchillaStart(N, D, data.loss, rows, fixed, options.space), fixed);
  }
  const free = (name: string) => !(name in fixed);
  const axes = [free("RDstar") ? decayGrid : [base.RDstar!], free("RNstar") ? decayGrid : [base.RNstar!]];
  const cost = new Float64Array(axes[0]!.length * axes[1]!.length);
  const cells: Params[] = [];
  const n = data.loss.length;
  const { N, D, U } = data.inputs as Record<"N" | "D" | "U", Float64Array>;
  const predictions = new Float64Array(n);
  axes[0]!.forEach((RDstar, a) =>
    axes[1]!.forEach((RNstar, b) => {
      const p = { ...base, RDstar, RNstar };
      evaluateColumns(p, N, D, U, predictions);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const predicted = predictions[i]!;
        const r = options.space === "log" ? Math.log(predicted / data.loss[i]!) : predicted - data.loss[i]!;
        sum += (data.weight?.[i] ?? 1) * r * r;
      }
      const index = a * axes[1]!.length + b;
      cost[index] = Number.isFinite(sum) ? sum : Infinity;
      cells[index] = p;
    }),
  );
  const minima = gridMinima([axes[0]!.length, axes[1]!.length], cost, 8);
  return minima.map((index) => cells[index]!);
}
