/**
 * LayerNorm forward and backward as two WebAssembly SIMD kernels for the wasm backend, one pass per row
 * (rows of d floats, d a multiple of 4), ε 1e-5:
 *
 *   forward:  μ = mean(x), r = 1/√(mean((x − μ)²) + ε), x̂ = (x − μ)·r, y = x̂·gain + bias
 *   backward: ĝ = dy·gain, dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ x̂)), dGain = Σ_rows dy·x̂, dBias = Σ_rows dy
 *
 * In TF.js ops these are 9 and 11 kernels (with two column-sum matmuls), each a pass over [rows, d] plus
 * dispatch; here each row stays in cache between its passes.
 */
import type * as TF from "@tensorflow/tfjs";
import {
  add,
  block,
  end,
  F32,
  f32Load,
  f32x4Add,
  f32x4Mul,
  f32x4Splat,
  f32x4Sub,
  functionCode,
  get,
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
  simd,
  V128,
  v128Load,
  v128Store,
  v128Zero,
  type WasmBackendInternals,
  oncePerBackend,
  replaceWasmKernel,
} from "./wasmBytes.js";

type Tf = typeof TF;

const extractLane = (lane: number) => [...simd(31), lane];
const f32Add = [0x92];
const f32Div = [0x95];
const f32Sqrt = [0x91];
const f32Store = [0x38, 0x02, 0x00];
const f32Const = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [0x43, ...bytes];
};
const i32ToF32 = [0xb3]; // f32.convert_i32_s

/** The four lanes of a v128 local added: f32 on the stack. */
const horizontalSum = (local: number) => [
  ...get(local),
  ...extractLane(0),
  ...get(local),
  ...extractLane(1),
  ...f32Add,
  ...get(local),
  ...extractLane(2),
  ...f32Add,
  ...get(local),
  ...extractLane(3),
  ...f32Add,
];

/** `for (j = 0; j < dBytes; j += 16) body` (d ≥ 4). */
const overRow = (j: number, dBytes: number, body: number[]) => [
  ...i32(0),
  ...set(j),
  ...loop,
  ...body,
  ...increment(j, i32(16)),
  ...repeatWhileBelow(j, dBytes),
  ...end,
];

/** `pointer + j` then v128.load. */
const loadAt = (pointer: number, j: number) => [...get(pointer), ...get(j), ...add, ...v128Load(0)];

// forward(x, gain, bias, y, normalised, rstd, rows, d)
const F = { x: 0, gain: 1, bias: 2, y: 3, norm: 4, rstd: 5, rows: 6, d: 7 } as const;
const FL = { r: 8, j: 9, dBytes: 10, acc: 11, mean: 12, scale: 13, t: 14, meanF: 15 } as const;

function forwardCode(): number[] {
  const body = [
    ...get(F.d),
    ...i32(4),
    ...mul,
    ...set(FL.dBytes),
    ...i32(0),
    ...set(FL.r),
    ...block,
    ...loop,
    // μ
    ...v128Zero,
    ...set(FL.acc),
    ...overRow(FL.j, FL.dBytes, [...get(FL.acc), ...loadAt(F.x, FL.j), ...f32x4Add, ...set(FL.acc)]),
    ...horizontalSum(FL.acc),
    ...get(F.d),
    ...i32ToF32,
    ...f32Div,
    ...set(FL.meanF),
    ...get(FL.meanF),
    ...f32x4Splat,
    ...set(FL.mean),
    // r = 1/√(Σ(x − μ)²/d + ε)
    ...v128Zero,
    ...set(FL.acc),
    ...overRow(FL.j, FL.dBytes, [
      ...loadAt(F.x, FL.j),
      ...get(FL.mean),
      ...f32x4Sub,
      ...set(FL.t),
      ...get(FL.acc),
      ...get(FL.t),
      ...get(FL.t),
      ...f32x4Mul,
      ...f32x4Add,
      ...set(FL.acc),
    ]),
    ...get(F.rstd),
    ...f32Const(1),
    ...horizontalSum(FL.acc),
    ...get(F.d),
    ...i32ToF32,
    ...f32Div,
    ...f32Const(1e-5),
    ...f32Add,
    ...f32Sqrt,
    ...f32Div,
    ...f32Store,
    ...get(F.rstd),
    ...f32Load,
    ...f32x4Splat,
    ...set(FL.scale),
    // x̂ and y
    ...overRow(FL.j, FL.dBytes, [
      ...loadAt(F.x, FL.j),
      ...get(FL.mean),
      ...f32x4Sub,
      ...get(FL.scale),
      ...f32x4Mul,
      ...set(FL.t),
      ...get(F.norm),
      ...get(FL.j),
      ...add,
      ...get(FL.t),
      ...v128Store(0),
      ...get(F.y),
      ...get(FL.j),
      ...add,
      ...get(FL.t),
      ...loadAt(F.gain, FL.j),
      ...f32x4Mul,
      ...loadAt(F.bias, FL.j),
      ...f32x4Add,
      ...v128Store(0),
    ]),
    ...increment(F.x, get(FL.dBytes)),
    ...increment(F.y, get(FL.dBytes)),
    ...increment(F.norm, get(FL.dBytes)),
    ...increment(F.rstd, i32(4)),
    ...increment(FL.r, i32(1)),
    ...repeatWhileBelow(FL.r, F.rows),
    ...end,
    ...end,
    ...end,
  ];
  return functionCode(
    [
      [3, I32],
      [4, V128],
      [1, F32],
    ],
    body,
  );
}

// backward(dy, norm, rstd, gain, dx, dGain, dBias, rows, d)
const B = { dy: 0, norm: 1, rstd: 2, gain: 3, dx: 4, dGain: 5, dBias: 6, rows: 7, d: 8 } as const;
const BL = {
  r: 9,
  j: 10,
  dBytes: 11,
  accA: 12,
  accB: 13,
  dyv: 14,
  g: 15,
  meanA: 16,
  meanB: 17,
  scale: 18,
} as const;

function backwardCode(): number[] {
  const at = (pointer: number) => [...get(pointer), ...get(BL.j), ...add];
  const meanOf = (acc: number, into: number) => [
    ...horizontalSum(acc),
    ...get(B.d),
    ...i32ToF32,
    ...f32Div,
    ...f32x4Splat,
    ...set(into),
  ];
  const body = [
    ...get(B.d),
    ...i32(4),
    ...mul,
    ...set(BL.dBytes),
    // dGain = dBias = 0
    ...overRow(BL.j, BL.dBytes, [
      ...at(B.dGain),
      ...v128Zero,
      ...v128Store(0),
      ...at(B.dBias),
      ...v128Zero,
      ...v128Store(0),
    ]),
    ...i32(0),
    ...set(BL.r),
    ...block,
    ...loop,
    ...v128Zero,
    ...set(BL.accA),
    ...v128Zero,
    ...set(BL.accB),
    ...overRow(BL.j, BL.dBytes, [
      ...loadAt(B.dy, BL.j),
      ...set(BL.dyv),
      ...get(BL.dyv),
      ...loadAt(B.gain, BL.j),
      ...f32x4Mul,
      ...set(BL.g),
      ...get(BL.accA),
      ...get(BL.g),
      ...f32x4Add,
      ...set(BL.accA),
      ...get(BL.accB),
      ...get(BL.g),
      ...loadAt(B.norm, BL.j),
      ...f32x4Mul,
      ...f32x4Add,
      ...set(BL.accB),
      // dGain += dy·x̂; dBias += dy
      ...at(B.dGain),
      ...loadAt(B.dGain, BL.j),
      ...get(BL.dyv),
      ...loadAt(B.norm, BL.j),
      ...f32x4Mul,
      ...f32x4Add,
      ...v128Store(0),
      ...at(B.dBias),
      ...loadAt(B.dBias, BL.j),
      ...get(BL.dyv),
      ...f32x4Add,
      ...v128Store(0),
    ]),
    ...meanOf(BL.accA, BL.meanA),
    ...meanOf(BL.accB, BL.meanB),
    ...get(B.rstd),
    ...f32Load,
    ...f32x4Splat,
    ...set(BL.scale),
    // dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ x̂))
    ...overRow(BL.j, BL.dBytes, [
      ...at(B.dx),
      ...get(BL.scale),
      ...loadAt(B.dy, BL.j),
      ...loadAt(B.gain, BL.j),
      ...f32x4Mul,
      ...get(BL.meanA),
      ...f32x4Sub,
      ...loadAt(B.norm, BL.j),
      ...get(BL.meanB),
      ...f32x4Mul,
      ...f32x4Sub,
      ...f32x4Mul,
      ...v128Store(0),
    ]),
    ...increment(B.dy, get(BL.dBytes)),
    ...increment(B.norm, get(BL.dBytes)),
    ...increment(B.dx, get(BL.dBytes)),
    ...increment(B.rstd, i32(4)),
    ...increment(BL.r, i32(1)),
    ...repeatWhileBelow(BL.r, B.rows),
    ...end,
    ...end,
    ...end,
  ];
  return functionCode(
    [
      [3, I32],
      [7, V128],
    ],
    body,
  );
}

function moduleBytes(): Uint8Array {
  return memoryModule([
    { name: "forward", params: repeated(I32, 8), code: forwardCode() },
    { name: "backward", params: repeated(I32, 9), code: backwardCode() },
  ]);
}

const layerNormKernel = "ScalefitLayerNorm";
const layerNormGradKernel = "ScalefitLayerNormGrad";
function register(tf: Tf): void {
  oncePerBackend(tf, "layerNorm", (backend) => install(tf, backend));
}

function install(tf: Tf, backend: WasmBackendInternals): void {
  const exports = instantiate(moduleBytes(), backend.wasm.asm.memory);
  const forward = exports.forward as (...args: number[]) => void;
  const backward = exports.backward as (...args: number[]) => void;
  replaceWasmKernel(tf, layerNormKernel, ({ inputs, backend: kernelBackend }) => {
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const { x, gain, bias } = inputs as Record<string, TF.TensorInfo>;
    const [rows, d] = x!.shape as [number, number];
    const outs = [wasm.makeOutput([rows, d], "float32"), wasm.makeOutput([rows, d], "float32")];
    const rstd = wasm.makeOutput([rows, 1], "float32");
    forward(...[x!, gain!, bias!, ...outs, rstd].map((t) => heapOffset(wasm, t)), rows, d);
    return [...outs, rstd];
  });
  replaceWasmKernel(tf, layerNormGradKernel, ({ inputs, backend: kernelBackend }) => {
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const { dy, normalised, rstd, gain } = inputs as Record<string, TF.TensorInfo>;
    const [rows, d] = dy!.shape as [number, number];
    const dx = wasm.makeOutput([rows, d], "float32");
    const dGain = wasm.makeOutput([d], "float32");
    const dBias = wasm.makeOutput([d], "float32");
    backward(...[dy!, normalised!, rstd!, gain!, dx, dGain, dBias].map((t) => heapOffset(wasm, t)), rows, d);
    return [dx, dGain, dBias];
  });
}

/** Whether the kernels take this input: wasm, float32, rows of a multiple of 4 floats. */
export function layerNormKernelFits(tf: Tf, x: TF.Tensor2D): boolean {
  return (
    tf.getBackend() === "wasm" &&
    x.dtype === "float32" &&
    x.shape[1] % 4 === 0 &&
    x.shape[1] > 0 &&
    x.shape[0] > 0
  );
}

/**
 * LayerNorm of the rows of x: [y, x̂, 1/σ ([rows, 1])] by the SIMD kernel (check `layerNormKernelFits`).
 * @example const [y, normalised, rstd] = layerNormFused(tf, x, gain, bias)
 */
export function layerNormFused(
  tf: Tf,
  x: TF.Tensor2D,
  gain: TF.Tensor,
  bias: TF.Tensor,
): [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D] {
  register(tf);
  return tf.engine().runKernel(layerNormKernel, { x, gain, bias }) as unknown as [
    TF.Tensor2D,
    TF.Tensor2D,
    TF.Tensor2D,
  ];
}

/**
 * LayerNorm's gradients from dy and the forward pass's x̂ and 1/σ: [dx, dGain, dBias] by the SIMD kernel.
 * @example const [dx, dGain, dBias] = layerNormGradFused(tf, dy, normalised, rstd, gain)
 */
export function layerNormGradFused(
  tf: Tf,
  dy: TF.Tensor2D,
  normalised: TF.Tensor2D,
  rstd: TF.Tensor2D,
  gain: TF.Tensor,
): [TF.Tensor2D, TF.Tensor1D, TF.Tensor1D] {
  register(tf);
  return tf.engine().runKernel(layerNormGradKernel, { dy, normalised, rstd, gain }) as unknown as [
    TF.Tensor2D,
    TF.Tensor1D,
    TF.Tensor1D,
  ];
}
