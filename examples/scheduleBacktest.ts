/**
 * Does a curve law fitted to some LR schedules predict another? For each model size of a schedules sweep in a
 * scalefit database, fit `lr-anneal` and `multipower` to the training curves of two schedules (by default the
 * constant and the cosine runs) and predict the held-out ones (the WSD runs) at every logged step: the mean and
 * the largest |relative error| per held-out curve (PredE and WorstE of Luo et al. 2025).
 * Run it with `node --import tsx examples/scheduleBacktest.ts <db> [train-pattern,…] [eval|train] [d_model,…]` (the held-out
 * loss on fixed batches by default; the training loss is a noisier mean of recent batches), e.g. after
 * `npx scalefit import data/sweeps/kjv-schedules/sweep.parquet --db schedules.duckdb`.
 */
import { evaluateLaw, fitLaw, loadFitData, lrAnneal, multipower } from "scalefit";
import type { Observations } from "scalefit";

const db = process.argv[2] ?? "schedules.duckdb";
const trainPatterns = (process.argv[3] ?? "schedule=constant,schedule=cosine").split(",");
const lossKind = (process.argv[4] ?? "eval") as "train" | "eval";
const only = process.argv[5] ? process.argv[5].split(",") : undefined; // d_model values (default: every size)
const fromStep = Number(process.argv[6] ?? 0); // fit and score only steps ≥ this (default: every step)

/** The rows of `data` whose run satisfies `keep`, with their schedules. */
function subset(data: Observations, keep: (run: string) => boolean): Observations {
  const rows = data.loss
    .map((_, i) => i)
    .filter((i) => keep(data.run![i]!) && data.inputs.step![i]! >= fromStep);
  return {
    inputs: Object.fromEntries(
      Object.entries(data.inputs).map(([k, v]) => [k, Float64Array.from(rows, (i) => v[i]!)]),
    ),
    loss: Float64Array.from(rows, (i) => data.loss[i]!),
    run: Array.from(rows, (i) => data.run![i]!),
    schedules: data.schedules ?? {},
  };
}

const { observations: all } = await loadFitData({ db, lossKind }, lrAnneal);
const sizes = [...new Set(all.run!.map((run: string) => /dModel=(\d+)/.exec(run)?.[1] ?? "?"))];
for (const size of sizes.filter((s) => !only || only.includes(s))) {
  const ofSize = (run: string) => run.includes(`dModel=${size}_`);
  const isTrain = (run: string) => trainPatterns.some((p) => run.includes(p));
  const train = subset(all, (run) => ofSize(run) && isTrain(run));
  const held = subset(all, (run) => ofSize(run) && !isTrain(run));
  for (const law of [lrAnneal, multipower]) {
    const fit = fitLaw(law, train, { intervals: "none" });
    const predicted = evaluateLaw(law, fit.params, held, new Float64Array(held.loss.length));
    const perRun = new Map<string, { step: number; error: number }[]>();
    held.run!.forEach((run, i) => {
      const errors = perRun.get(run) ?? [];
      errors.push({
        step: held.inputs.step![i]!,
        error: Math.abs(predicted[i]! - held.loss[i]!) / held.loss[i]!,
      });
      perRun.set(run, errors);
    });
    const mean = (values: number[]) => values.reduce((s, e) => s + e, 0) / values.length;
    for (const [run, points] of perRun) {
      const errors = points.map((p) => p.error);
      // The second half of the run: where the held-out schedule's decay differs from the fitted ones.
      const last = Math.max(...points.map((p) => p.step));
      const late = points.filter((p) => p.step > last / 2).map((p) => p.error);
      console.log(
        `d_model ${size} ${law.name.padEnd(10)} fit on ${[...new Set(train.run)].length} curves → ${run.replace(/^.*schedule=/, "")}: mean |rel. error| ${(100 * mean(errors)).toFixed(3)}% (second half ${(100 * mean(late)).toFixed(3)}%), max ${(100 * Math.max(...errors)).toFixed(3)}%`,
      );
    }
  }
}
