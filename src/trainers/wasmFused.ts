/**
 * Fused element-wise kernels: a small expression language compiled to one WebAssembly SIMD loop on the wasm
 * backend, and evaluated with TF.js ops everywhere else (the same program, so both paths compute the same
 * formula).
 *
 * Why: on wasm every TF.js op is one pass over memory plus its dispatch, and the optimiser and the
 * activation gradients are chains of 5–15 element-wise ops over the same arrays (AdamW was ~9 kernels). One
 * fused loop reads each input once and writes each output once.
 *
 * A program has inputs (tensors of one size), per-call scalars (f32 parameters, e.g. the learning rate),
 * temporaries and outputs; its statements assign expressions to temporaries or outputs in order.
 */
import type * as TF from "@tensorflow/tfjs";
import {
  add,
  block,
  br,
  brIf,
  end,
  F32,
  f32x4Add,
  f32x4Mul,
  f32x4Splat,
  f32x4Sub,
  functionCode,
  get,
  heapOffset,
  I32,
  i32,
  instantiate,
  loop,
  memoryModule,
  repeated,
  set,
  simd,
  V128,
  v128Load,
  v128Store,
  type WasmBackendInternals,
  oncePerBackend,
  replaceWasmKernel,
} from "./wasmBytes.js";

type Tf = typeof TF;

/** An expression over one element of each input. */
export type Expr =
  | number
  | { input: number }
  | { scalar: number }
  | { temp: number }
  | { op: "add" | "sub" | "mul" | "div" | "min" | "max"; a: Expr; b: Expr }
  | { op: "sqrt" | "neg" | "abs" | "exp"; a: Expr };

/** A fused element-wise program. */
export interface FusedProgram {
  /** Unique name (the kernel's name in TF.js's registry is derived from it). */
  name: string;
  inputs: number;
  scalars: number;
  outputs: number;
  /** In order: `{ temp, expr }` sets a temporary, `{ output, expr }` an output. */
  statements: Array<{ temp: number; expr: Expr } | { output: number; expr: Expr }>;
}

/** Expression builders. */
export const input = (i: number): Expr => ({ input: i });
export const scalar = (i: number): Expr => ({ scalar: i });
export const temp = (i: number): Expr => ({ temp: i });
export const plus = (a: Expr, b: Expr): Expr => ({ op: "add", a, b });
export const minus = (a: Expr, b: Expr): Expr => ({ op: "sub", a, b });
export const times = (a: Expr, b: Expr, ...more: Expr[]): Expr =>
  more.reduce<Expr>((x, y) => ({ op: "mul", a: x, b: y }), { op: "mul", a, b });
export const over = (a: Expr, b: Expr): Expr => ({ op: "div", a, b });
export const sqrt = (a: Expr): Expr => ({ op: "sqrt", a });
export const exp = (a: Expr): Expr => ({ op: "exp", a });
export const abs = (a: Expr): Expr => ({ op: "abs", a });
export const neg = (a: Expr): Expr => ({ op: "neg", a });
export const max = (a: Expr, b: Expr): Expr => ({ op: "max", a, b });

const binaryOpcode = {
  add: f32x4Add,
  sub: f32x4Sub,
  mul: f32x4Mul,
  div: simd(231),
  min: simd(232),
  max: simd(233),
};
const unaryOpcode = { sqrt: simd(227), neg: simd(225), abs: simd(224) };
const f32x4Nearest = simd(106);
const i32x4TruncSatF32x4 = simd(248);
const i32x4Shl = simd(171);
const i32x4Add = simd(174);

function v128Const(value: number, integer = false): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let lane = 0; lane < 4; lane++) {
    if (integer) view.setInt32(4 * lane, value, true);
    else view.setFloat32(4 * lane, value, true);
  }
  return [...simd(12), ...bytes];
}

/**
 * eˣ of the f32x4 on the stack, as Cephes' expf (and sse_mathfun): x clamped to [−87.3, 88], n = round(x·log₂e),
 * r = x − n·ln 2 (in two parts), eʳ by a degree-7 polynomial, times 2ⁿ built in the exponent bits. Relative
 * error below 3e-7 (test/trainers/adamw.test.ts, against Math.exp). Uses two scratch locals.
 */
function expCode(x: number, n: number): number[] {
  const c = (v: number) => v128Const(v);
  const horner = [
    1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  ];
  const poly = horner
    .slice(1)
    .flatMap((coefficient) => [...get(x), ...f32x4Mul, ...c(coefficient), ...f32x4Add]);
  return [
    ...c(88),
    ...binaryOpcode.min,
    ...c(-87.3),
    ...binaryOpcode.max,
    ...set(x),
    ...get(x),
    ...c(Math.LOG2E),
    ...f32x4Mul,
    ...f32x4Nearest,
    ...set(n),
    // r = x − n·0.693359375 − n·(−2.12194440e-4)
    ...get(x),
    ...get(n),
    ...c(0.693359375),
    ...f32x4Mul,
    ...f32x4Sub,
    ...get(n),
    ...c(-2.1219444e-4),
    ...f32x4Mul,
    ...f32x4Sub,
    ...set(x),
    // eʳ ≈ p(r)·r² + r + 1
    ...c(horner[0]!),
    ...poly,
    ...get(x),
    ...get(x),
    ...f32x4Mul,
    ...f32x4Mul,
    ...get(x),
    ...f32x4Add,
    ...c(1),
    ...f32x4Add,
    // 2ⁿ: (n + 127) << 23 as float bits
    ...get(n),
    ...i32x4TruncSatF32x4,
    ...v128Const(127, true),
    ...i32x4Add,
    ...i32(23),
    ...i32x4Shl,
    ...f32x4Mul,
  ];
}

function temporaries(program: FusedProgram): number {
  return program.statements.reduce((n, s) => ("temp" in s ? Math.max(n, s.temp + 1) : n), 0);
}

/**
 * The module: `run(in0…, out0…, bytes, s0…)` with byte offsets into the imported memory, the byte length
 * (a multiple of 16) and f32 scalars.
 */
function fusedModuleBytes(program: FusedProgram): Uint8Array {
  const { inputs, outputs, scalars } = program;
  const pointers = inputs + outputs;
  const BYTES = pointers;
  const firstScalar = pointers + 1;
  const AT = firstScalar + scalars; // i32 local: the byte offset of the current 4 elements
  const firstSplat = AT + 1; // v128 locals: the scalars splatted
  const firstTemp = firstSplat + scalars;
  const scratch = firstTemp + temporaries(program); // two v128 locals for exp
  const at = (pointer: number) => [...get(pointer), ...get(AT), ...add];
  const emit = (e: Expr): number[] => {
    if (typeof e === "number") return v128Const(e);
    if ("input" in e) return [...at(e.input), ...v128Load(0)];
    if ("scalar" in e) return get(firstSplat + e.scalar);
    if ("temp" in e) return get(firstTemp + e.temp);
    if (e.op === "exp") return [...emit(e.a), ...expCode(scratch, scratch + 1)];
    if (!("b" in e)) return [...emit(e.a), ...unaryOpcode[e.op]];
    return [...emit(e.a), ...emit(e.b), ...binaryOpcode[e.op]];
  };
  const statements = program.statements.flatMap((s) =>
    "temp" in s
      ? [...emit(s.expr), ...set(firstTemp + s.temp)]
      : [...at(inputs + s.output), ...emit(s.expr), ...v128Store(0)],
  );
  const splats = Array.from({ length: scalars }, (_, i) => [
    ...get(firstScalar + i),
    ...f32x4Splat,
    ...set(firstSplat + i),
  ]).flat();
  const body = [
    ...splats,
    ...block,
    ...loop,
    // while at < bytes
    ...get(AT),
    ...get(BYTES),
    ...[0x4f], // i32.ge_u
    ...brIf(1),
    ...statements,
    ...get(AT),
    ...i32(16),
    ...add,
    ...set(AT),
    ...br(0),
    ...end,
    ...end,
    ...end,
  ];
  const code = functionCode(
    [
      [1, I32],
      [scalars + temporaries(program) + 2, V128],
    ],
    body,
  );
  return memoryModule([
    { name: "run", params: [...repeated(I32, pointers + 1), ...repeated(F32, scalars)], code },
  ]);
}

/** The program with TF.js ops (any backend; differentiable). */
function evaluate(tf: Tf, program: FusedProgram, inputs: readonly TF.Tensor[], scalars: readonly number[]) {
  const temps: TF.Tensor[] = [];
  const outputs: TF.Tensor[] = [];
  const value = (e: Expr): TF.Tensor | number => {
    if (typeof e === "number") return e;
    if ("input" in e) return inputs[e.input]!;
    if ("scalar" in e) return scalars[e.scalar]!;
    if ("temp" in e) return temps[e.temp]!;
    const a = value(e.a);
    if (!("b" in e)) {
      const f = {
        sqrt: [Math.sqrt, tf.sqrt],
        neg: [(v: number) => -v, tf.neg],
        abs: [Math.abs, tf.abs],
        exp: [Math.exp, tf.exp],
      }[e.op];
      return typeof a === "number"
        ? (f[0] as (v: number) => number)(a)
        : (f[1] as (v: TF.Tensor) => TF.Tensor)(a);
    }
    const b = value(e.b);
    const both = (
      f: (x: number, y: number) => number,
      g: (x: TF.Tensor | number, y: TF.Tensor | number) => TF.Tensor,
    ) => (typeof a === "number" && typeof b === "number" ? f(a, b) : g(a, b));
    switch (e.op) {
      case "add":
        return both(
          (x, y) => x + y,
          (x, y) => tf.add(x, y),
        );
      case "sub":
        return both(
          (x, y) => x - y,
          (x, y) => tf.sub(x, y),
        );
      case "mul":
        return both(
          (x, y) => x * y,
          (x, y) => tf.mul(x, y),
        );
      case "div":
        return both(
          (x, y) => x / y,
          (x, y) => tf.div(x, y),
        );
      case "min":
        return both(Math.min, (x, y) => tf.minimum(x, y));
      case "max":
        return both(Math.max, (x, y) => tf.maximum(x, y));
    }
  };
  for (const s of program.statements) {
    const v = value(s.expr);
    const t = typeof v === "number" ? tf.fill(inputs[0]!.shape, v) : v;
    if ("temp" in s) temps[s.temp] = t;
    else outputs[s.output] = t;
  }
  return outputs;
}

/** Registers the program's kernel for the active wasm backend (once per backend instance). */
function register(tf: Tf, program: FusedProgram): string {
  const kernelName = `ScalefitFused_${program.name}`;
  oncePerBackend(tf, kernelName, (backend) => install(tf, program, kernelName, backend));
  return kernelName;
}

function install(tf: Tf, program: FusedProgram, kernelName: string, backend: WasmBackendInternals): void {
  const run = instantiate(fusedModuleBytes(program), backend.wasm.asm.memory).run as (
    ...args: number[]
  ) => void;
  replaceWasmKernel(tf, kernelName, ({ inputs, backend: kernelBackend, attrs }) => {
    const wasm = kernelBackend as unknown as WasmBackendInternals;
    const list = Array.from(
      { length: program.inputs },
      (_, i) => (inputs as TF.NamedTensorInfoMap)[`x${i}`]!,
    );
    const shape = list[0]!.shape;
    const outs = Array.from({ length: program.outputs }, () => wasm.makeOutput(shape, "float32"));
    const offset = (t: TF.TensorInfo) => heapOffset(wasm, t);
    const size = shape.reduce((a, b) => a * b, 1);
    run(...list.map(offset), ...outs.map(offset), 4 * size, ...(attrs as { scalars: number[] }).scalars);
    return outs;
  });
}

/**
 * Runs a fused program: one SIMD loop on wasm when `useKernel` and every input is float32 of the same size,
 * a multiple of 4; TF.js ops otherwise. Outputs have the first input's shape. Call inside `tf.tidy`.
 * @example const [y] = runFused(tf, axpy, [x, y], [2], true)
 */
export function runFused(
  tf: Tf,
  program: FusedProgram,
  inputs: readonly TF.Tensor[],
  scalars: readonly number[],
  useKernel: boolean,
): TF.Tensor[] {
  const size = inputs[0]!.size;
  const fits =
    useKernel &&
    tf.getBackend() === "wasm" &&
    size % 4 === 0 &&
    inputs.every((t) => t.size === size && t.dtype === "float32");
  if (!fits) return evaluate(tf, program, inputs, scalars);
  const kernelName = register(tf, program);
  const named: TF.NamedTensorMap = {};
  inputs.forEach((t, i) => (named[`x${i}`] = t));
  const outs = tf.engine().runKernel(kernelName, named, { scalars: [...scalars] });
  return (Array.isArray(outs) ? outs : [outs]) as TF.Tensor[];
}
