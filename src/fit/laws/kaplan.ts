import type { Observations, Params } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { exponentPairStarts } from "../exponentPairStarts.js";
import { range } from "../grid.js";

const exponents = range(0.02, 1, 0.04);

/**
 * Kaplan et al. 2020 joint law in parameters and data: L(N, D) = [(Nc/N)^(alphaN/alphaD) + Dc/D]^alphaD
 * ("Scaling Laws for Neural Language Models", eq. 1.5; published alphaN 0.076, alphaD 0.103, Nc 6.4e13,
 * Dc 1.8e13 with N counting non-embedding parameters). No irreducible term.
 * Starts: for each (alphaN, alphaD) on a grid, L^(1/alphaD) = Nc^(alphaN/alphaD)·N^(−alphaN/alphaD) + Dc/D is
 * linear in (Nc^(alphaN/alphaD), Dc), solved by non-negative least squares.
 * @example kaplan.predict({Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103}, {N: 1e9, D: 2e10})
 */
export const kaplan: Law = {
  name: "kaplan",
  formula: "((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD",
  description: "Kaplan's joint law in non-embedding parameters N and tokens D",
  reference: "Kaplan et al. 2020, eq. 1.5",
  inputs: ["N", "D"],
  params: [
    { name: "Nc", log: true, value: 6.4e13, description: "parameter scale" },
    { name: "Dc", log: true, value: 1.8e13, description: "data scale" },
    { name: "alphaN", min: 0, value: 0.076, grid: exponents, description: "parameter exponent" },
    { name: "alphaD", min: 0, value: 0.103, grid: exponents, description: "data exponent" },
  ],
  predict(p, x) {
    return ((p.Nc! / x.N!) ** (p.alphaN! / p.alphaD!) + p.Dc! / x.D!) ** p.alphaD!;
  },
  gradient(p, x) {
    const ratio = p.alphaN! / p.alphaD!;
    const logNc = Math.log(p.Nc! / x.N!);
    const u = Math.exp(ratio * logNc);
    const s = u + p.Dc! / x.D!;
    const L = s ** p.alphaD!;
    const outer = L / s; // s^(alphaD − 1)
    return [
      (outer * u * p.alphaN!) / p.Nc!,
      (outer * p.alphaD!) / x.D!,
      outer * u * logNc,
      L * Math.log(s) - outer * u * logNc * ratio,
    ];
  },
  // The same operations as predict and gradient, column by column (no point objects, no arrays per point).
  evaluate(p, data, out) {
    const N = data.inputs.N!;
    const D = data.inputs.D!;
    const { Nc, Dc, alphaN, alphaD } = p as Record<"Nc" | "Dc" | "alphaN" | "alphaD", number>;
    const ratio = alphaN / alphaD;
    for (let i = 0; i < out.length; i++) out[i] = ((Nc / N[i]!) ** ratio + Dc / D[i]!) ** alphaD;
  },
  jacobian(p, data, out) {
    const N = data.inputs.N!;
    const D = data.inputs.D!;
    const { Nc, Dc, alphaN, alphaD } = p as Record<"Nc" | "Dc" | "alphaN" | "alphaD", number>;
    const ratio = alphaN / alphaD;
    const [dNc, dDc, dAlphaN, dAlphaD] = out as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < dNc.length; i++) {
      const logNc = Math.log(Nc / N[i]!);
      const u = Math.exp(ratio * logNc);
      const s = u + Dc / D[i]!;
      const L = s ** alphaD;
      const outer = L / s;
      dNc[i] = (outer * u * alphaN) / Nc;
      dDc[i] = (outer * alphaD) / D[i]!;
      dAlphaN[i] = outer * u * logNc;
      dAlphaD[i] = L * Math.log(s) - outer * u * logNc * ratio;
    }
  },
  starts(data, fixed, options) {
    return kaplanStarts(data, fixed, options.space === "log");
  },
};

function kaplanStarts(data: Observations, fixed: Params, relative: boolean): Params[] {
  const N = data.inputs.N!;
  const D = data.inputs.D!;
  const loss = data.loss;
  const axes: [readonly number[], readonly number[]] = [
    fixed.alphaN !== undefined ? [fixed.alphaN] : exponents,
    fixed.alphaD !== undefined ? [fixed.alphaD] : exponents,
  ];
  return exponentPairStarts(axes, loss.length, {
    fill(alphaN, alphaD, [basisN, basisD], y, w) {
      const ratio = alphaN / alphaD;
      let check = 0;
      for (let i = 0; i < loss.length; i++) {
        y[i] = loss[i]! ** (1 / alphaD);
        // relative errors in L^(1/alphaD) are relative errors in L divided by alphaD
        w[i] = (data.weight?.[i] ?? 1) * (relative ? 1 / (y[i]! * y[i]!) : 1);
        basisN[i] = N[i]! ** -ratio;
        basisD[i] = 1 / D[i]!;
        check += y[i]! + basisN[i]!;
      }
      return Number.isFinite(check) ? alphaD * alphaD : undefined;
    },
    toParams: (alphaN, alphaD, a, Dc) => ({ Nc: a ** (alphaD / alphaN), Dc, alphaN, alphaD, ...fixed }),
  });
}
