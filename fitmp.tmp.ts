import { loadCurves, readSchedules } from "./src/data/curves.js";
import { fitLaw } from "./src/fit/fitLaw.js";
import { multipower } from "./src/fit/laws/multipower.js";
import { lrAnneal } from "./src/fit/laws/lrAnneal.js";
import { evaluateLaw } from "./src/fit/evaluate.js";
const schedules = readSchedules("data/multipower/schedules.json");
const train = ["cosine_24000", "constant_24000", "wsdcon_9"];
const test = ["constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18"];
for (const law of [lrAnneal, multipower]) for (const size of ["25M", "100M", "400M"]) {
  const tr = loadCurves("data/multipower/curves.csv", { schedules, runs: train.map((t) => `${size}/${t}`) }).observations;
  const te = loadCurves("data/multipower/curves.csv", { schedules, runs: test.map((t) => `${size}/${t}`) }).observations;
  const t0 = performance.now();
  const fit = fitLaw(law, tr, { intervals: "none" });
  const t1 = performance.now();
  const out = evaluateLaw(law, fit.params, te, new Float64Array(te.loss.length));
  const per: Record<string, number[]> = {};
  out.forEach((v, i) => (per[te.run![i]!] ??= []).push(Math.abs(v - te.loss[i]!) / te.loss[i]!));
  const means = Object.values(per).map((e) => e.reduce((s, v) => s + v, 0) / e.length);
  const worst = Object.values(per).map((e) => Math.max(...e));
  console.log(law.name, size, "fit", (t1 - t0).toFixed(0), "ms", "PredE", (100 * means.reduce((s, v) => s + v, 0) / means.length).toFixed(3) + "%", "WorstE", (100 * worst.reduce((s, v) => s + v, 0) / worst.length).toFixed(3) + "%", fit.objective.toExponential(4), fit.starts, fit.message, JSON.stringify(Object.fromEntries(Object.entries(fit.params).map(([k, v]) => [k, +v.toPrecision(5)]))), fit.warnings.map(w => w.code).join(","));
}
