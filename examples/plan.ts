/**
 * A planning script a researcher would write: load small runs, fit and compare laws, backtest the winner,
 * predict a target model with its interval, and choose N and D for a compute budget.
 * Run it with `node --import tsx examples/plan.ts [runs.csv]` (default: the bundled Chinchilla data).
 */
import {
  backtest,
  chinchilla,
  chinchillaDataPath,
  compareLaws,
  computeOptimal,
  fitLaw,
  formatFitReport,
  kaplan,
  loadObservations,
  powerLaw,
  predictLoss,
} from "scalefit";

const file = process.argv[2] ?? chinchillaDataPath;
const budget = 1e24; // FLOPs we can afford
const target = { N: 70e9, D: 1.4e12 }; // the model someone proposes to train

// 1. Load the runs (Epoch drops the 5 highest-loss Chinchilla runs as outliers).
const { observations, provenance } = loadObservations(file, chinchilla, { dropHighest: 5 });
console.log(`${provenance.points} runs from ${file}`);

// 2. Which law describes them best out of sample? Fit on runs with ≤ 1/8 of the largest compute, test on the rest.
const holdout = { by: "C", fraction: 0.125 } as const;
const ranking = compareLaws([chinchilla, kaplan, powerLaw("N")], observations, {
  intervals: "covariance",
  holdout,
});
for (const row of ranking) {
  console.log(
    `${row.law.padEnd(10)} held-out error ${(100 * row.holdout!.meanAbsRelError).toFixed(2)}%  ΔAIC ${row.deltaAic.toFixed(1)}`,
  );
}
const best = ranking[0]!.law === "chinchilla" ? chinchilla : kaplan;

// 3. How well does the winner extrapolate, with the intervals we will report?
const check = backtest(best, observations, holdout, { bootstrap: 200, seed: 1 });
console.log(
  `backtest: ${(100 * (check.holdout.insideInterval ?? 0)).toFixed(0)}% of held-out runs inside their 95% prediction intervals`,
);

// 4. Fit on everything, with bootstrap intervals over runs.
const fit = fitLaw(best, observations, { bootstrap: 500, seed: 1 });
console.log(formatFitReport(fit));

// 5. The proposed model, and the compute-optimal alternative at our budget.
const [proposed] = predictLoss(fit, [target]);
const [lo, hi] = proposed!.interval!;
console.log(
  `proposed 70B on 1.4T tokens: loss ${proposed!.loss.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`,
);
for (const warning of proposed!.warnings) console.log(`  note: ${warning.message}`);
const plan = computeOptimal(fit, budget);
console.log(
  `compute-optimal at ${budget.toExponential(0)} FLOPs: N = ${plan.N.toExponential(2)}, D = ${plan.D.toExponential(2)} ` +
    `(${plan.tokensPerParameter.toFixed(1)} tokens/parameter, interval ${plan.intervals!.tokensPerParameter.map((v) => v.toFixed(1)).join("–")}), ` +
    `loss ${plan.loss.toFixed(3)}`,
);
