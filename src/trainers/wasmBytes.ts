/**
 * WebAssembly binary encoding, as far as the trainer's kernels need it (wasmBmm.ts, wasmGemm.ts,
 * wasmLayerNorm.ts, wasmFused.ts): LEB128 numbers, sections, and the opcodes of WebAssembly core 2.0 with SIMD
 * they use, as byte arrays to splice; and the per-backend install and registration helpers they share.
 */
import type * as TF from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";

// The WebAssembly JS API as far as used here (TypeScript's ES libs do not declare it; Node has it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => {
    exports: Record<string, unknown>;
  };
};

const uleb = (value: number): number[] => {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};

const sleb = (value: number): number[] => {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};

const name = (text: string): number[] => [...uleb(text.length), ...Buffer.from(text, "utf8")];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// Opcodes (WebAssembly core 2.0 with SIMD).
export const I32 = 0x7f;
export const V128 = 0x7b;
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const i32 = (v: number) => [0x41, ...sleb(v)];
export const add = [0x6a];
export const mul = [0x6c];
const ltU = [0x49];
export const gtU = [0x4b];
export const block = [0x02, 0x40];
export const loop = [0x03, 0x40];
export const end = [0x0b];
export const br = (depth: number) => [0x0c, ...uleb(depth)];
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];
export const f32Load = [0x2a, 0x02, 0x00];
export const v128Load = (offset: number) => [0xfd, ...uleb(0), 0x00, ...uleb(offset)];
export const v128Store = (offset: number) => [0xfd, ...uleb(11), 0x00, ...uleb(offset)];
export const v128Zero = [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)];
export const f32x4Splat = [0xfd, ...uleb(19)];
export const f32x4Add = [0xfd, ...uleb(228)];
export const f32x4Mul = [0xfd, ...uleb(230)];

/** `x += y` on i32 locals. */
export const increment = (local: number, by: number[]) => [...get(local), ...by, ...add, ...set(local)];

/** `base + index · f1 · f2 · … · 4`: the byte offset of element `index` of rows `f1 · f2 …` floats long. */
export const byteOffset = (base: number, index: number, ...factors: number[]) => [
  ...get(base),
  ...get(index),
  ...factors.flatMap((f) => [...get(f), ...mul]),
  ...i32(4),
  ...mul,
  ...add,
];

/** The end of a do-while loop body: go round again while `counter < limit`. */
export const repeatWhileBelow = (counter: number, limit: number) => [
  ...get(counter),
  ...get(limit),
  ...ltU,
  ...brIf(0),
];

export const v128Load32Splat = (offset: number) => [0xfd, ...uleb(9), 0x02, ...uleb(offset)];
export const ifEmpty = [0x04, 0x40];
export const elseOp = [0x05];
export const eqz = [0x45];
export const select = [0x1b];

export const F32 = 0x7d;
/** A SIMD instruction by its opcode number (after the 0xfd prefix). */
export const simd = (code: number) => [0xfd, ...uleb(code)];
export const f32x4Sub = simd(229);

/** `base + (row · cols + col) · 4`: the byte offset of element (row, col) of a row-major float matrix. */
export const matrixOffset = (base: number, row: number, cols: number, col: number) => [
  ...get(base),
  ...get(row),
  ...get(cols),
  ...mul,
  ...get(col),
  ...add,
  ...i32(4),
  ...mul,
  ...add,
];

/** One function's entry in the code section: its locals (count, type) and body. */
export function functionCode(locals: Array<[number, number]>, body: number[]): number[] {
  const code = [...vector(locals.map(([count, type]) => [...uleb(count), type])), ...body];
  return [...uleb(code.length), ...code];
}

/**
 * A module importing `env.memory` and exporting the given functions (parameter types, no results; code from
 * `functionCode`).
 */
export function memoryModule(
  functions: Array<{ name: string; params: number[]; code: number[] }>,
): Uint8Array {
  const signature = (params: number[]) => [0x60, ...vector(params.map((t) => [t])), ...vector([])];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(functions.map((f) => signature(f.params)))),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(0)]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(functions.map((f) => f.code))),
  ];
  return Uint8Array.from(bytes);
}

/** `count` parameters of one type. */
export const repeated = (type: number, count: number): number[] => new Array<number>(count).fill(type);

/** What the kernels use of TF.js's wasm backend (internal fields, TF.js 4.22). */
export interface WasmBackendInternals {
  wasm: { asm: { memory: WasmMemory } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
}

/** The byte offset of a tensor's data on the wasm heap. */
export const heapOffset = (backend: WasmBackendInternals, t: TensorInfo): number =>
  backend.dataIdMap.get(t.dataId).memoryOffset;

/** Compiles and instantiates a module whose one import is `env.memory`; returns its exports. */
export function instantiate(bytes: Uint8Array, memory: WasmMemory): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
}

const installed = new WeakMap<object, Set<string>>();

/**
 * Runs `install` once per wasm backend instance and key (a new backend, e.g. after tf.removeBackend, has a
 * new heap: its kernels are compiled and registered again).
 */
export function oncePerBackend(
  tf: typeof TF,
  key: string,
  install: (backend: WasmBackendInternals) => void,
): void {
  const backend = tf.backend() as unknown as WasmBackendInternals;
  let keys = installed.get(backend);
  if (!keys) installed.set(backend, (keys = new Set()));
  if (keys.has(key)) return;
  install(backend);
  keys.add(key);
}

/** Registers a kernel for wasm under `kernelName`, replacing an earlier registration (global to the name). */
export function replaceWasmKernel(tf: typeof TF, kernelName: string, kernelFunc: TF.KernelFunc): void {
  if (tf.getKernel(kernelName, "wasm")) tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
}
