/**
 * The gemm kernel for the wasm backend, C = A·B (+ bias) or Aᵀ·B for one pair of 2-D matrices, in WebAssembly
 * SIMD on the backend's own heap: 4 rows × 8 columns of C in eight f32x4 accumulators, the reduction in
 * cache-sized blocks. In training XNNPACK packs every step's new weights again and needs A transposed first
 * for a weight gradient; this kernel does neither (it reads Aᵀ in place).
 *
 * The module is emitted here byte by byte (wasmBytes.ts): it imports the backend's memory and exports
 * `gemm(a, b, c, bias, useBias, m, k, n, aRowStride, aColStride, kBlock)`, with byte offsets and strides
 * (A or Aᵀ), row-major; m a multiple of 4, n of 8.
 */
import type * as TF from "@tensorflow/tfjs";
import {
  add,
  byteOffset,
  elseOp,
  end,
  eqz,
  f32x4Add,
  f32x4Mul,
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
  replaceWasmKernel,
} from "./wasmBytes.js";

type Tf = typeof TF;

/** The gemm kernel's name in TF.js's registry. */
export const matMulKernel = "ScalefitMatMul";

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

/**
 * How many steps of the reduction gemm takes at a time (C is read back between blocks): the block of A it
 * sweeps for each 8-column panel of B should stay in cache, 32 KiB (L1) where A is read transposed (its
 * four rows are one 16-byte load apart, its columns m floats apart), 256 KiB (L2) where A is read by rows.
 */
function reductionBlock(m: number, k: number, transposeA: boolean): number {
  const bytes = (transposeA ? 32 : 256) * 1024;
  return Math.max(8, Math.min(k, Math.floor(bytes / (4 * m))));
}

/**
 * Compiles gemm against a wasm backend's heap and registers it as `matMulKernel` (replacing the registration
 * for an earlier backend instance).
 * @example installMatMul(tf, tf.backend() as unknown as WasmBackendInternals)
 */
export function installMatMul(tf: Tf, backend: WasmBackendInternals): void {
  const module = memoryModule([
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
  const gemm = instantiate(module, backend.wasm.asm.memory).gemm as Gemm;
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
}
