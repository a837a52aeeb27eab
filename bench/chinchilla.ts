/**
 * The Chinchilla fit on Epoch's 240 points, in-process and as whole processes, against the SciPy baseline
 * of ../shared/anchors/chinchilla_fit.py measured in the same run, and the 1000-refit bootstrap.
 */
import { join } from "node:path";
import { chinchilla, chinchillaDataPath, fitLaw, loadObservations } from "../src/index.js";
import { anchorUnavailable, anchors, line, median, python, root, wholeProcess } from "./_shared.js";

/** `scalefit fit` of chinchilla on Epoch's 240 points, with extra arguments. */
const fitArgs = (...extra: string[]) => [
  join(root, "bin/scalefit.js"),
  "fit",
  "--law",
  "chinchilla",
  "--data",
  chinchillaDataPath,
  "--drop-highest",
  "5",
  ...extra,
];
console.log("== Chinchilla fit (Epoch's 240 points)");
const { observations } = loadObservations(chinchillaDataPath, chinchilla, { dropHighest: 5 });

// 1. In-process fit (grid + refinement, no intervals): the first fit in this process (cold JIT) and warm ones.
let start = performance.now();
const first = fitLaw(chinchilla, observations, { intervals: "none" });
const cold = (performance.now() - start) / 1000;
const warmTimes: number[] = [];
for (let k = 0; k < 10; k++) {
  start = performance.now();
  fitLaw(chinchilla, observations, { intervals: "none" });
  warmTimes.push((performance.now() - start) / 1000);
}
const warm = median(warmTimes);
line(
  "chinchilla fit, 240 points, in-process (first / warm median)",
  `${(1000 * cold).toFixed(1)} ms / ${(1000 * warm).toFixed(1)} ms`,
);
line("  objective (Σ Huber δ=1e-3 of log residuals)", first.objective.toPrecision(17));

// 2. Whole process: `scalefit fit ... --intervals none --json`, median of 7.
const ours = wholeProcess(process.execPath, fitArgs("--intervals", "none", "--json"), 7);
line("scalefit fit as a whole process (median of 7)", `${(1000 * ours.seconds).toFixed(0)} ms`);

// 3. Bootstrap: 1000 refits resampling runs.
start = performance.now();
const boot = fitLaw(chinchilla, observations, { bootstrap: 1000, seed: 1 });
const bootSeconds = (performance.now() - start) / 1000;
line(
  "fit + 1000-refit bootstrap, in-process",
  `${bootSeconds.toFixed(2)} s (${((1000 * bootSeconds) / 1000).toFixed(2)} ms per refit)`,
);
line(
  "  alpha 95% interval",
  `[${boot.intervals.alpha![0].toFixed(4)}, ${boot.intervals.alpha![1].toFixed(4)}]`,
);
const bootProcess = wholeProcess(process.execPath, fitArgs("--bootstrap", "1000", "--json"), 1);
line("scalefit fit --bootstrap 1000 as a whole process", `${bootProcess.seconds.toFixed(2)} s`);

// 4. The SciPy baseline on the same file, same run.
const script = join(anchors, "chinchilla_fit.py");
const unavailable = anchorUnavailable("chinchilla_fit.py");
if (unavailable) {
  console.log(`\nSciPy baseline unavailable (${unavailable}); ratios not measured.`);
} else {
  const scipy = wholeProcess(python, [script, chinchillaDataPath, "--drop-highest", "5"], 1);
  const result = JSON.parse(scipy.stdout.trim().split("\n").at(-1)!);
  console.log("");
  line(
    "SciPy L-BFGS-B, 4500 starts, analytic gradient (in-process)",
    `${result.wall_s.toFixed(2)} s, objective ${result.objective.toPrecision(17)}`,
  );
  line("SciPy as a whole process (python3 chinchilla_fit.py data.csv)", `${scipy.seconds.toFixed(2)} s`);
  line("speed-up in-process (SciPy / our first fit)", `${(result.wall_s / cold).toFixed(0)}×`);
  line("speed-up in-process (SciPy / our warm fit)", `${(result.wall_s / warm).toFixed(0)}×`);
  line("speed-up as whole processes", `${(scipy.seconds / ours.seconds).toFixed(0)}×`);
  line(
    "objective: ours − SciPy's (≤ 0 means no worse)",
    (first.objective - result.objective).toExponential(2),
  );
}
