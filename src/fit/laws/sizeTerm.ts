import type { ParamSpec } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { logOf } from "../columns.js";
import { evaluateLaw, lawJacobian } from "../evaluate.js";
import { range } from "../grid.js";

/**
 * A curve law fitted across model sizes: its floor L0 becomes E + AN·N^(−alphaN), so the curves of several
 * sizes (a column N) are fitted jointly and a new size's curve can be predicted (the size extension of
 * Tissue et al. 2024, §5, applied to either curve law). E and AN join the law's linear parameters.
 * @example const law = withSizeTerm(multipower, "multipower-n"); // inputs step and N
 */
export function withSizeTerm(base: Law, name: string): Law {
  const baseParams = base.params.filter((p) => p.name !== "L0");
  const params: ParamSpec[] = [
    { name: "E", log: true, value: 1.5, description: "irreducible loss" },
    { name: "AN", log: true, value: 10, description: "scale of the size term" },
    { name: "alphaN", min: 0, value: 0.3, grid: range(0.05, 1, 0.05), description: "size exponent" },
    ...baseParams,
  ];
  const basePositions = base.params.map((p) => params.findIndex((q) => q.name === p.name));
  return {
    name,
    formula: `${base.formula.replace(/^L0/, "E + AN*N^(-alphaN)")}`,
    description: `${base.description}, jointly across model sizes N`,
    reference: `${base.reference}; size term as in Tissue et al. 2024, §5`,
    inputs: [...base.inputs, "N"],
    ...(base.zeroInputs ? { zeroInputs: base.zeroInputs } : {}),
    curve: true,
    params,
    linear: [...(base.linear ?? []).filter((p) => p !== "L0"), "E", "AN"],
    predict: base.predict,
    evaluate(p, data, out) {
      evaluateLaw(base, { ...p, L0: 0 }, data, out);
      const logN = logOf(data.inputs.N!);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + p.E! + p.AN! * Math.exp(-p.alphaN! * logN[i]!);
    },
    jacobian(p, data, out) {
      const n = data.loss.length;
      const columns = base.params.map(() => new Float64Array(n));
      lawJacobian(base, { ...p, L0: 0 }, data, columns);
      basePositions.forEach((position, j) => {
        if (position >= 0) out[position]!.set(columns[j]!);
      });
      const logN = logOf(data.inputs.N!);
      for (let i = 0; i < n; i++) {
        const t = Math.exp(-p.alphaN! * logN[i]!);
        out[0]![i] = 1;
        out[1]![i] = t;
        out[2]![i] = -p.AN! * t * logN[i]!;
      }
    },
    spec: { base: base.name },
  };
}
