// The optional WebGPU packages bench/gpu.ts imports (not dependencies: bench/gpu-prepare.sh fetches them).
declare module "webgpu" {
  export function create(options: string[]): unknown;
  export const globals: object;
}
declare module "@tensorflow/tfjs-backend-webgpu";
