/**
 * The split kernel for the wasm backend: a flat float vector cut into consecutive pieces by one memmove per
 * piece on the backend's heap (TF.js's own split and slice are far slower for the many pieces of a model's
 * flat parameter vector).
 */
import type * as TF from "@tensorflow/tfjs";
import { heapOffset, type WasmBackendInternals, replaceWasmKernel } from "./wasmBytes.js";

type Tf = typeof TF;

/** The split kernel's name in TF.js's registry. */
export const splitKernel = "ScalefitSplit";

/**
 * Registers the split kernel (attribute `sizes`) for a wasm backend's heap, replacing the registration for an
 * earlier backend instance.
 * @example installSplit(tf, tf.backend() as unknown as WasmBackendInternals)
 */
export function installSplit(tf: Tf, backend: WasmBackendInternals): void {
  const memory = backend.wasm.asm.memory;
  replaceWasmKernel(tf, splitKernel, ({ inputs, backend: kernelBackend, attrs }) => {
    const { x } = inputs as { x: TF.TensorInfo };
    const sizes = (attrs as { sizes: number[] }).sizes;
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const outs = sizes.map((size) => wasm.makeOutput([size], "float32"));
    const heap = new Uint8Array(memory.buffer);
    let from = heapOffset(wasm, x);
    sizes.forEach((size, i) => {
      const to = heapOffset(wasm, outs[i]!);
      heap.copyWithin(to, from, from + 4 * size);
      from += 4 * size;
    });
    return outs;
  });
}
