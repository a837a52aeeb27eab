import type { Params } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { logOf } from "../columns.js";
import { range } from "../grid.js";

/**
 * Chinchilla "Approach 3": L(N, D) = E + A / N^alpha + B / D^beta.
 * Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", eq. 2 and appendix D.2;
 * replication and data: Besiroglu et al. 2024 (epoch-research/analyzing-chinchilla).
 * E, A and B enter linearly (projected out on the starting grid); alpha and beta are gridded over
 * {0, 0.2, …, 2}: Hoffmann's range {0, 0.5, …, 2} at 2.5 times the resolution.
 * @example chinchilla.predict({E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28}, {N: 70e9, D: 1.4e12}) // 1.9367
 */
export const chinchilla: Law = {
  name: "chinchilla",
  formula: "E + A/N^alpha + B/D^beta",
  description: "joint power law in parameters N and tokens D with an irreducible loss E",
  reference: "Hoffmann et al. 2022, eq. 2 (Approach 3)",
  inputs: ["N", "D"],
  params: [
    { name: "E", log: true, value: 1.7, description: "irreducible loss" },
    { name: "A", log: true, value: 400, description: "scale of the parameter term" },
    { name: "B", log: true, value: 400, description: "scale of the data term" },
    { name: "alpha", min: 0, value: 0.34, grid: range(0, 2, 0.2), description: "parameter exponent" },
    { name: "beta", min: 0, value: 0.28, grid: range(0, 2, 0.2), description: "data exponent" },
  ],
  linear: ["E", "A", "B"],
  // exp(−alpha·log N) rather than N ** −alpha: half the cost of Math.pow, same accuracy to ~1e-15.
  predict: (p, x) =>
    p.E! + p.A! * Math.exp(-p.alpha! * Math.log(x.N!)) + p.B! * Math.exp(-p.beta! * Math.log(x.D!)),
  gradient(p, x) {
    const logN = Math.log(x.N!);
    const logD = Math.log(x.D!);
    const n = Math.exp(-p.alpha! * logN);
    const d = Math.exp(-p.beta! * logD);
    return [1, n, d, -p.A! * n * logN, -p.B! * d * logD];
  },
  evaluate(p, data, out) {
    const logN = logOf(data.inputs.N!);
    const logD = logOf(data.inputs.D!);
    const { E, A, B, alpha, beta } = p as Record<"E" | "A" | "B" | "alpha" | "beta", number>;
    for (let i = 0; i < out.length; i++)
      out[i] = E + A * Math.exp(-alpha * logN[i]!) + B * Math.exp(-beta * logD[i]!);
  },
  jacobian(p, data, out) {
    const logN = logOf(data.inputs.N!);
    const logD = logOf(data.inputs.D!);
    const { A, B, alpha, beta } = p as Record<"A" | "B" | "alpha" | "beta", number>;
    const [dE, dA, dB, dAlpha, dBeta] = out as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < dE.length; i++) {
      const n = Math.exp(-alpha * logN[i]!);
      const d = Math.exp(-beta * logD[i]!);
      dE[i] = 1;
      dA[i] = n;
      dB[i] = d;
      dAlpha[i] = -A * n * logN[i]!;
      dBeta[i] = -B * d * logD[i]!;
    }
  },
  computeOptimal: (p, C) => chinchillaOptimal(p, C),
  derived: {
    a: { description: "N* ∝ C^a, a = beta/(alpha+beta)", value: (p) => p.beta! / (p.alpha! + p.beta!) },
    b: { description: "D* ∝ C^b, b = alpha/(alpha+beta)", value: (p) => p.alpha! / (p.alpha! + p.beta!) },
  },
};

/**
 * Closed-form compute-optimal allocation of Chinchilla's law under C = 6 N D:
 * G = (alpha A / (beta B))^(1/(alpha+beta)), N* = G (C/6)^(beta/(alpha+beta)), D* = (C/6)^(alpha/(alpha+beta)) / G.
 * Hoffmann et al. 2022, eq. 4; epoch-research/analyzing-chinchilla `data_analysis.ipynb`, cell 63.
 * @example chinchillaOptimal({E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28}, 5.76e23)
 */
export function chinchillaOptimal(p: Params, C: number): { N: number; D: number } {
  const sum = p.alpha! + p.beta!;
  const G = ((p.alpha! * p.A!) / (p.beta! * p.B!)) ** (1 / sum);
  return { N: G * (C / 6) ** (p.beta! / sum), D: (C / 6) ** (p.alpha! / sum) / G };
}
