/**
 * The README's library tour, as a script the tests run: `node --import tsx examples/tour.ts` from the repository
 * root. It writes library.duckdb and report-library/ in the current folder.
 */
import { chinchilla, computeOptimal, finalLosses, fitLaw, formatFitReport, importFiles } from "scalefit";
import { loadObservations, openStore, predictLoss } from "scalefit";

const { observations } = loadObservations("data/chinchilla/epoch.csv", chinchilla, { dropHighest: 5 });
const fit = fitLaw(chinchilla, observations, { bootstrap: 1000, seed: 1 }); // Huber δ = 1e-3, log space
console.log(formatFitReport(fit)); // lmfit-style report: values ± errors, intervals, warnings
const [big] = predictLoss(fit, [{ N: 70e9, D: 1.4e12 }]); // loss, interval, predictionInterval, extrapolation
const plan = computeOptimal(fit, 5.76e23); // N*, D*, tokens per parameter, with intervals
console.log(`70B on 1.4T: loss ${big!.loss.toFixed(4)}; at 5.76e23 FLOPs: N* ${plan.N.toPrecision(3)}`);

// The same from the store: import a published trainer sweep, fit each run's last eval loss (train loss where
// there is none).
const store = await openStore("library.duckdb");
await importFiles(store, ["data/sweeps/kjv-chinchilla/sweep.parquet"], { set: { kind: "lm" } });
const final = await finalLosses(store, chinchilla.inputs, ["kind=lm", "N>=3e4"]);
store.close();
const fromStore = fitLaw(chinchilla, final.observations, { bootstrap: 1000, seed: 1 });
console.log(
  `${final.observations.loss.length} runs from the store: alpha ${fromStore.params.alpha!.toFixed(3)}`,
);

// Train a small model (TF.js loads here, not at import), and chart a fit (the `scalefit/report` entry).
import { defaultModelConfig, defaultTrainConfig, loadBackend, loadKjv, trainModel } from "scalefit";
import { lawFitChart, renderSvg, reportFromStore } from "scalefit/report";
const source = loadKjv();
const run = await trainModel({
  model: { ...defaultModelConfig, vocab: source.vocab },
  train: { ...defaultTrainConfig, steps: 100 },
  schedule: { kind: "cosine", peak: 2e-3, floor: 2e-4, steps: 100, warmup: 4 },
  source,
  backend: await loadBackend("wasm"),
}); // run.points: step, tokens, flops, lr, trainLoss, evalLoss; run.tokensPerSecond
console.log(`trained 100 steps at ${Math.round(run.tokensPerSecond)} tokens/s`);
const svg = await renderSvg(lawFitChart(fit, observations)); // or Plot.plot(chart.options) in a browser
const report = await reportFromStore("library.duckdb", { out: "report-library", laws: ["chinchilla"] });
console.log(`a ${svg.length}-character SVG; report-library/ has ${report.charts} charts`);
