/**
 * Custom TF.js kernels for the wasm backend, in WebAssembly SIMD, working in place on the backend's own heap
 * (no copies):
 *
 * - `bmm`, batched matmul C[b] = A[b]·B[b]. The wasm backend sends a matmul to XNNPACK only when the right
 *   operand is one matrix; attention's per-(batch, head) products fall to a scalar loop at ~2 GFLOP/s, 40 % of
 *   a training step at d_model 64 (tf.profile of bench/trainer.ts's model). This is a 1×16 register-blocked f32x4 loop
 *   (A's element splatted, four 4-wide rows of B accumulated), about 14× faster on those shapes (0.28 ms
 *   against 3.9 ms for [64×64]·[64×16] in 64 batches, measured).
 * - `gemm`, C = A·B (+ bias) or Aᵀ·B for one pair of matrices: 4 rows × 8 columns of C in eight f32x4
 *   accumulators, the reduction in cache-sized blocks. In training XNNPACK packs every step's new weights
 *   again and needs A transposed first for a weight gradient; this kernel does neither: 37–48 GFLOP/s on the
 *   trainer's shapes against XNNPACK's 25–35 (with its packing cached), and a d_model 128 step on one thread
 *   went from 152 to 96 ms (tf.profile of bench/trainer.ts's model, batch 16).
 *
 * The module is emitted here byte by byte (no toolchain needed): it imports the backend's memory and exports
 * `bmm(a, b, c, batch, m, k, n, aRowStride, aColStride)` and
 * `gemm(a, b, c, bias, useBias, m, k, n, aRowStride, aColStride, kBlock)`, with byte offsets and strides
 * (A or Aᵀ), row-major; bmm needs n a multiple of 4, gemm m a multiple of 4 and n of 8.
 */
import type * as TF from "@tensorflow/tfjs";
import {
  add,
  block,
  br,
  brIf,
  byteOffset,
  elseOp,
  end,
  eqz,
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
  ifEmpty,
  increment,
  instantiate,
  loop,
  matrixOffset,
  memoryModule,
  mul,
  repeated,
  repeatWhileBelow,
  select,
  set,
  V128,
  v128Load,
  v128Load32Splat,
  v128Store,
  v128Zero,
  type WasmBackendInternals,
  oncePerBackend,
  replaceWasmKernel,
} from "./wasmBytes.js";

type Tf = typeof TF;

/** The kernels' names in TF.js's registry. */
export const batchMatMulKernel = "ScalefitBatchMatMul";
export const splitKernel = "ScalefitSplit";
export const matMulKernel = "ScalefitMatMul";

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

// ---- gemm: C = A·B (+ bias) for 2-D operands, register-blocked 4 rows × 8 columns ----------------------------

// Parameters and locals of gemm.
const G = {
  a: 0,
  b: 1,
  c: 2,
  bias: 3,
  useBias: 4,
  m: 5,
  k: 6,
  n: 7,
  rowStride: 8,
  colStride: 9,
  kBlock: 10,
  // i32 locals
  k0: 11,
  kEnd: 12,
  j: 13,
  i: 14,
  p: 15,
  a0: 16,
  a1: 17,
  a2: 18,
  a3: 19,
  bp: 20,
  cr: 21,
  n4: 22,
  // v128 locals
  acc: 23, // 8 accumulators 23..30: row r, half h at 23 + 2r + h
  b0: 31,
  b1: 32,
  av: 33,
} as const;

/** The body of gemm. */
function gemmBody(): number[] {
  const acc = (r: number, h: number) => G.acc + 2 * r + h;
  const forEachAcc = (f: (r: number, h: number) => number[]) =>
    [0, 1, 2, 3].flatMap((r) => [0, 1].flatMap((h) => f(r, h)));
  // acc += a·b as a multiply and an add: relaxed SIMD's fused multiply-add was no faster here (measured) and
  // needs a V8 flag in Node 20.
  const madd = (r: number, h: number) => [
    ...get(acc(r, h)),
    ...get(G.av),
    ...get(h === 0 ? G.b0 : G.b1),
    ...f32x4Mul,
    ...f32x4Add,
    ...set(acc(r, h)),
  ];
  const aPointer = [G.a0, G.a1, G.a2, G.a3];
  // C's row pointer for rows i.. at column j: c + (i·n + j)·4
  const rowPointer = [...matrixOffset(G.c, G.i, G.n, G.j), ...set(G.cr)];
  const nextRow = increment(G.cr, get(G.n4));
  const loadC = [0, 1, 2, 3].flatMap((r) => [
    ...[0, 1].flatMap((h) => [...get(G.cr), ...v128Load(16 * h), ...set(acc(r, h))]),
    ...nextRow,
  ]);
  const storeC = [0, 1, 2, 3].flatMap((r) => [
    ...[0, 1].flatMap((h) => [...get(G.cr), ...get(acc(r, h)), ...v128Store(16 * h)]),
    ...nextRow,
  ]);
  const initBias = forEachAcc((r, h) => [...byteOffset(G.bias, G.j), ...v128Load(16 * h), ...set(acc(r, h))]);
  const initZero = forEachAcc((r, h) => [...v128Zero, ...set(acc(r, h))]);
  const inner = [
    ...get(G.bp),
    ...v128Load(0),
    ...set(G.b0),
    ...get(G.bp),
    ...v128Load(16),
    ...set(G.b1),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(aPointer[r]!),
      ...v128Load32Splat(0),
      ...set(G.av),
      ...madd(r, 0),
      ...madd(r, 1),
    ]),
    ...aPointer.flatMap((ptr) => increment(ptr, get(G.colStride))),
    ...increment(G.bp, get(G.n4)),
    ...increment(G.p, i32(1)),
    ...repeatWhileBelow(G.p, G.kEnd),
  ];
  return [
    ...get(G.n),
    ...i32(4),
    ...mul,
    ...set(G.n4),
    ...i32(0),
    ...set(G.k0),
    ...loop,
    // kEnd = min(k0 + kBlock, k)
    ...get(G.k0),
    ...get(G.kBlock),
    ...add,
    ...set(G.kEnd),
    ...get(G.k),
    ...get(G.kEnd),
    ...get(G.kEnd),
    ...get(G.k),
    ...gtU,
    ...select,
    ...set(G.kEnd),
    ...i32(0),
    ...set(G.j),
    ...loop,
    ...i32(0),
    ...set(G.i),
    ...loop,
    // accumulators: the bias or zero on the first block of k, C so far on the others
    ...get(G.k0),
    ...eqz,
    ...ifEmpty,
    ...get(G.useBias),
    ...ifEmpty,
    ...initBias,
    ...elseOp,
    ...initZero,
    ...end,
    ...elseOp,
    ...rowPointer,
    ...loadC,
    ...end,
    // A's four row pointers at column k0, B's at row k0, column j
    ...get(G.a),
    ...get(G.i),
    ...get(G.rowStride),
    ...mul,
    ...add,
    ...get(G.k0),
    ...get(G.colStride),
    ...mul,
    ...add,
    ...set(G.a0),
    ...[1, 2, 3].flatMap((r) => [
      ...get(aPointer[r - 1]!),
      ...get(G.rowStride),
      ...add,
      ...set(aPointer[r]!),
    ]),
    ...matrixOffset(G.b, G.k0, G.n, G.j),
    ...set(G.bp),
    ...get(G.k0),
    ...set(G.p),
    ...loop,
    ...inner,
    ...end,
    ...rowPointer,
    ...storeC,
    ...increment(G.i, i32(4)),
    ...repeatWhileBelow(G.i, G.m),
    ...end,
    ...increment(G.j, i32(8)),
    ...repeatWhileBelow(G.j, G.n),
    ...end,
    ...get(G.kEnd),
    ...set(G.k0),
    ...repeatWhileBelow(G.k0, G.k),
    ...end,
    ...end,
  ];
}

/** The module: bmm (9 i32 parameters) and gemm (11 i32 parameters). */
function moduleBytes(): Uint8Array {
  return memoryModule([
    { name: "bmm", params: repeated(I32, 9), code: bmmCode() },
    {
      name: "gemm",
      params: repeated(I32, 11),
      code: functionCode(
        [
          [12, I32],
          [11, V128],
        ],
        gemmBody(),
      ),
    },
  ]);
}

type Gemm = (
  a: number,
  b: number,
  c: number,
  bias: number,
  useBias: number,
  m: number,
  k: number,
  n: number,
  rowStride: number,
  colStride: number,
  kBlock: number,
) => void;

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
 * Registers the batched-matmul kernel on the active wasm backend (once per backend instance). Returns false
 * when the backend is not wasm (callers then use tf.matMul).
 * @example if (registerWasmKernels(tf)) batchMatMul(tf, a, b)
 */
export function registerWasmKernels(tf: Tf): boolean {
  if (tf.getBackend() !== "wasm") return false;
  oncePerBackend(tf, "matmul", (backend) => install(tf, backend));
  return true;
}

function install(tf: Tf, backend: WasmBackendInternals): void {
  const memory = backend.wasm.asm.memory;
  const exports = instantiate(moduleBytes(), memory);
  const bmm = exports.bmm as Bmm;
  const gemm = exports.gemm as Gemm;
  // A kernel registration is global to the name; re-registering for a new backend instance replaces it.
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
  replaceWasmKernel(tf, matMulKernel, ({ inputs, backend: kernelBackend, attrs }) => {
    const { a, b, bias } = inputs as { a: TF.TensorInfo; b: TF.TensorInfo; bias?: TF.TensorInfo };
    const transposeA = (attrs as { transposeA?: boolean } | undefined)?.transposeA === true;
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const [rowsA, colsA] = a.shape as [number, number];
    const [m, k] = transposeA ? [colsA, rowsA] : [rowsA, colsA];
    const n = b.shape[1]!;
    const out = wasm.makeOutput([m, n], "float32");
    gemm(
      heapOffset(wasm, a),
      heapOffset(wasm, b),
      heapOffset(wasm, out),
      bias ? heapOffset(wasm, bias) : 0,
      bias ? 1 : 0,
      m,
      k,
      n,
      transposeA ? 4 : 4 * k,
      transposeA ? 4 * m : 4,
      reductionBlock(m, k, transposeA),
    );
    return out;
  });
  // Splitting a flat vector into pieces: one memmove per piece on the heap. TF.js's own split and slice
  // take 66 ms and 24 ms for the 36 pieces of a 413k-parameter model on wasm (measured); this takes ~0.3 ms.
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

/**
 * Copies a float tensor's values into `target` at `offset`: straight from the wasm heap when on wasm
 * (dataSync copies twice: 2.9 ms for 413k floats, measured; this is one memcpy), through dataSync elsewhere.
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
 * The transpose of a matrix: by 8×8 blocks where both sides divide by 8 (4× faster than a 2-D transpose on
 * wasm, measured).
 * @example transpose(tf, tf.zeros([16, 8])).shape // [8, 16]
 */
export function transpose(tf: Tf, x: TF.Tensor2D): TF.Tensor2D {
  const [rows, cols] = x.shape;
  if (rows % 8 !== 0 || cols % 8 !== 0) return tf.transpose(x);
  return tf.transpose(x.reshape([rows / 8, 8, cols / 8, 8]), [2, 3, 0, 1]).reshape([cols, rows]);
}

/**
 * How many steps of the reduction gemm takes at a time (C is read back between blocks): the block of A it
 * sweeps for each 8-column panel of B should stay in cache, 32 KiB (L1) where A is read transposed (its
 * four rows are one 16-byte load apart, its columns m floats apart), 256 KiB (L2) where A is read by rows.
 * Measured on the trainer's shapes (2 vCPUs, AMD EPYC): 41–46 GFLOP/s for Aᵀ·B against 33–38 with the
 * whole reduction at once; XNNPACK 25–35 with A transposed first.
 */
function reductionBlock(m: number, k: number, transposeA: boolean): number {
  const bytes = (transposeA ? 32 : 256) * 1024;
  return Math.max(8, Math.min(k, Math.floor(bytes / (4 * m))));
}

/**
 * A·B (+ bias), or Aᵀ·B with `transposeA`, for 2-D float tensors: the register-blocked SIMD gemm on wasm when
 * the kernels are on and the shape suits it (m a multiple of 4, n of 8); tf.matMul / tf.fused.matMul
 * otherwise. On wasm this beats XNNPACK in training, where every step brings new weights for it to pack, and
 * it reads A transposed in place (XNNPACK's Aᵀ·B is ~15× slower than a transpose and A·B). No gradient.
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
