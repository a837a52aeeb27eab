/**
 * TensorFlow.js and its backend, loaded on first use (the fitting library never loads TF.js):
 * - `wasm` (default): @tensorflow/tfjs-backend-wasm, XNNPACK with SIMD, one thread in Node, plus our SIMD
 *   kernels (matmuls: wasmBmm.ts, wasmGemm.ts, LayerNorm: wasmLayerNorm.ts, fused element-wise: wasmFused.ts);
 * - `cpu`: TF.js's plain JavaScript kernels (slow; a fallback that always works);
 * - `tfjs-node` / `tfjs-node-gpu`: libtensorflow through @tensorflow/tfjs-node(-gpu), used when the user has
 *   installed them (their install downloads libtensorflow, so they are not dependencies of scalefit:
 *   `npm install @tensorflow/tfjs-node@4.22.0`, or `-gpu` with CUDA 11.2 / cuDNN 8.1 on Linux).
 * `auto` takes tfjs-node-gpu, then tfjs-node, when importable, else wasm, else cpu.
 */
import type * as TF from "@tensorflow/tfjs";
import { UserError } from "../errors.js";

/**
 * Backends `--backend` accepts.
 * @example backendNames // ["auto", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu"]
 */
export const backendNames = ["auto", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu"] as const;
export type BackendName = (typeof backendNames)[number];

/** A loaded TF.js with its active backend. */
export interface LoadedBackend {
  tf: typeof TF;
  /** What was asked for, resolved: wasm, cpu, tfjs-node or tfjs-node-gpu. */
  name: Exclude<BackendName, "auto">;
  /** TF.js's own backend name (wasm, cpu, tensorflow). */
  tfBackend: string;
}

let tfModule: typeof TF | undefined;

async function loadTf(): Promise<typeof TF> {
  if (!tfModule) {
    tfModule = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-wasm");
  }
  return tfModule;
}

async function tryNode(gpu: boolean): Promise<boolean> {
  try {
    await import(gpu ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads TF.js and activates a backend; an unknown or unavailable backend is a UserError naming it.
 * @example const { tf, name } = await loadBackend("wasm")
 */
export async function loadBackend(requested: string = "auto"): Promise<LoadedBackend> {
  if (!(backendNames as readonly string[]).includes(requested)) {
    throw new UserError(`unknown --backend ${requested} (expected ${backendNames.join(", ")})`);
  }
  const tf = await loadTf();
  const activate = async (tfName: string) => {
    try {
      return (await tf.setBackend(tfName)) && tf.getBackend() === tfName;
    } catch {
      return false;
    }
  };
  const node = async (gpu: boolean) => (await tryNode(gpu)) && (await activate("tensorflow"));
  const order: Array<Exclude<BackendName, "auto">> =
    requested === "auto"
      ? ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"]
      : [requested as Exclude<BackendName, "auto">];
  for (const name of order) {
    const ok =
      name === "tfjs-node-gpu" || name === "tfjs-node"
        ? await node(name === "tfjs-node-gpu")
        : await activate(name);
    if (ok) return { tf, name, tfBackend: tf.getBackend() };
    if (requested !== "auto") {
      const hint =
        name === "tfjs-node" || name === "tfjs-node-gpu"
          ? ` (install it: npm install @tensorflow/${name}@4.22.0; its install downloads libtensorflow)`
          : "";
      throw new UserError(`--backend ${name} is not available here${hint}`);
    }
  }
  throw new UserError("no TF.js backend could start (tried tfjs-node-gpu, tfjs-node, wasm, cpu)");
}
