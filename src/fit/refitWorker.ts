/**
 * The worker thread of `refitThreads.ts`: rebuilds the job's law from its name and spec, checks that it
 * predicts what the main thread's law does, then claims and refits samples until none are left.
 */
import { parentPort } from "node:worker_threads";
import { lawOfSpec } from "./artifact.js";
import { workerFailed, workerRunning, writeRefit, type RefitMessage } from "./refitThreads.js";
import {
  freeCount,
  itemCount,
  Resampler,
  refitOf,
  refitProblem,
  sampleOf,
  type RefitJob,
} from "./warmRefits.js";

parentPort?.on("message", (message: RefitMessage) => {
  void run(message);
});

async function run(message: RefitMessage): Promise<void> {
  const { control, state, results } = message;
  try {
    const job: RefitJob = { ...message.job, law: await lawOfSpec(message.law.name, message.law.spec) };
    const check = refitProblem(job, job.base).predictions(job.starts[0]!);
    if (!check.every((v, i) => Object.is(v, message.check[i]))) throw new Error("the rebuilt law differs");
    Atomics.store(control, 2, workerRunning);
    Atomics.notify(control, 2);
    const k = freeCount(job);
    const resampler = new Resampler(job);
    const scratch = new Float64Array(k + 2);
    const items = itemCount(job);
    for (;;) {
      const b = Atomics.add(control, 0, 1);
      if (b >= items) break;
      writeRefit(scratch, k, 0, refitOf(job, resampler.weightsOf(sampleOf(job, b))));
      // Written (and counted) only if the main thread has not taken this item over meanwhile.
      if (Atomics.compareExchange(state, b, 0, 3) === 0) {
        results.set(scratch, b * (k + 2));
        Atomics.store(state, b, 1);
        Atomics.add(control, 1, 1);
      }
      Atomics.notify(control, 1);
    }
  } catch {
    Atomics.store(control, 2, workerFailed);
    Atomics.notify(control, 1);
  }
}
