/**
 * The GPU check of the trainer (Trainer II): on a machine with a GPU, the WebGPU adapter's name, training
 * throughput on `--backend webgpu` for d_model 128, 256, 512 and 1 024 (2 layers, 4 heads, seq 64, batch 16,
 * AdamW, 50 steps, tokens/s from step 6 as bench/trainer.ts counts), and correctness: the first 20 training
 * losses against the wasm backend's on this machine (written by `--reference`). bench/gpu.sh runs it on the
 * device machine from a bundle (bench/gpu-prepare.sh builds it), beside PyTorch CUDA on the same shapes
 * (bench/gpu_torch.py).
 *
 *   node --import tsx bench/gpu.ts --reference .gpu/reference.json    # here: wasm losses for the check
 *   node .gpu/gpu-bench.mjs .gpu/reference.json > out.json             # there: webgpu
 */
import { readFileSync, writeFileSync } from "node:fs";

const widths = [128, 256, 512, 1024];
const checked = [128, 256];
const steps = 50;
const args = process.argv.slice(2);
const reference = args[0] === "--reference";

if (!reference) {
  // TF.js's webgpu backend registers itself on import only where navigator.gpu exists.
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, "navigator", { value: { gpu: create([]) }, configurable: true });
  await import("@tensorflow/tfjs-backend-webgpu");
}
const { loadBackend } = await import("../src/trainers/backend.js");
const { defaultModelConfig, defaultTrainConfig } = await import("../src/trainers/config.js");
const { loadKjv } = await import("../src/trainers/corpus.js");
const { trainModel } = await import("../src/trainers/train.js");

const backend = await loadBackend(reference ? "wasm" : "webgpu");
const source = loadKjv();
const run = async (dModel: number, count: number) => {
  const model = { ...defaultModelConfig, vocab: source.vocab, dModel };
  const train = { ...defaultTrainConfig, steps: count, logEvery: 1 };
  const result = await trainModel({
    model,
    train,
    schedule: { kind: "constant" as const, peak: 1e-3, steps: count },
    source,
    backend,
  });
  return { losses: result.points.map((p) => p.trainLoss), tokensPerSecond: result.steadyTokensPerSecond };
};

if (reference) {
  const losses: Record<string, number[]> = {};
  for (const d of checked) losses[d] = (await run(d, 20)).losses;
  writeFileSync(args[1]!, JSON.stringify({ backend: backend.name, steps: 20, losses }));
  console.log(`reference losses (${backend.name}) for d_model ${checked.join(", ")} written to ${args[1]}`);
} else {
  const expected = JSON.parse(readFileSync(args[0]!, "utf8")) as { losses: Record<string, number[]> };
  const rows = [];
  for (const d of widths) {
    const { losses, tokensPerSecond } = await run(d, steps);
    const want = expected.losses[d];
    const maxDiff = want ? Math.max(...want.map((l, i) => Math.abs(l - losses[i]!))) : null;
    rows.push({ dModel: d, tokensPerSecond, first20: losses.slice(0, 20), maxAbsDiffFromWasm: maxDiff });
  }
  console.log(JSON.stringify({ adapter: backend.adapter, backend: backend.name, rows }, null, 1));
}
