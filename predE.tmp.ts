import { loadCurves, readSchedules } from "./src/data/curves.js";
import { multipower } from "./src/fit/laws/multipower.js";
import { lossDropNodes } from "./src/fit/lossDrop.js";
const schedules = readSchedules("data/multipower/schedules.json");
const published: Record<string, Record<string, number>> = {
  "25M": { L0: 3.04045406, A: 0.52468604, alpha: 0.50786857, B: 363.78751622, C: 2.06560812, beta: 0.58279013, gamma: 0.64142257 },
  "100M": { L0: 2.6514477, A: 0.60115152, alpha: 0.45295811, B: 437.9464276, C: 2.13245612, beta: 0.59785199, gamma: 0.65523644 },
  "400M": { L0: 2.37474466, A: 0.65421216, alpha: 0.42878731, B: 523.42464371, C: 2.02462735, beta: 0.59350493, gamma: 0.63472457 },
};
const test = ["constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18"];
for (const size of ["25M", "100M", "400M"]) {
  let t0 = performance.now();
  const { observations } = loadCurves("data/multipower/curves.csv", { schedules, runs: test.map((t) => `${size}/${t}`) });
  const t1 = performance.now();
  const out = new Float64Array(observations.loss.length);
  multipower.evaluate!(published[size]!, observations, out);
  const t2 = performance.now();
  const per: Record<string, number[]> = {};
  out.forEach((v, i) => (per[observations.run![i]!] ??= []).push(Math.abs(v - observations.loss[i]!) / observations.loss[i]!));
  const means = Object.values(per).map((e) => e.reduce((s, v) => s + v, 0) / e.length);
  const worst = Object.values(per).map((e) => Math.max(...e));
  // exact reference
  const nodes = lossDropNodes(observations); const exactNodes = lossDropNodes(observations, { exact: true });
  console.log(size, "PredE", (100 * means.reduce((s, v) => s + v, 0) / means.length).toFixed(4) + "%", "WorstE", (100 * worst.reduce((s, v) => s + v, 0) / worst.length).toFixed(3) + "%", "load ms", (t1 - t0).toFixed(0), "eval ms", (t2 - t1).toFixed(1), "nodes", nodes.weight.length, "exact nodes", exactNodes.weight.length);
}
