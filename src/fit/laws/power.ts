import type { Law, LawDefinition } from "../../types.js";
import { listingOf } from "./listing.js";
import { logOf } from "../columns.js";
import { range } from "../grid.js";

/**
 * Power law plus constant in one variable: L(x) = E + A · x^(−alpha), x one of N, D, C (or any positive
 * input). Henighan et al. 2020 ("Scaling Laws for Autoregressive Generative Modeling", eq. 1.1; their
 * L∞ + (x0/x)^α is the same law with A = x0^α); Kaplan et al. 2020's pure power law is E fixed at 0.
 * E and A enter linearly (projected out on the grid); alpha is gridded over {0, 0.01, …, 2}.
 * @example powerLaw("C").predict({E: 1.7, A: 80, alpha: 0.1}, {C: 1e21}) // 1.7 + 80 * 1e21 ** -0.1
 */
export function powerLaw(x: string = "C"): Law {
  return {
    name: "power",
    formula: `E + A/${x}^alpha`,
    description: `power law plus constant in ${x}`,
    reference: "Henighan et al. 2020, eq. 1.1; Kaplan et al. 2020 with E = 0",
    inputs: [x],
    params: [
      { name: "E", log: true, value: 1, description: "irreducible loss (asymptote)" },
      { name: "A", log: true, value: 10, description: "scale" },
      { name: "alpha", min: 0, value: 0.1, grid: range(0, 2, 0.01), description: "exponent" },
    ],
    linear: ["E", "A"],
    predict: (p, v) => p.E! + p.A! * Math.exp(-p.alpha! * Math.log(v[x]!)),
    gradient(p, v) {
      const logX = Math.log(v[x]!);
      const t = Math.exp(-p.alpha! * logX);
      return [1, t, -p.A! * t * logX];
    },
    evaluate(p, data, out) {
      const logX = logOf(data.inputs[x]!);
      const { E, A, alpha } = p as Record<"E" | "A" | "alpha", number>;
      for (let i = 0; i < out.length; i++) out[i] = E + A * Math.exp(-alpha * logX[i]!);
    },
    jacobian(p, data, out) {
      const logX = logOf(data.inputs[x]!);
      const { A, alpha } = p as Record<"A" | "alpha", number>;
      const [dE, dA, dAlpha] = out as [Float64Array, Float64Array, Float64Array];
      for (let i = 0; i < dE.length; i++) {
        const t = Math.exp(-alpha * logX[i]!);
        dE[i] = 1;
        dA[i] = t;
        dAlpha[i] = -A * t * logX[i]!;
      }
    },
    spec: { x },
  };
}

/** `power` in C, the default input (Kaplan et al. 2020 fit L(C) this way). @example power.inputs // ["C"] */
export const power: Law = powerLaw("C");

/**
 * Registry entry of `power`: its input is an option (`--x N`, kept in the artifact as `lawSpec.x`).
 * @example powerDefinition.create({x: "N"}).inputs // ["N"]
 */
export const powerDefinition: LawDefinition = {
  name: "power",
  listing: listingOf(power),
  options: { x: { kind: "string", value: "<N|D|C>", description: "the input (default C)" } },
  create: (request) => powerLaw(typeof request.x === "string" ? request.x : "C"),
};
