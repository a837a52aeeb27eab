import assert from "node:assert/strict";
import { test } from "node:test";
import { bootstrapDraws, clusterIndex } from "../../src/fit/bootstrap.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { createProblem } from "../../src/fit/problem.js";
import { randomSource } from "../../src/random.js";
import { epochData } from "../_epoch.js";

test("clusterIndex groups points by run, in order of first appearance", () => {
  const { index, count } = clusterIndex({
    inputs: {},
    loss: new Float64Array(5),
    run: ["b", "a", "b", "c", "a"],
  });
  assert.deepEqual(Array.from(index), [0, 1, 0, 2, 1]);
  assert.equal(count, 3);
  assert.equal(clusterIndex({ inputs: {}, loss: new Float64Array(3) }).count, 3);
});

test("intervals respect runs: curves with run labels give wider intervals than pretending points are independent", () => {
  // 6 runs of 20 points each; each run has its own offset (run-level noise), so points of a run are correlated.
  const random = randomSource(4);
  const N: number[] = [];
  const loss: number[] = [];
  const run: string[] = [];
  for (let r = 0; r < 6; r++) {
    const offset = 0.02 * random.normal();
    for (let k = 0; k < 20; k++) {
      const n = 1e7 * 10 ** (r * 0.5 + k * 0.005);
      N.push(n);
      loss.push((1.7 + 400 * n ** -0.34) * Math.exp(offset + 0.002 * random.normal()));
      run.push(`run${r}`);
    }
  }
  const base = { inputs: { N: Float64Array.from(N) }, loss: Float64Array.from(loss) };
  const byRun = fitLaw(powerLaw("N"), { ...base, run }, { bootstrap: 200, seed: 1, resample: "runs" });
  const byPoint = fitLaw(powerLaw("N"), base, { bootstrap: 200, seed: 1 });
  const width = (f: typeof byRun) => f.intervals.alpha![1] - f.intervals.alpha![0];
  assert.ok(width(byRun) > 2 * width(byPoint), `by run ${width(byRun)} vs by point ${width(byPoint)}`);
  // Six runs keep their bootstrap, with a caveat (measured: it covers alpha in 100 of 100 such data sets).
  assert.equal(byRun.intervalMethod, "bootstrap");
  assert.ok(byRun.warnings.some((w) => w.code === "intervals" && w.message.startsWith("only 6 runs")));
  const [lo, hi] = byRun.intervals.alpha!;
  assert.ok(lo < 0.34 && 0.34 < hi, `alpha [${lo}, ${hi}] holds the truth 0.34`);
});

test("refits on a worker thread give the same draws, bit for bit, as refits on the main thread", () => {
  // The worker rebuilds chinchilla from its name, takes samples from a shared counter and runs the same seeded
  // resampling stream, so the split between threads cannot change a draw (src/fit/refitThreads.ts).
  const data = epochData();
  const best = fitLaw(chinchilla, data, { intervals: "none" });
  const settings = {
    space: "log",
    loss: "huber",
    delta: 1e-3,
    fTol: 1e-14,
    xTol: 1e-10,
    gTol: 1e-10,
  } as const;
  const problem = createProblem(chinchilla, data, chinchilla.params, { ...settings, maxEvaluations: 5000 });
  const run = (threads: string) => {
    const before = process.env.SCALEFIT_THREADS;
    process.env.SCALEFIT_THREADS = threads;
    try {
      return bootstrapDraws(problem, { samples: 400, seed: 3, starts: [best.params] });
    } finally {
      if (before === undefined) delete process.env.SCALEFIT_THREADS;
      else process.env.SCALEFIT_THREADS = before;
    }
  };
  const alone = run("1");
  const shared = run("2");
  assert.equal(alone.onWorker, 0);
  // The worker loads through tsx here (a second or more), so it may join late, but it always joins: 400
  // refits of 240 points take longer than its start-up.
  assert.ok(shared.onWorker > 0, `the worker refitted ${shared.onWorker} of 400`);
  for (const s of chinchilla.params) assert.deepEqual(shared.draws[s.name], alone.draws[s.name], s.name);
  assert.equal(shared.escapes, alone.escapes);
});
