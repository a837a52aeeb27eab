/**
 * The trainer's matrix ops with the wasm kernels behind them (wasmBmm.ts, wasmGemm.ts, wasmSplit.ts): each
 * takes the kernel on the wasm backend when the kernels are on and the shape suits it, and plain TF.js ops
 * otherwise. None has a gradient (the model's backward pass is written out).
 */
import type * as TF from "@tensorflow/tfjs";
import { batchMatMulKernel, installBatchMatMul } from "./wasmBmm.js";
import { heapOffset, oncePerBackend, type WasmBackendInternals } from "./wasmBytes.js";
import { installMatMul, matMulKernel } from "./wasmGemm.js";
import { installSplit, splitKernel } from "./wasmSplit.js";

type Tf = typeof TF;

/**
 * Registers the gemm, batched-matmul and split kernels on the active wasm backend (once per backend
 * instance). Returns false when the backend is not wasm (callers then use tf.matMul).
 * @example if (registerWasmKernels(tf)) batchMatMul(tf, a, b)
 */
export function registerWasmKernels(tf: Tf): boolean {
  if (tf.getBackend() !== "wasm") return false;
  oncePerBackend(tf, "matmul", (backend) => {
    installBatchMatMul(tf, backend);
    installMatMul(tf, backend);
    installSplit(tf, backend);
  });
  return true;
}

/**
 * Copies a float tensor's values into `target` at `offset`: straight from the wasm heap when on wasm
 * (dataSync copies twice; this is one memcpy), through dataSync elsewhere.
 * @example readInto(tf, gradient, shared, 0)
 */
export function readInto(tf: Tf, x: TF.Tensor, target: Float32Array, offset: number): void {
  if (tf.getBackend() !== "wasm" || x.dtype !== "float32") {
    target.set(x.dataSync() as Float32Array, offset);
    return;
  }
  const backend = tf.backend() as unknown as WasmBackendInternals;
  target.set(new Float32Array(backend.wasm.asm.memory.buffer, heapOffset(backend, x), x.size), offset);
}

/**
 * Splits a flat float vector into consecutive pieces of the given sizes: a heap copy per piece on wasm
 * (registered), tf.split elsewhere.
 * @example const [a, b] = splitFlat(tf, flat, [3, 5])
 */
export function splitFlat(tf: Tf, x: TF.Tensor1D, sizes: readonly number[]): TF.Tensor1D[] {
  if (!registerWasmKernels(tf) || x.dtype !== "float32") return tf.split(x, [...sizes]) as TF.Tensor1D[];
  return tf.engine().runKernel(splitKernel, { x }, { sizes: [...sizes] }) as unknown as TF.Tensor1D[];
}

/**
 * The transpose of a matrix: by 8×8 blocks where both sides divide by 8 (faster than a 2-D transpose on
 * wasm).
 * @example transpose(tf, tf.zeros([16, 8])).shape // [8, 16]
 */
export function transpose(tf: Tf, x: TF.Tensor2D): TF.Tensor2D {
  const [rows, cols] = x.shape;
  if (rows % 8 !== 0 || cols % 8 !== 0) return tf.transpose(x);
  return tf.transpose(x.reshape([rows / 8, 8, cols / 8, 8]), [2, 3, 0, 1]).reshape([cols, rows]);
}

/**
 * A·B (+ bias), or Aᵀ·B with `transposeA`, for 2-D float tensors: the register-blocked SIMD gemm on wasm when
 * the kernels are on and the shape suits it (m a multiple of 4, n of 8); tf.matMul / tf.fused.matMul
 * otherwise. On wasm this beats XNNPACK in training, where every step brings new weights for it to pack, and
 * it reads A transposed in place (XNNPACK's Aᵀ·B is much slower than a transpose and A·B). No gradient.
 * @example const hidden = matMul(tf, x, w, true, { bias: b })
 */
export function matMul(
  tf: Tf,
  a: TF.Tensor2D,
  b: TF.Tensor2D,
  useKernel: boolean,
  options: { transposeA?: boolean; bias?: TF.Tensor1D } = {},
): TF.Tensor2D {
  const { transposeA = false, bias } = options;
  const m = a.shape[transposeA ? 1 : 0];
  const n = b.shape[1];
  if (!useKernel || m % 4 !== 0 || n % 8 !== 0 || a.dtype !== "float32" || b.dtype !== "float32") {
    // On wasm a blocked transpose and A·B beat XNNPACK's Aᵀ·B; other backends transpose inside the product.
    const left = transposeA && useKernel ? transpose(tf, a) : a;
    const transposed = transposeA && !useKernel;
    return bias
      ? (tf.fused.matMul({ a: left, b, bias, transposeA: transposed }) as TF.Tensor2D)
      : tf.matMul(left, b, transposed, false);
  }
  const inputs: TF.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  return tf.engine().runKernel(matMulKernel, inputs, { transposeA }) as TF.Tensor2D;
}

/**
 * A[b]·B[b] (or A[b]ᵀ·B[b] with `transposeA`) for float tensors of equal rank (2 to 4) and equal batch
 * dimensions: the SIMD kernel on wasm when registered and n is a multiple of 4, tf.matMul otherwise.
 * No gradient (the model's backward pass is written out).
 * @example const scores = batchMatMul(tf, q, kTransposed, true)
 */
export function batchMatMul<R extends TF.Rank>(
  tf: Tf,
  a: TF.Tensor<R>,
  b: TF.Tensor<R>,
  useKernel: boolean,
  transposeA = false,
): TF.Tensor<R> {
  const n = b.shape[b.shape.length - 1]!;
  if (!useKernel || n % 4 !== 0 || a.dtype !== "float32" || b.dtype !== "float32") {
    return tf.matMul(a, b, transposeA, false);
  }
  return tf.engine().runKernel(batchMatMulKernel, { a, b }, { transposeA }) as TF.Tensor<R>;
}
