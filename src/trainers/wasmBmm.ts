/**
 * The batched-matmul kernel for the wasm backend, C[b] = A[b]·B[b] (or A[b]ᵀ·B[b]), in WebAssembly SIMD,
 * working in place on the backend's own heap (no copies). The wasm backend sends a matmul to XNNPACK only when
 * the right operand is one matrix; attention's per-(batch, head) products fall to a scalar loop. This is a
 * 1×16 register-blocked f32x4 loop (A's element splatted, four 4-wide rows of B accumulated).
 *
 * The module is emitted here byte by byte (wasmBytes.ts, no toolchain needed): it imports the backend's memory
 * and exports `bmm(a, b, c, batch, m, k, n, aRowStride, aColStride)`, with byte offsets and strides (A or Aᵀ),
 * row-major; n a multiple of 4.
 */
import type * as TF from "@tensorflow/tfjs";
import {
  add,
  block,
  br,
  brIf,
  byteOffset,
  end,
  f32Load,
  f32x4Add,
  f32x4Mul,
  f32x4Splat,
  functionCode,
  get,
  gtU,
  heapOffset,
  I32,
  i32,
  increment,
  instantiate,
  loop,
  memoryModule,
  mul,
  repeated,
  repeatWhileBelow,
  set,
  V128,
  v128Load,
  v128Store,
  v128Zero,
  type WasmBackendInternals,
  replaceWasmKernel,
} from "./wasmBytes.js";

type Tf = typeof TF;

/** The batched-matmul kernel's name in TF.js's registry. */
export const batchMatMulKernel = "ScalefitBatchMatMul";

// Parameters and locals of bmm.
const [A, B, C, BATCH, M, K, N, AROWSTRIDE, ACOLSTRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [BI, I, J, P, AROW, APTR, BPTR, CROW, ABASE, BBASE, CBASE] = [
  9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
];
const ACC = 20; // four v128 accumulators 20..23
const SPLAT = 24;

/** The inner loops over columns `width` (16 or 4) at a time, while j + width <= n. */
function columnLoop(width: 16 | 4): number[] {
  const vectors = width / 4;
  const accumulate: number[] = [];
  for (let v = 0; v < vectors; v++) {
    accumulate.push(
      ...get(ACC + v),
      ...get(SPLAT),
      ...get(BPTR),
      ...v128Load(16 * v),
      ...f32x4Mul,
      ...f32x4Add,
      ...set(ACC + v),
    );
  }
  const store: number[] = [];
  for (let v = 0; v < vectors; v++) {
    store.push(...byteOffset(CROW, J), ...get(ACC + v), ...v128Store(16 * v));
  }
  const zero: number[] = [];
  for (let v = 0; v < vectors; v++) zero.push(...v128Zero, ...set(ACC + v));
  return [
    ...block,
    ...loop,
    // exit when j + width > n
    ...get(J),
    ...i32(width),
    ...add,
    ...get(N),
    ...gtU,
    ...brIf(1),
    ...zero,
    ...i32(0),
    ...set(P),
    ...get(AROW),
    ...set(APTR),
    ...byteOffset(BBASE, J),
    ...set(BPTR),
    ...loop,
    ...get(APTR),
    ...f32Load,
    ...f32x4Splat,
    ...set(SPLAT),
    ...accumulate,
    ...increment(APTR, get(ACOLSTRIDE)),
    ...increment(BPTR, [...get(N), ...i32(4), ...mul]),
    ...increment(P, i32(1)),
    ...repeatWhileBelow(P, K),
    ...end,
    ...store,
    ...increment(J, i32(width)),
    ...br(0),
    ...end,
    ...end,
  ];
}

/** The code of bmm: batch items, rows of A, then 16 and 4 columns at a time. */
function bmmCode(): number[] {
  const body = [
    ...i32(0),
    ...set(BI),
    ...loop,
    // per batch item: bases of A, B, C
    ...byteOffset(A, BI, M, K),
    ...set(ABASE),
    ...byteOffset(B, BI, K, N),
    ...set(BBASE),
    ...byteOffset(C, BI, M, N),
    ...set(CBASE),
    ...i32(0),
    ...set(I),
    ...loop,
    // row i of A (its stride is the caller's: A or Aᵀ) and of C
    ...get(ABASE),
    ...get(I),
    ...get(AROWSTRIDE),
    ...mul,
    ...add,
    ...set(AROW),
    ...byteOffset(CBASE, I, N),
    ...set(CROW),
    ...i32(0),
    ...set(J),
    ...columnLoop(16),
    ...columnLoop(4),
    ...increment(I, i32(1)),
    ...repeatWhileBelow(I, M),
    ...end,
    ...increment(BI, i32(1)),
    ...repeatWhileBelow(BI, BATCH),
    ...end,
    ...end,
  ];
  return functionCode(
    [
      [11, I32],
      [5, V128],
    ],
    body,
  );
}

type Bmm = (
  a: number,
  b: number,
  c: number,
  batch: number,
  m: number,
  k: number,
  n: number,
  aRowStride: number,
  aColStride: number,
) => void;

/**
 * Compiles bmm against a wasm backend's heap and registers it as `batchMatMulKernel` (a kernel registration is
 * global to the name: registering for a new backend instance replaces the old one).
 * @example installBatchMatMul(tf, tf.backend() as unknown as WasmBackendInternals)
 */
export function installBatchMatMul(tf: Tf, backend: WasmBackendInternals): void {
  const module = memoryModule([{ name: "bmm", params: repeated(I32, 9), code: bmmCode() }]);
  const bmm = instantiate(module, backend.wasm.asm.memory).bmm as Bmm;
  replaceWasmKernel(tf, batchMatMulKernel, ({ inputs, backend: kernelBackend, attrs }) => {
    const { a, b } = inputs as { a: TF.TensorInfo; b: TF.TensorInfo };
    const transposeA = (attrs as { transposeA?: boolean } | undefined)?.transposeA === true;
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const rank = a.shape.length;
    const [rowsA, colsA] = a.shape.slice(rank - 2) as [number, number];
    const [m, k] = transposeA ? [colsA, rowsA] : [rowsA, colsA];
    const n = b.shape[rank - 1]!;
    const batch = a.shape.slice(0, rank - 2).reduce((x, y) => x * y, 1);
    const out = wasm.makeOutput([...a.shape.slice(0, rank - 2), m, n], "float32");
    bmm(
      heapOffset(wasm, a),
      heapOffset(wasm, b),
      heapOffset(wasm, out),
      batch,
      m,
      k,
      n,
      transposeA ? 4 : 4 * k,
      transposeA ? 4 * m : 4,
    );
    return out;
  });
}
