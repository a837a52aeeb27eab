/**
 * TensorFlow.js and its backend, loaded on first use (the fitting library never loads TF.js):
 * - `wasm` (default): @tensorflow/tfjs-backend-wasm, XNNPACK with SIMD, one thread in Node, plus our SIMD
 *   kernels (matmuls: wasmBmm.ts, wasmGemm.ts, LayerNorm: wasmLayerNorm.ts, fused element-wise: wasmFused.ts);
 * - `cpu`: TF.js's plain JavaScript kernels (slow; a fallback that always works);
 * - `tfjs-node` / `tfjs-node-gpu`: libtensorflow through @tensorflow/tfjs-node(-gpu), used when the user has
 *   installed them (their install downloads libtensorflow, so they are not dependencies of scalefit:
 *   `npm install @tensorflow/tfjs-node@4.22.0`, or `-gpu` with CUDA 11.2 / cuDNN 8.1 on Linux).
 * - `webgpu`: @tensorflow/tfjs-backend-webgpu on Dawn through the `webgpu` npm package, when the user has
 *   installed both (`npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`: 151 MB, Dawn's prebuilt
 *   binaries for every platform) and Dawn finds an adapter (a GPU with a Vulkan, Metal or D3D12 driver).
 * `auto` takes tfjs-node-gpu, then webgpu (with an adapter), then tfjs-node, when importable, else wasm, else cpu.
 */
import type * as TF from "@tensorflow/tfjs";
import { UserError } from "../errors.js";

/**
 * Backends `--backend` accepts.
 * @example backendNames // ["auto", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu", "webgpu"]
 */
export const backendNames = ["auto", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu", "webgpu"] as const;
export type BackendName = (typeof backendNames)[number];

/** A loaded TF.js with its active backend. */
export interface LoadedBackend {
  tf: typeof TF;
  /** What was asked for, resolved: wasm, cpu, tfjs-node, tfjs-node-gpu or webgpu. */
  name: Exclude<BackendName, "auto">;
  /** TF.js's own backend name (wasm, cpu, tensorflow, webgpu). */
  tfBackend: string;
  /** The GPU adapter's description, on webgpu. */
  adapter?: string;
}

/** Why webgpu cannot start here, or the adapter it found. */
type WebGpuProbe = { ok: true; adapter: string } | { ok: false; reason: string };

let webGpuProbe: WebGpuProbe | undefined;

const webGpuInstall = "npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0";

/**
 * Dawn through the optional `webgpu` package: installs `navigator.gpu` and the WebGPU globals TF.js's webgpu
 * backend expects in Node, and asks for an adapter. The packages are imported by name at run time (they are
 * not dependencies).
 */
async function probeWebGpu(): Promise<WebGpuProbe> {
  if (webGpuProbe) return webGpuProbe;
  const dawn = "webgpu";
  const backend = "@tensorflow/tfjs-backend-webgpu";
  let module: { create(options: string[]): { requestAdapter(): Promise<unknown> }; globals: object };
  try {
    module = (await import(dawn)) as typeof module;
  } catch {
    return (webGpuProbe = { ok: false, reason: `is not installed (${webGpuInstall})` });
  }
  // TF.js's webgpu backend registers itself on import only where navigator.gpu exists: set it first.
  Object.assign(globalThis, module.globals);
  const gpu = module.create([]);
  Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  try {
    // A bundle that carries TF.js's webgpu backend (bench/gpu.ts) has registered it already.
    const tf = await loadTf();
    if (!tf.findBackendFactory("webgpu")) await import(backend);
  } catch {
    return (webGpuProbe = { ok: false, reason: `is not installed (${webGpuInstall})` });
  }
  const adapter = (await gpu.requestAdapter()) as {
    info?: { vendor?: string; architecture?: string; description?: string };
  } | null;
  if (!adapter)
    return (webGpuProbe = {
      ok: false,
      reason: "found no WebGPU adapter (Dawn needs a GPU with a Vulkan, Metal or D3D12 driver)",
    });
  const info = adapter.info ?? {};
  return (webGpuProbe = {
    ok: true,
    adapter:
      [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unnamed adapter",
  });
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
      ? ["tfjs-node-gpu", "webgpu", "tfjs-node", "wasm", "cpu"]
      : [requested as Exclude<BackendName, "auto">];
  for (const name of order) {
    if (name === "webgpu") {
      const probe = await probeWebGpu();
      if (probe.ok && (await activate("webgpu")))
        return { tf, name, tfBackend: tf.getBackend(), adapter: probe.adapter };
      if (requested === "auto") continue;
      throw new UserError(
        `--backend webgpu ${probe.ok ? `found ${probe.adapter} but TF.js's webgpu backend did not start on it` : probe.reason}`,
      );
    }
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
  throw new UserError("no TF.js backend could start (tried tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu)");
}
