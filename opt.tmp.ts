import { loadCurves, readSchedules } from "./src/data/curves.js";
import { fitLaw } from "./src/fit/fitLaw.js";
import { multipower } from "./src/fit/laws/multipower.js";
import { lrAnneal } from "./src/fit/laws/lrAnneal.js";
import { optimizeSchedule } from "./src/predict/optimizeSchedule.js";
import { predictCurve } from "./src/predict/predictCurve.js";
import { denseSchedule } from "./src/schedules/schedule.js";
import { parseSchedule } from "./src/schedules/parseSchedule.js";
const schedules = readSchedules("data/multipower/schedules.json");
const tr = loadCurves("data/multipower/curves.csv", { schedules, runs: ["25M/cosine_24000", "25M/constant_24000", "25M/wsdcon_9"] }).observations;
for (const law of [lrAnneal, multipower]) {
  let t = performance.now();
  const fit = fitLaw(law, tr, { bootstrap: 50, seed: 1 });
  console.log(law.name, "fit+bootstrap50", (performance.now() - t).toFixed(0), "ms", fit.options.resample, fit.options.blockLength, JSON.stringify(fit.intervals));
  t = performance.now();
  const opt = optimizeSchedule(fit, { steps: 24000, family: "wsd", peak: 3e-4, warmup: 2160 });
  console.log("optimize", (performance.now() - t).toFixed(0), "ms", opt.best.text, opt.best.loss.toFixed(4), "baseline", opt.baseline.loss.toFixed(4), "gain", opt.gain.toFixed(4), opt.gainInterval);
  t = performance.now();
  const curve = predictCurve(fit, denseSchedule(parseSchedule("wsd:peak=3e-4,floor=3e-5,steps=24000,decayStart=20000,shape=exp,warmup=2160")), { steps: [4000, 12000, 20000, 23936] });
  console.log("predict", (performance.now() - t).toFixed(0), "ms", curve.intervalMethod, JSON.stringify(curve.points.map(p => [p.step, +p.loss.toFixed(4), p.interval?.map(v => +v.toFixed(4)), p.predictionInterval.map(v => +v.toFixed(4))])));
  t = performance.now();
  const all = predictCurve(fit, denseSchedule(parseSchedule("cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160")));
  console.log("predict all", (performance.now() - t).toFixed(0), "ms", all.points.length, all.intervalMethod);
}
