import type { Inputs, Observations, Params, StartOptions } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { qatQuestions } from "./qatAnswers.js";
import { fullPrecisionBits } from "./qatFraction.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { defaults, halton } from "../grid.js";
import { chinchillaStart } from "./chinchillaStart.js";
import { pointsOf } from "../points.js";

/**
 * Loss after quantisation-aware training (Dremov et al. 2025, "Compute-Optimal Quantization-Aware
 * Training", arXiv 2509.22935): D_fp full-precision tokens, then D_qat QAT tokens at `bits` bits, D = D_fp + D_qat;
 *   L = E + A/N^alpha + B/D_fp^beta + δ,
 *   δ = theta·2^(−kappa·bits)                                        (irreducible QAT error)
 *     + phi·2^(−chi·bits) / (N^psi · S_qat^omega)                     (pure QAT penalty)
 *     + lambda·2^(−mu·bits) / (N^nu · S_fp^xi · S_qat^rho)            (FP/QAT interaction)
 * with tokens per parameter-byte S_qat = D_qat/(N·bits/8), S_fp = D_fp/(N·bits/8) (docs/laws.md#qat).
 * Choices stated here because the source's were not retrieved: the Chinchilla-like part uses the
 * full-precision tokens D_fp (QAT tokens adapt the model to quantisation; too many of them "compress the FP
 * stage", the trade-off the paper describes — with D_fp + D_qat there, the loss-optimal QAT fraction comes out
 * near 1, against the 0.1–0.4 the authors measure), so the law needs a full-precision phase (D_fp > 0); at 16
 * bits and above the model is full precision and δ = 0; xi may take either sign (xi < 0: long FP training
 * makes quantisation harder, and the optimal fraction grows with the budget, as the paper reports).
 * Inputs: N, Dfp, Dqat, bits
 * (a file may give D and Dqat instead of Dfp). E, A, B, theta, phi, lambda enter linearly.
 * @example qat.predict({...params}, {N: 1e8, Dfp: 1.6e9, Dqat: 4e8, bits: 4})
 */
export const qat: Law = {
  name: "qat",
  formula:
    "E + A/N^alpha + B/Dfp^beta + theta*2^(-kappa*bits) + phi*2^(-chi*bits)/(N^psi*Sqat^omega) + lambda*2^(-mu*bits)/(N^nu*Sfp^xi*Sqat^rho)",
  description: "loss after full-precision then quantisation-aware training at a bit width",
  reference: "Dremov et al. 2025, Compute-Optimal Quantization-Aware Training, arXiv 2509.22935",
  inputs: ["N", "Dfp", "Dqat", "bits"],
  // Bit widths are levels (16: full precision), not a scale whose span identifies an exponent.
  scaleInputs: ["N", "Dfp", "Dqat"],
  zeroInputs: ["Dfp", "Dqat"],
  // A bootstrap refit of 16 parameters on 504 runs takes 0.04–0.9 s (Levenberg–Marquardt crawls along the weakly
  // identified interaction term; 100 refits: 76 s in bench/fits.ts): 1000 refits would take minutes. Covariance
  // intervals by default, as for `precision`; the bootstrap when asked (--intervals bootstrap).
  fitDefaults: { intervals: "covariance" },
  params: [
    { name: "E", log: true, value: 1.7, description: "irreducible loss" },
    { name: "A", log: true, value: 400, description: "scale of the parameter term" },
    { name: "B", log: true, value: 400, description: "scale of the full-precision data term" },
    { name: "alpha", min: 0, value: 0.34, description: "parameter exponent" },
    { name: "beta", min: 0, value: 0.28, description: "data exponent" },
    { name: "theta", log: true, value: 1, description: "irreducible QAT error" },
    { name: "kappa", min: 0, value: 0.5, description: "its decay per bit" },
    { name: "phi", log: true, value: 1, description: "pure QAT penalty" },
    { name: "chi", min: 0, value: 0.5, description: "its decay per bit" },
    { name: "psi", min: 0, value: 0.1, description: "its parameter exponent" },
    { name: "omega", min: 0, value: 0.3, description: "its QAT tokens-per-parameter-byte exponent" },
    { name: "lambda", log: true, value: 0.1, description: "FP/QAT interaction" },
    { name: "mu", min: 0, value: 0.5, description: "its decay per bit" },
    { name: "nu", min: 0, value: 0.1, description: "its parameter exponent" },
    { name: "xi", value: -0.2, description: "its FP tokens-per-parameter-byte exponent (either sign)" },
    { name: "rho", min: 0, value: 0.3, description: "its QAT tokens-per-parameter-byte exponent" },
  ],
  // The fitter evaluates point by point through pointsOf (evaluate.ts); predict skips the gradient (the
  // allocation searches call it ~10⁷ times).
  predict: (p, x) => qatTerms(p, x, false).loss,
  gradient: (p, x) => qatTerms(p, x).gradient,
  checkPoint(x) {
    const bits = x.bits!;
    if (!(bits >= 1 && bits <= fullPrecisionBits))
      return `bits = ${bits} is outside 1–${fullPrecisionBits} (${fullPrecisionBits} is full precision)`;
    if (!(x.Dfp! > 0))
      return "the qat law needs a full-precision phase (Dfp > 0): QAT from scratch is outside it";
    if (bits < fullPrecisionBits && !(x.Dqat! > 0))
      return `a run quantised to ${bits} bits needs QAT tokens (Dqat = 0): the law covers quantisation-aware training`;
    return undefined;
  },
  starts: qatStarts,
  questions: qatQuestions,
  charts: ["qat-fraction"],
};

/** The three δ terms without their scales (theta, phi, lambda), and their logs' pieces, at one point. */
function penaltyBases(p: Params, x: Inputs) {
  const { N, Dfp, Dqat, bits } = x as Record<"N" | "Dfp" | "Dqat" | "bits", number>;
  if (bits >= fullPrecisionBits) return undefined;
  const bytes = (N * bits) / 8;
  const logN = Math.log(N);
  const logSqat = Math.log(Dqat / bytes);
  const logSfp = Math.log(Dfp / bytes);
  const b = bits * Math.LN2;
  const irreducible = Math.exp(-p.kappa! * b);
  const pure = Math.exp(-p.chi! * b - p.psi! * logN - p.omega! * logSqat);
  const interaction = Math.exp(-p.mu! * b - p.nu! * logN - p.xi! * logSfp - p.rho! * logSqat);
  return { b, logN, logSqat, logSfp, irreducible, pure, interaction };
}

/** Loss and gradient (in `params` order) at one point. */
function qatTerms(p: Params, x: Inputs, withGradient = true): { loss: number; gradient: number[] } {
  const N = x.N!;
  const logN = Math.log(N);
  const logD = Math.log(x.Dfp!);
  const tN = Math.exp(-p.alpha! * logN);
  const tD = Math.exp(-p.beta! * logD);
  const q = penaltyBases(p, x);
  const delta = q ? p.theta! * q.irreducible + p.phi! * q.pure + p.lambda! * q.interaction : 0;
  const loss = p.E! + p.A! * tN + p.B! * tD + delta;
  if (!withGradient) return { loss, gradient: [] };
  const head = [1, tN, tD, -p.A! * tN * logN, -p.B! * tD * logD];
  if (!q) return { loss, gradient: [...head, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
  const pure = p.phi! * q.pure;
  const inter = p.lambda! * q.interaction;
  return {
    loss,
    gradient: [
      ...head,
      q.irreducible,
      -p.theta! * q.irreducible * q.b,
      q.pure,
      -pure * q.b,
      -pure * q.logN,
      -pure * q.logSqat,
      q.interaction,
      -inter * q.b,
      -inter * q.logN,
      -inter * q.logSfp,
      -inter * q.logSqat,
    ],
  };
}

/** Ranges sampled for the exponents of δ (per bit: kappa, chi, mu; sizes: psi, nu; tokens: omega, xi, rho). */
const exponentRanges: Readonly<Record<string, readonly [number, number]>> = {
  kappa: [0, 2],
  chi: [0, 2],
  psi: [0, 1],
  omega: [0, 1.5],
  mu: [0, 2],
  nu: [0, 1],
  xi: [-1, 1],
  rho: [0, 1.5],
};

/**
 * Starts for the 16 parameters in two stages: the Chinchilla part from a Chinchilla fit of the
 * full-precision runs (all runs when there are fewer than 8), then δ by variable projection — theta, phi
 * and lambda solved by non-negative least squares on the residuals for 4096 quasi-random (Halton) samples
 * of the eight exponents; the best samples, with E, A, B re-solved beside them, are the starts.
 */
function qatStarts(data: Observations, fixed: Params, options: StartOptions): Params[] {
  const n = data.loss.length;
  const base: Params = { ...defaults(options.specs), ...fixed };
  const bitsColumn = data.inputs.bits!;
  const full = Array.from(data.loss.keys()).filter((i) => bitsColumn[i]! >= fullPrecisionBits);
  const rows = full.length >= 8 ? full : Array.from(data.loss.keys());
  const D = data.inputs.Dfp!;
  Object.assign(base, chinchillaStart(data.inputs.N!, D, data.loss, rows, fixed, options.space), fixed);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++)
    weights[i] = (data.weight?.[i] ?? 1) / (options.space === "log" ? data.loss[i]! ** 2 : 1);
  const names = Object.keys(exponentRanges).filter((name) => !(name in fixed));
  const scales = ["E", "A", "B", "theta", "phi", "lambda"].filter((name) => !(name in fixed));
  const points = pointsOf(qat, data);
  const samples = 4096;
  const found: { cost: number; params: Params }[] = [];
  const columns = scales.map(() => new Float64Array(n));
  const offset = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    const p: Params = { ...base };
    names.forEach((name, k) => {
      const [lo, hi] = exponentRanges[name]!;
      p[name] = lo + (hi - lo) * halton(s + 1, primes[k]!);
    });
    for (let i = 0; i < n; i++) {
      const x = points[i]!;
      const q = penaltyBases(p, x);
      const parts: Record<string, number> = {
        E: 1,
        A: Math.exp(-p.alpha! * Math.log(x.N!)),
        B: Math.exp(-p.beta! * Math.log(D[i]!)),
        theta: q?.irreducible ?? 0,
        phi: q?.pure ?? 0,
        lambda: q?.interaction ?? 0,
      };
      let fixedPart = 0;
      for (const name of Object.keys(parts)) if (name in fixed) fixedPart += fixed[name]! * parts[name]!;
      offset[i] = fixedPart;
      scales.forEach((name, k) => (columns[k]![i] = parts[name]!));
    }
    const solved = boundedLinearLeastSquares(
      columns,
      data.loss,
      weights,
      scales.map(() => 0),
      [],
      offset,
    );
    if (!solved || !Number.isFinite(solved.cost)) continue;
    scales.forEach((name, k) => (p[name] = Math.max(solved.coefficients[k]!, 1e-12)));
    found.push({ cost: solved.cost, params: p });
  }
  return found
    .sort((a, b) => a.cost - b.cost)
    .slice(0, 8)
    .map((f) => f.params);
}

const primes = [2, 3, 5, 7, 11, 13, 17, 19];
