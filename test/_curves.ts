import { evaluateLaw } from "../src/fit/evaluate.js";
import type { Observations, Params } from "../src/dataTypes.js";
import type { Law } from "../src/types.js";

/** PredE and WorstE of LAWS.md §6: means over curves of each curve's mean and max |relative error|. */
export function curveErrors(law: Law, p: Params, data: Observations): { predE: number; worstE: number } {
  const out = evaluateLaw(law, p, data, new Float64Array(data.loss.length));
  const per = new Map<string, number[]>();
  out.forEach((v, i) => {
    const run = data.run![i]!;
    if (!per.has(run)) per.set(run, []);
    per.get(run)!.push(Math.abs(v - data.loss[i]!) / data.loss[i]!);
  });
  const errors = [...per.values()];
  return {
    predE: errors.reduce((s, e) => s + e.reduce((a, b) => a + b, 0) / e.length, 0) / errors.length,
    worstE: errors.reduce((s, e) => s + Math.max(...e), 0) / errors.length,
  };
}

/** The authors' split of the multi-power data (src/config.py of thu-yao-01-luo/MultiPowerLaw). */
export const multipowerTrain = ["cosine_24000", "constant_24000", "wsdcon_9"];
export const multipowerHeldOut = [
  "constant_72000",
  "cosine_72000",
  "wsd_20000_24000",
  "wsdld_20000_24000",
  "wsdcon_3",
  "wsdcon_18",
];
