import type { Observations, Params } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { exponentPairStarts } from "../exponentPairStarts.js";
import { range } from "../grid.js";

const nExponents = range(0.02, 1, 0.04);
const sExponents = range(0.05, 2, 0.1);

/**
 * Kaplan et al. 2020 joint law in parameters and optimiser steps: L(N, S) = (Nc/N)^alphaN + (Sc/S)^alphaS
 * ("Scaling Laws for Neural Language Models", eq. 1.6; published alphaN 0.077, alphaS 0.76, Nc 6.5e13,
 * Sc 2.1e3, with S the minimum number of steps S_min at the critical batch size).
 * Starts: for each (alphaN, alphaS) on a grid the law is linear in (Nc^alphaN, Sc^alphaS).
 * @example kaplanSteps.predict({Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76}, {N: 1e9, S: 1e5})
 */
export const kaplanSteps: Law = {
  name: "kaplan-steps",
  formula: "(Nc/N)^alphaN + (Sc/S)^alphaS",
  description: "Kaplan's joint law in non-embedding parameters N and optimiser steps S",
  reference: "Kaplan et al. 2020, eq. 1.6",
  inputs: ["N", "S"],
  params: [
    { name: "Nc", log: true, value: 6.5e13, description: "parameter scale" },
    { name: "Sc", log: true, value: 2.1e3, description: "step scale" },
    { name: "alphaN", min: 0, value: 0.077, grid: nExponents, description: "parameter exponent" },
    { name: "alphaS", min: 0, value: 0.76, grid: sExponents, description: "step exponent" },
  ],
  predict: (p, x) => (p.Nc! / x.N!) ** p.alphaN! + (p.Sc! / x.S!) ** p.alphaS!,
  gradient(p, x) {
    const logN = Math.log(p.Nc! / x.N!);
    const logS = Math.log(p.Sc! / x.S!);
    const tn = Math.exp(p.alphaN! * logN);
    const ts = Math.exp(p.alphaS! * logS);
    return [(p.alphaN! * tn) / p.Nc!, (p.alphaS! * ts) / p.Sc!, tn * logN, ts * logS];
  },
  // The same operations as predict and gradient, column by column.
  evaluate(p, data, out) {
    const N = data.inputs.N!;
    const S = data.inputs.S!;
    const { Nc, Sc, alphaN, alphaS } = p as Record<"Nc" | "Sc" | "alphaN" | "alphaS", number>;
    for (let i = 0; i < out.length; i++) out[i] = (Nc / N[i]!) ** alphaN + (Sc / S[i]!) ** alphaS;
  },
  jacobian(p, data, out) {
    const N = data.inputs.N!;
    const S = data.inputs.S!;
    const { Nc, Sc, alphaN, alphaS } = p as Record<"Nc" | "Sc" | "alphaN" | "alphaS", number>;
    const [dNc, dSc, dAlphaN, dAlphaS] = out as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < dNc.length; i++) {
      const logN = Math.log(Nc / N[i]!);
      const logS = Math.log(Sc / S[i]!);
      const tn = Math.exp(alphaN * logN);
      const ts = Math.exp(alphaS * logS);
      dNc[i] = (alphaN * tn) / Nc;
      dSc[i] = (alphaS * ts) / Sc;
      dAlphaN[i] = tn * logN;
      dAlphaS[i] = ts * logS;
    }
  },
  starts(data, fixed, options) {
    return stepStarts(data, fixed, options.space === "log");
  },
};

function stepStarts(data: Observations, fixed: Params, relative: boolean): Params[] {
  const N = data.inputs.N!;
  const S = data.inputs.S!;
  const loss = data.loss;
  const axes: [readonly number[], readonly number[]] = [
    fixed.alphaN !== undefined ? [fixed.alphaN] : nExponents,
    fixed.alphaS !== undefined ? [fixed.alphaS] : sExponents,
  ];
  return exponentPairStarts(axes, loss.length, {
    fill(alphaN, alphaS, [bn, bs], target, w) {
      for (let i = 0; i < loss.length; i++) {
        bn[i] = N[i]! ** -alphaN;
        bs[i] = S[i]! ** -alphaS;
        target[i] = loss[i]!;
        w[i] = (data.weight?.[i] ?? 1) * (relative ? 1 / loss[i]! ** 2 : 1);
      }
      return 1;
    },
    toParams: (alphaN, alphaS, a, b) => ({
      Nc: a ** (1 / alphaN),
      Sc: b ** (1 / alphaS),
      alphaN,
      alphaS,
      ...fixed,
    }),
  });
}
