/**
 * Data-parallel training on several cores: the wasm backend runs one thread per process, so each extra core
 * gets a worker thread with its own TF.js and a copy of the model. Every step the main thread writes the
 * weights into shared memory, each worker computes the loss and gradients of its share of the batch and
 * writes them back, and the main thread averages them (weighted by rows) and takes the optimiser step.
 * The result equals single-threaded training up to float rounding (the batch mean is a weighted mean of
 * slice means).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type * as TF from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.js";
import type { Batch } from "./corpus.js";
import { readInto } from "./wasmOps.js";

/** Messages to a worker. */
export type WorkerRequest =
  | {
      type: "init";
      backend: string;
      model: ModelConfig;
      rows: number;
      seq: number;
      shared: SharedArrayBuffer;
      sizes: number[];
      gradOffset: number;
    }
  | { type: "step"; inputs: Int32Array; targets: Int32Array };

/** Messages from a worker. */
export type WorkerReply =
  { type: "ready" } | { type: "done"; loss: number } | { type: "error"; message: string };

/** The worker script: the compiled one next to this module, or the TypeScript source through tsx's loader. */
function workerScript(): { path: string; eval?: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const path = here.replace(/parallel\.ts$/, "trainWorker.ts");
    return {
      path,
      eval: `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(path).href)}); })`,
    };
  }
  // The bundled CLI lives in dist/cli-bundle; the compiled modules in dist/trainers.
  const compiled = here.includes(`${join("dist", "cli-bundle")}`)
    ? join(here, "..", "..", "trainers", "trainWorker.js")
    : join(here, "..", "trainWorker.js");
  return { path: compiled };
}

/**
 * How many threads to train with: `requested` if given, else all cores (at most 4) when a step is big
 * enough to pay for the exchange (≥ 2·10⁸ FLOPs), else 1; never more than the batch.
 * @example trainingThreads(undefined, 16, 2e9) // 2 on a two-core machine
 */
export function trainingThreads(requested: number | undefined, batch: number, stepFlops: number): number {
  const cores = Math.max(1, Math.min(4, availableParallelism()));
  const wanted = requested ?? (stepFlops >= 2e8 ? cores : 1);
  return Math.max(1, Math.min(wanted, batch));
}

interface Helper {
  worker: Worker;
  pending?: { resolve(reply: WorkerReply): void; reject(error: Error): void };
}

/** A pool of worker threads computing gradients of batch slices. */
export class GradientPool {
  private helpers: Helper[] = [];
  private shared?: SharedArrayBuffer;
  private floats?: Float32Array;
  private sizes: number[] = [];
  private total = 0;

  private constructor(readonly size: number) {}

  /**
   * Starts `helpers` worker threads (0 is allowed: a pool that does nothing).
   * @example const pool = await GradientPool.start(1)
   */
  static async start(helpers: number): Promise<GradientPool> {
    const pool = new GradientPool(helpers);
    const script = workerScript();
    if (helpers > 0 && !existsSync(script.path))
      throw new Error(`trainer worker script missing: ${script.path} (run npm run build)`);
    for (let i = 0; i < helpers; i++) {
      const worker = script.eval ? new Worker(script.eval, { eval: true }) : new Worker(script.path);
      const helper: Helper = { worker };
      worker.on("message", (reply: WorkerReply) => {
        const pending = helper.pending;
        helper.pending = undefined;
        if (!pending) return;
        if (reply.type === "error") pending.reject(new Error(`trainer worker: ${reply.message}`));
        else pending.resolve(reply);
      });
      worker.on("error", (error) => {
        const pending = helper.pending;
        helper.pending = undefined;
        pending?.reject(error);
      });
      pool.helpers.push(helper);
    }
    return pool;
  }

  private send(helper: Helper, request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      helper.pending = { resolve, reject };
      helper.worker.postMessage(request, transfer);
    });
  }

  /**
   * Sets up every worker for a model and its share of the batch: `rows[h]` sequences for helper h.
   * @example await pool.init("wasm", model, [8], 64, sizes)
   */
  async init(
    backend: string,
    model: ModelConfig,
    rows: number[],
    seq: number,
    sizes: number[],
  ): Promise<void> {
    this.sizes = sizes;
    this.total = sizes.reduce((a, b) => a + b, 0);
    // One region of weights, then one region of gradients per helper.
    this.shared = new SharedArrayBuffer(4 * this.total * (1 + this.helpers.length));
    this.floats = new Float32Array(this.shared);
    await Promise.all(
      this.helpers.map((helper, h) =>
        this.send(helper, {
          type: "init",
          backend,
          model,
          rows: rows[h]!,
          seq,
          shared: this.shared!,
          sizes,
          gradOffset: this.total * (1 + h),
        }),
      ),
    );
  }

  /** Copies the weights into shared memory for the workers. */
  writeWeights(tf: typeof TF, weights: readonly TF.Variable[]): void {
    let offset = 0;
    weights.forEach((w, i) => {
      readInto(tf, w, this.floats!, offset);
      offset += this.sizes[i]!;
    });
  }

  /** Starts the workers on their slices (batches with the helpers' rows); resolves with their losses. */
  run(slices: readonly Batch[]): Promise<number[]> {
    return Promise.all(
      this.helpers.map(async (helper, h) => {
        const reply = await this.send(helper, {
          type: "step",
          inputs: slices[h]!.inputs,
          targets: slices[h]!.targets,
        });
        return reply.type === "done" ? reply.loss : NaN;
      }),
    );
  }

  /** Helper h's flat gradient (a view into shared memory). */
  gradients(h: number): Float32Array {
    const offset = this.total * (1 + h);
    return this.floats!.subarray(offset, offset + this.total);
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.worker.terminate()));
    this.helpers = [];
  }
}
