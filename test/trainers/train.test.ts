import assert from "node:assert/strict";
import { test } from "node:test";
import { loadBackend } from "../../src/trainers/backend.js";
import { defaultModelConfig, defaultTrainConfig, type TrainConfig } from "../../src/trainers/config.js";
import { loadKjv, type TokenSource } from "../../src/trainers/corpus.js";
import { trainModel, type TrainRequest } from "../../src/trainers/train.js";
import type { TrainState } from "../../src/trainers/trainState.js";
import { randomSource } from "../../src/random.js";

const backend = await loadBackend("wasm");
const source: TokenSource = loadKjv();
const model = { ...defaultModelConfig, vocab: 63, dModel: 32, heads: 2, layers: 1, seqLen: 32 };
const train: TrainConfig = {
  ...defaultTrainConfig,
  batch: 8,
  steps: 40,
  logEvery: 10,
  evalEvery: 20,
  evalBatches: 2,
  seed: 3,
};
const request = (over: Partial<TrainRequest> = {}): TrainRequest => ({
  model,
  train,
  schedule: { kind: "cosine", peak: 3e-3, floor: 3e-4, steps: 40, warmup: 4 },
  source,
  backend,
  threads: 1,
  ...over,
});

test("training lowers the loss and logs points with tokens, FLOPs and the schedule's LR", async () => {
  const result = await trainModel(request());
  assert.equal(result.points.length, 4);
  assert.deepEqual(
    result.points.map((p) => p.step),
    [10, 20, 30, 40],
  );
  // ln 63 = 4.143 at initialisation; 40 steps of this 15 808-parameter model reach a held-out 3.001
  // (measured: first loss 4.170, logged train losses 3.860, 3.289, 3.128, 3.059).
  assert.ok(result.lossFirst > 4 && result.lossFirst < 4.3, String(result.lossFirst));
  assert.ok(result.evalLoss < 3.5, String(result.evalLoss));
  assert.ok(result.points[3]!.trainLoss < result.points[0]!.trainLoss - 0.5);
  assert.equal(result.points[1]!.tokens, 20 * 8 * 32);
  assert.equal(result.points[1]!.flops, 6 * result.params.total * 20 * 8 * 32);
  assert.ok(Math.abs(result.points[3]!.lr - 3e-4) < 1e-12); // cosine reaches its floor at the last step
  assert.equal(result.points[0]!.evalLoss, undefined);
  assert.ok(result.points[1]!.evalLoss! > 0);
});

test("training is deterministic, and a run resumed from a checkpoint gives the same points bit for bit", async () => {
  const full = await trainModel(request());
  const again = await trainModel(request());
  assert.deepEqual(again.points, full.points);
  let saved: TrainState | undefined;
  await trainModel(request(), {
    onCheckpoint: (state) => {
      if (state.step === 20) saved = structuredClone(state);
    },
  });
  assert.ok(saved);
  const resumed = await trainModel(request(), { resume: saved });
  assert.deepEqual(resumed.points, full.points.slice(2));
});

test("two threads train the same model as one, up to float rounding", async () => {
  const one = await trainModel(request());
  const two = await trainModel(request({ threads: 2 }));
  assert.equal(two.threads, 2);
  one.points.forEach((p, i) => {
    assert.ok(
      Math.abs(p.trainLoss - two.points[i]!.trainLoss) < 1e-3,
      `${p.trainLoss} vs ${two.points[i]!.trainLoss}`,
    );
  });
  assert.ok(Math.abs(one.evalLoss - two.evalLoss) < 1e-3);
});

test("impossible configurations are refused before training, naming the field", async () => {
  const cases: Array<[Partial<TrainRequest>, RegExp]> = [
    [{ model: { ...model, heads: 3 } }, /^UserError: t: heads \(3\) must divide dModel \(32\)$/],
    [{ model: { ...model, seqLen: 5_000_000 }, train }, /seqLen 5000000 is longer than the data allows/],
    [
      { schedule: { kind: "constant", peak: 0, steps: 40 } },
      /the learning rate must be positive; the schedule's peak is 0/,
    ],
    [
      { schedule: { kind: "constant", peak: -1e-3, steps: 40 } },
      /the learning rate must be positive; the schedule gives -0.001 at step 1/,
    ],
    [{ schedule: { kind: "constant", peak: 1e-3, steps: 30 } }, /the schedule has 30 steps, training has 40/],
    [{ model: { ...model, vocab: 10 } }, /model vocab 10 differs from the data's 63/],
    [{ train: { ...train, batch: 0 } }, /batch must be a positive integer, got 0/],
    [{ train: { ...train, evalRows: 12 } }, /evalRows \(12\) must be a multiple of batch \(8\)/],
    [{ train: { ...train, noiseBatches: 1 } }, /noiseBatches must be at least 2/],
    [
      { train: { ...train, noiseBatches: 4, noiseRows: 0.5 } },
      /noiseRows must be a positive integer, got 0.5/,
    ],
  ];
  for (const [over, message] of cases) {
    await assert.rejects(trainModel(request(over), {}, "t"), message);
  }
  await assert.rejects(
    loadBackend("gpu"),
    /^UserError: unknown --backend gpu \(expected auto, wasm, cpu, tfjs-node, tfjs-node-gpu, webgpu\)$/,
  );
  // webgpu is not a dependency: without its packages, one line says how to install them (with them on a
  // machine without a GPU, Dawn finds no adapter and the line says so).
  await assert.rejects(
    loadBackend("webgpu"),
    /^UserError: --backend webgpu (is not installed \(npm install webgpu@0\.6\.2 @tensorflow\/tfjs-backend-webgpu@4\.22\.0\)|found no WebGPU adapter)/,
  );
  await assert.rejects(
    loadBackend("tfjs-node"),
    /--backend tfjs-node is not available here \(install it: npm install @tensorflow\/tfjs-node@4.22.0/,
  );
});

test("a diverging run stops with a message naming the step", async () => {
  await assert.rejects(
    trainModel(request({ schedule: { kind: "constant", peak: 1e6, steps: 40 } }), {}, "t"),
    /^UserError: t: the training loss is (NaN|Infinity) at step \d+ \(lower the learning rate\)$/,
  );
});

test("gradient noise: measured at evaluations only, equal to the per-window gradients' norms, B_simple positive", async () => {
  const noisy = { ...train, noiseBatches: 4, noiseRows: 2 };
  const result = await trainModel(request({ train: noisy }));
  const measured = result.points.filter((p) => p.gradNoise);
  assert.deepEqual(
    measured.map((p) => p.step),
    [20, 40],
  );
  assert.ok(result.points.every((p) => (p.gradNoise !== undefined) === (p.evalLoss !== undefined)));
  const noise = measured[0]!.gradNoise!;
  // Batches of 2 windows × 32 tokens; their mean, 4 × 2 × 32 tokens.
  assert.equal(noise.smallBatch, 64);
  assert.equal(noise.bigBatch, 256);
  // The mean of 4 vectors is shorter than their root-mean-square norm (Jensen), and both are positive.
  assert.ok(noise.bigNorm2 > 0 && noise.bigNorm2 < noise.smallNorm2, JSON.stringify(noise));
  // The same measurement again (same seed, step and weights) is the same numbers: the stream is fixed.
  const again = await trainModel(request({ train: noisy }));
  assert.deepEqual(again.points[1]!.gradNoise, noise);
  // Training itself is unchanged by measuring: the same losses as without it.
  const plain = await trainModel(request());
  assert.deepEqual(
    result.points.map((p) => p.evalLoss),
    plain.points.map((p) => p.evalLoss),
  );
});

test("gradient noise by hand: mean |g_k|² and |mean g_k|² of the small batches' gradients", async () => {
  const { measureGradientNoise } = await import("../../src/trainers/gradientNoise.js");
  const { lossAndGradients, makeWorkspace, disposeWorkspace } = await import("../../src/trainers/model.js");
  const { initWeights } = await import("../../src/trainers/modelWeights.js");
  const { trainingBatch } = await import("../../src/trainers/corpus.js");
  const tf = backend.tf;
  const weights = initWeights(tf, model, randomSource(5));
  const workspace = makeWorkspace(tf, 1, model.seqLen);
  const noise = await measureGradientNoise(tf, model, weights, workspace, source, {
    batches: 3,
    rows: 1,
    seed: 7,
    step: 11,
  });
  // The windows the measurement draws: the stream of seed 7 with its bits flipped, at step 11.
  const windows = trainingBatch(source, 3, model.seqLen, (7 ^ 0x6e6f6973) >>> 0, 11);
  const vectors = [0, 1, 2].map((k) => {
    const at = k * model.seqLen;
    const { loss, gradients } = lossAndGradients(
      tf,
      model,
      weights,
      workspace,
      windows.inputs.subarray(at, at + model.seqLen),
      windows.targets.subarray(at, at + model.seqLen),
    );
    const flat = Float64Array.from(gradients.flatMap((g) => Array.from(g.dataSync())));
    tf.dispose([loss, ...gradients]);
    return flat;
  });
  const norm2 = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x * x, 0);
  const small = vectors.reduce((s, v) => s + norm2(v), 0) / 3;
  const mean = vectors[0]!.map((_, i) => (vectors[0]![i]! + vectors[1]![i]! + vectors[2]![i]!) / 3);
  assert.ok(Math.abs(noise.smallNorm2 / small - 1) < 1e-5, `${noise.smallNorm2} vs ${small}`);
  assert.ok(Math.abs(noise.bigNorm2 / norm2(mean) - 1) < 1e-5, `${noise.bigNorm2} vs ${norm2(mean)}`);
  disposeWorkspace(workspace);
});

test("fake quantisation: absmax per channel or per tensor, 2^bits − 1 levels, error at most half a step", async () => {
  const { fakeQuantize } = await import("../../src/trainers/quantize.js");
  // [2, 2] matrix [[0.5, −1], [0.2, 0.1]]: per tensor at 2 bits (ternary, scale 1) → [[1, −1], [0, 0]].
  assert.deepEqual(
    Array.from(fakeQuantize(Float32Array.from([0.5, -1, 0.2, 0.1]), 2, 2, 2, "tensor")),
    [1, -1, 0, 0],
  );
  // Per channel, column 0 has scale 0.5 and column 1 scale 1: 0.3 → 0.5 (0.6 of a step rounds up), 0.1 → 0.
  const perChannel = Array.from(fakeQuantize(Float32Array.from([0.5, -1, 0.3, 0.1]), 2, 2, 2, "channel"));
  assert.deepEqual(perChannel, [0.5, -1, 0.5, 0]);
  const random = randomSource(3);
  const values = Float32Array.from({ length: 64 * 48 }, () => random.normal());
  for (const bits of [2, 3, 4, 8]) {
    const levels = 2 ** (bits - 1) - 1;
    const rounded = fakeQuantize(values, 64, 48, bits, "channel");
    for (let j = 0; j < 48; j++) {
      let max = 0;
      for (let i = 0; i < 64; i++) max = Math.max(max, Math.abs(values[i * 48 + j]!));
      const step = max / levels;
      const seen = new Set<number>();
      for (let i = 0; i < 64; i++) {
        const q = rounded[i * 48 + j]!;
        assert.ok(Math.abs(q - values[i * 48 + j]!) <= step / 2 + 1e-6);
        seen.add(Math.round(q / step));
      }
      assert.ok(seen.size <= 2 * levels + 1);
    }
  }
});

test("QAT: full precision up to the QAT start, bit for bit; then rounded weights; the last evaluation quantised", async () => {
  const steps = 40;
  const qat = (over: Partial<TrainConfig>) => trainModel(request({ train: { ...train, ...over } }));
  const plain = await trainModel(request());
  // Post-training quantisation (fraction 0): the same training, only the last evaluation differs.
  const ptq = await qat({ qatBits: 3 });
  assert.deepEqual(
    ptq.points.map((p) => p.trainLoss),
    plain.points.map((p) => p.trainLoss),
  );
  assert.equal(ptq.points[1]!.evalLoss, plain.points[1]!.evalLoss);
  assert.notEqual(ptq.evalLoss, plain.evalLoss);
  // 16 bits round every weight to within 2^−15 of its column's largest: the loss moves by less than 1e-4.
  const fine = await qat({ qatBits: 16, qatFraction: 0.5 });
  assert.ok(Math.abs(fine.evalLoss - plain.evalLoss) < 1e-4, `${fine.evalLoss} vs ${plain.evalLoss}`);
  // QAT for the last half (steps 21–40) at 2 bits: points up to step 20 as full precision, later ones not.
  const half = await qat({ qatBits: 2, qatFraction: 0.5 });
  assert.deepEqual(
    half.points.slice(0, 2).map((p) => p.trainLoss),
    plain.points.slice(0, 2).map((p) => p.trainLoss),
  );
  assert.notEqual(half.points[2]!.trainLoss, plain.points[2]!.trainLoss);
  assert.equal(half.points.length, steps / 10);
  await assert.rejects(qat({ qatBits: 1 }), /qatBits must be an integer from 2 to 16, got 1/);
  await assert.rejects(
    qat({ qatBits: 4, qatFraction: 1.5 }),
    /qatFraction must be a fraction in \[0, 1\], got 1.5/,
  );
  await assert.rejects(qat({ qatFraction: 0.5 }), /qatFraction needs qatBits/);
});
