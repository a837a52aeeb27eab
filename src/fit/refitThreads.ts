import type { Worker as NodeWorker } from "node:worker_threads";
import {
  freeCount,
  itemCount,
  Resampler,
  refitOf,
  refitProblem,
  sampleOf,
  type RefitJob,
  type WarmRefit,
} from "./warmRefits.js";

/**
 * Bootstrap refits on two threads. The main thread and one worker thread claim samples from a shared counter;
 * each refit is a pure function of its sample number (its resample comes from the job's seeded stream, which
 * every thread runs through in order), so the draws are the same bit for bit on one thread or two, and
 * whichever thread is free takes the next sample. The worker is started only when the refits left would take
 * longer than it takes to start one (~0.1 s compiled, more through tsx), kept for later fits, and never holds
 * the process open. Node only: without `process.getBuiltinModule` (a browser) everything runs here.
 * `SCALEFIT_THREADS=1` keeps every refit on the main thread; `SCALEFIT_THREADS=2` starts the worker for every
 * bootstrap and waits for it to be ready before the first refit (the tests check that both give the same draws).
 */

const threadsSetting = () => globalThis.process?.env?.SCALEFIT_THREADS;

/**
 * The refits of a job, one row per item (every sample, or the job's `escapes`): internal coordinates
 * (items × k, NaN where none), cost, convergence.
 */
export interface WarmRefits {
  readonly x: Float64Array;
  readonly cost: Float64Array;
  readonly converged: Uint8Array;
  /** Samples the worker thread refitted. */
  readonly onWorker: number;
}

/** The message a worker gets: the job with its law named, and the shared arrays it writes into. */
export interface RefitMessage {
  readonly job: Omit<RefitJob, "law">;
  readonly law: { readonly name: string; readonly spec: Readonly<Record<string, unknown>> };
  /** The main thread's predictions at the first start: the worker's law must give the same, bit for bit. */
  readonly check: Float64Array;
  /** [next sample to claim, samples finished by the worker, worker state]. */
  readonly control: Int32Array;
  /** Per sample: 0 pending, 1 written by the worker, 2 taken over by the main thread, 3 being written. */
  readonly state: Int32Array;
  /** Per sample: k internal coordinates, the cost, 1 if converged. */
  readonly results: Float64Array;
}

/** Worker states in `control[2]`. */
export const workerRunning = 1;
export const workerFailed = 2;

/** Writes one refit into its row of `results`. */
export function writeRefit(results: Float64Array, k: number, b: number, fit: WarmRefit): void {
  const row = b * (k + 2);
  for (let j = 0; j < k; j++) results[row + j] = fit.x ? fit.x[j]! : NaN;
  results[row + k] = fit.x ? fit.cost : Infinity;
  results[row + k + 1] = fit.converged ? 1 : 0;
}

/**
 * The refits left (in seconds of this thread's time) above which a worker is worth starting. Measured on 2
 * cores: the worker's start-up (loading the modules, compiling its code) slows the main thread while it lasts,
 * so `fit --law power --x N` on Epoch's 240 points (about 0.9 s of refits) took 0.98–1.03 s with a worker
 * started after 8 refits and 0.92–0.96 s without; multipower's 100 refits on Luo et al.'s 25M curves 8.6 s
 * against 12.5 s, data-constrained on Muennighoff et al.'s runs 4.9 s against 7.4 s (8.0 s), qat's 100 refits
 * of 504 runs 43.5 s against 85 s. Judged at the pace of warm refits (`probe`), power and kaplan start none.
 * With whitened refits, refits 32–64 were still judged cold and started a worker for power (0.97–1.00 s against
 * 0.86–0.92 s on one thread); judging from 128 on, it starts none (whole process 0.84–1.20 s, median 0.96,
 * kaplan 0.98–1.15 s, 6 runs each, 2026-12-03).
 */
const startWorth = 1;
/** Refits timed cold before the first judgement (at twice as many). */
const probe = 64;

let helper: { worker: NodeWorker; broken: boolean } | undefined;

/**
 * Runs `refitOf` for every item of the job (every sample, or its `escapes`); `onDone(count)` after each.
 * @example const {x, cost, converged} = warmRefitsOf(job, (done) => bar.update(done))
 */
export function warmRefitsOf(job: RefitJob, onDone?: (done: number) => void): WarmRefits {
  const k = freeCount(job);
  const samples = itemCount(job);
  const control = new Int32Array(sharedBuffer(12));
  const state = new Int32Array(sharedBuffer(4 * samples));
  const results = new Float64Array(sharedBuffer(8 * samples * (k + 2)));
  const resampler = new Resampler(job);
  const mine = new Uint8Array(samples);
  let done = 0;
  let started = false;
  let slowest = 0;
  const begin = performance.now();
  let judged = { at: begin, done: 0 };
  let nextJudgement = probe;
  const refitHere = (b: number, stream: Resampler) => {
    const start = performance.now();
    writeRefit(results, k, b, refitOf(job, stream.weightsOf(sampleOf(job, b))));
    slowest = Math.max(slowest, performance.now() - start);
    onDone?.(++done + Atomics.load(control, 1));
  };
  if (threadsSetting() === "2" && startHelper(job, { control, state, results })) {
    // Forced (tests, benchmarks): the worker is ready before the first claim, so it takes part for sure.
    started = true;
    while (Atomics.load(control, 2) === 0 && performance.now() - begin < 30_000)
      Atomics.wait(control, 2, 0, 100);
  }
  for (;;) {
    const b = Atomics.add(control, 0, 1);
    if (b >= samples) break;
    mine[b] = 1;
    refitHere(b, resampler);
    // The first `probe` refits run cold (the JIT compiling the law and the whitened refit: 3 ms each where
    // later ones take 0.4 ms for `power`, and refits 32–64 still 1.3 ms), so they are only timed; from
    // 2·probe on, each judgement at 2× as many refits projects the rest at the pace since the one before.
    // Refits already slow when cold (over 0.2 s so far) are judged at once.
    const now = performance.now();
    const slow = judged.done === 0 && now - begin > 200;
    if (!started && (done === nextJudgement || slow)) {
      const left = ((samples - b - 1) * (now - judged.at)) / (done - judged.done) / 1000;
      if ((judged.done > 0 || slow) && left > startWorth)
        started = startHelper(job, { control, state, results });
      judged = { at: now, done };
      nextJudgement = 2 * Math.max(done, probe);
    }
  }
  if (started) {
    // The worker's samples: wait for each, or take it over when the worker failed or stopped answering.
    const takeovers = new Resampler(job);
    let lastProgress = performance.now();
    let finished = Atomics.load(control, 1);
    const patience = Math.max(10_000, 50 * slowest);
    for (let b = 0; b < samples; b++) {
      if (mine[b]) continue;
      while (Atomics.load(state, b) !== 1) {
        const stalled = performance.now() - lastProgress > patience;
        if (
          (Atomics.load(control, 2) === workerFailed || stalled) &&
          Atomics.compareExchange(state, b, 0, 2) === 0
        ) {
          refitHere(b, takeovers);
          break;
        }
        Atomics.wait(control, 1, finished, 50);
        const now = Atomics.load(control, 1);
        if (now !== finished) {
          finished = now;
          lastProgress = performance.now();
          onDone?.(done + finished);
        }
      }
    }
  }
  const x = new Float64Array(samples * k);
  const cost = new Float64Array(samples);
  const converged = new Uint8Array(samples);
  for (let b = 0; b < samples; b++) {
    const row = b * (k + 2);
    for (let j = 0; j < k; j++) x[b * k + j] = results[row + j]!;
    cost[b] = results[row + k]!;
    converged[b] = results[row + k + 1]!;
  }
  return { x, cost, converged, onWorker: Atomics.load(control, 1) };
}

/**
 * Memory the worker can share; a plain buffer where there is no SharedArrayBuffer (a browser page that is not
 * cross-origin isolated, as the notebooks are), and then no worker is started either.
 */
function sharedBuffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
  return typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Starts the worker thread if there is none; false where none can run (a browser, one core, `SCALEFIT_THREADS=1`). */
function prepareRefitThreads(): boolean {
  const node = globalThis.process;
  if (!node?.getBuiltinModule || threadsSetting() === "1") return false;
  const os = node.getBuiltinModule("node:os");
  if (os.availableParallelism() < 2 && threadsSetting() !== "2") return false;
  if (helper?.broken) return false;
  if (!helper) {
    const threads = node.getBuiltinModule("node:worker_threads");
    const script = workerScript(node);
    if (!script) return false;
    const worker = script.eval
      ? new threads.Worker(script.eval, { eval: true })
      : new threads.Worker(script.path);
    worker.unref();
    const current = { worker, broken: false };
    const broken = () => {
      current.broken = true;
      if (helper === current) helper = undefined;
    };
    worker.on("error", broken);
    worker.on("exit", broken);
    helper = current;
  }
  return true;
}

/** Posts the job to the worker (started now if need be); false where no worker can run it. */
function startHelper(job: RefitJob, shared: Pick<RefitMessage, "control" | "state" | "results">): boolean {
  if (!prepareRefitThreads() || !helper) return false;
  const { law, ...rest } = job;
  const check = refitProblem(job, job.base).predictions(job.starts[0]!);
  const message: RefitMessage = {
    job: rest,
    law: { name: law.name, spec: law.spec ?? {} },
    check,
    ...shared,
  };
  helper.worker.postMessage(message);
  return true;
}

/** The worker script beside this module: compiled (also from dist/cli-bundle), or the source through tsx. */
function workerScript(node: NodeJS.Process): { path: string; eval?: string } | undefined {
  const { fileURLToPath, pathToFileURL } = node.getBuiltinModule("node:url");
  const { dirname, join, sep } = node.getBuiltinModule("node:path");
  const { existsSync } = node.getBuiltinModule("node:fs");
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const path = join(dirname(here), "refitWorker.ts");
    const url = JSON.stringify(pathToFileURL(path).href);
    return { path, eval: `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${url}); })` };
  }
  const bundled = dirname(here).endsWith(`${sep}cli-bundle`);
  const path = bundled
    ? join(dirname(here), "..", "fit", "refitWorker.js")
    : join(dirname(here), "refitWorker.js");
  return existsSync(path) ? { path } : undefined;
}
