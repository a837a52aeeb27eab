/**
 * A data-parallel training worker (parallel.ts): holds a copy of the model, and for each step reads the
 * weights from shared memory, computes the loss and gradients of its batch slice, and writes the gradients
 * back. Runs in a worker thread with its own TF.js.
 */
import { parentPort } from "node:worker_threads";
import type * as TF from "@tensorflow/tfjs";
import { randomSource } from "../random.js";
import { readInto, splitFlat } from "./wasmOps.js";
import { loadBackend } from "./backend.js";
import type { ModelConfig } from "./config.js";
import { disposeWorkspace, lossAndGradients, makeWorkspace, type Workspace } from "./model.js";
import { initWeights, namedWeights, type ModelWeights } from "./modelWeights.js";
import type { WorkerReply, WorkerRequest } from "./parallel.js";

let tf: typeof TF;
let model: ModelConfig;
let weights: ModelWeights;
let variables: TF.Variable[] = [];
let workspace: Workspace | undefined;
let floats: Float32Array;
let sizes: number[] = [];
let total = 0;
let gradOffset = 0;

const port = parentPort!;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

port.on("message", async (request: WorkerRequest) => {
  try {
    if (request.type === "init") {
      tf = (await loadBackend(request.backend)).tf;
      for (const v of variables) v.dispose();
      if (workspace) disposeWorkspace(workspace);
      model = request.model;
      weights = initWeights(tf, model, randomSource(0));
      variables = namedWeights(weights).map(([, v]) => v);
      workspace = makeWorkspace(tf, request.rows, request.seq);
      floats = new Float32Array(request.shared);
      sizes = request.sizes;
      total = sizes.reduce((a, b) => a + b, 0);
      gradOffset = request.gradOffset;
      return reply({ type: "ready" });
    }
    const loss = tf.tidy(() => {
      const pieces = splitFlat(tf, tf.tensor1d(floats.subarray(0, total)), sizes);
      variables.forEach((v, i) => v.assign(pieces[i]!.reshape(v.shape)));
      const { loss, gradients } = lossAndGradients(
        tf,
        model,
        weights,
        workspace!,
        request.inputs,
        request.targets,
      );
      let at = gradOffset;
      for (const g of gradients) {
        readInto(tf, g, floats, at);
        at += g.size;
      }
      return loss.dataSync()[0]!;
    });
    reply({ type: "done", loss });
  } catch (error) {
    reply({ type: "error", message: (error as Error).message });
  }
});
