import type { Observations, Params } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { logOf } from "../columns.js";
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
  // exp/log forms rather than Math.pow (a third of its cost), the same operations point by point and by column.
  predict(p, x) {
    const logNc = Math.log(p.Nc!) - Math.log(x.N!);
    return Math.exp(p.alphaD! * Math.log(Math.exp((p.alphaN! / p.alphaD!) * logNc) + p.Dc! / x.D!));
  },
  gradient(p, x) {
    const columns = [0, 1, 2, 3].map(() => new Float64Array(1));
    kaplanGradient(p.Nc!, p.Dc!, p.alphaN!, p.alphaD!, Math.log(p.Nc!) - Math.log(x.N!), x.D!, columns, 0);
    return columns.map((c) => c[0]!);
  },
  evaluate(p, data, out) {
    const logN = logOf(data.inputs.N!);
    const D = data.inputs.D!;
    const { Nc, Dc, alphaN, alphaD } = p as Record<"Nc" | "Dc" | "alphaN" | "alphaD", number>;
    const ratio = alphaN / alphaD;
    const logScale = Math.log(Nc);
    for (let i = 0; i < out.length; i++)
      out[i] = Math.exp(alphaD * Math.log(Math.exp(ratio * (logScale - logN[i]!)) + Dc / D[i]!));
  },
  jacobian(p, data, out) {
    const logN = logOf(data.inputs.N!);
    const D = data.inputs.D!;
    const { Nc, Dc, alphaN, alphaD } = p as Record<"Nc" | "Dc" | "alphaN" | "alphaD", number>;
    const logScale = Math.log(Nc);
    for (let i = 0; i < D.length; i++)
      kaplanGradient(Nc, Dc, alphaN, alphaD, logScale - logN[i]!, D[i]!, out, i);
  },
  starts(data, fixed, options) {
    return kaplanStarts(data, fixed, options.space === "log");
  },
};

/** d L / d (Nc, Dc, alphaN, alphaD) at point i, from log(Nc/N) and D, into `out[j][i]`. */
function kaplanGradient(
  Nc: number,
  Dc: number,
  alphaN: number,
  alphaD: number,
  logNc: number,
  D: number,
  out: Float64Array[],
  i: number,
): void {
  const ratio = alphaN / alphaD;
  const u = Math.exp(ratio * logNc);
  const s = u + Dc / D;
  const logS = Math.log(s);
  const L = Math.exp(alphaD * logS);
  const outer = L / s; // s^(alphaD − 1)
  out[0]![i] = (outer * u * alphaN) / Nc;
  out[1]![i] = (outer * alphaD) / D;
  out[2]![i] = outer * u * logNc;
  out[3]![i] = L * logS - outer * u * logNc * ratio;
}

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
