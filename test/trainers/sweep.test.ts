import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { learningRate } from "../../src/schedules/schedule.js";
import { sweepPresets } from "../../src/trainers/presets.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/trainers/checkpoint.js";
import { parseShard, shardRuns } from "../../src/trainers/shards.js";
import { scheduleFor } from "../../src/trainers/scheduleTemplate.js";
import { expandSweep, readSweepConfig } from "../../src/trainers/sweepConfig.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the example config expands to 3 widths × 2 budgets × 2 schedules, steps from tokens", () => {
  const runs = expandSweep(readSweepConfig(join(root, "examples/sweeps/kjv-widths.json")), "kjv-widths.json");
  assert.equal(runs.length, 12);
  assert.equal(
    runs[0]!.name,
    "kjv-widths/dModel=32_tokens=262144_lr=0.002_schedule=cosine-warmup0.02_seed=0",
  );
  assert.equal(runs[0]!.train.steps, 262_144 / (16 * 64));
  assert.equal(runs.at(-1)!.model.dModel, 128);
  assert.deepEqual(runs.at(-1)!.template, { kind: "wsd", decay: 0.2, shape: "sqrt" });
});

test("tokensPerParam sets D = ratio·N and lrLaw the peak LR K·N^a·D^b of each size, lrScale around it", () => {
  const config = {
    name: "n",
    model: { layers: 2, heads: 4, seqLen: 64 },
    train: { batch: 16 },
    grid: { dModel: [32, 64], tokensPerParam: [10], lrScale: [0.5, 1] },
    lrLaw: { K: 2, N: -0.5, D: 0.2 },
  };
  const runs = expandSweep(config, "n.json", 63);
  assert.equal(runs.length, 4);
  // parameterCounts at vocab 63 (kjv): 24d² + 155d = 29 536 (d 32) and 108 224 (d 64, the PyTorch anchor's count).
  assert.equal(runs[0]!.train.steps, Math.round((10 * 29_536) / (16 * 64)));
  assert.equal(runs[2]!.train.steps, Math.round((10 * 108_224) / (16 * 64)));
  const D = runs[2]!.train.steps * 16 * 64;
  assert.ok(Math.abs(runs[3]!.peakLr / (2 * 108_224 ** -0.5 * D ** 0.2) - 1) < 1e-12);
  assert.ok(Math.abs(runs[2]!.peakLr / runs[3]!.peakLr - 0.5) < 1e-12);
  assert.match(runs[0]!.name, /^n\/dModel=32_tokensPerParam=10_lrScale=0\.5_peakLr=0\.07224$/);
  assert.throws(() => expandSweep(config, "n.json"), /n.json: tokensPerParam and lrLaw count parameters/);
  assert.throws(
    () => expandSweep({ ...config, grid: { ...config.grid, lr: [1e-3] } }, "n.json", 63),
    /n.json: give lrLaw or grid.lr, not both/,
  );
  assert.throws(
    () => expandSweep({ ...config, grid: { ...config.grid, tokens: [1e6] } }, "n.json", 63),
    /more than one of steps, tokens and tokensPerParam/,
  );
  assert.throws(
    () => expandSweep({ ...config, lrLaw: { K: -1 } }, "n.json", 63),
    /lrLaw.K must be a positive number/,
  );
});

test("every preset expands; shards take every n-th run", () => {
  for (const [name, preset] of Object.entries(sweepPresets))
    assert.ok(expandSweep(preset, name).length >= 4, name);
  const runs = expandSweep(sweepPresets["kjv-chinchilla"]!, "p");
  assert.equal(runs.length, 15);
  const shards = [0, 1, 2, 3].map((i) => shardRuns(runs, { index: i, count: 4 }));
  assert.deepEqual(
    shards.map((s) => s.length),
    [4, 4, 4, 3],
  );
  assert.deepEqual(
    shards
      .flat()
      .map((r) => r.index)
      .sort((a, b) => a - b),
    runs.map((r) => r.index),
  );
  assert.deepEqual(parseShard("3/8"), { index: 3, count: 8 });
  assert.throws(() => parseShard("8/8"), /invalid --shard 8\/8/);
});

test("schedule templates: WSD decays over its last fraction, warmup is a fraction of the steps", () => {
  const wsd = scheduleFor({ kind: "wsd", decay: 0.2, warmup: 0.1 }, 1e-3, 1000);
  assert.deepEqual(wsd, {
    kind: "wsd",
    peak: 1e-3,
    floor: 1e-4,
    steps: 1000,
    warmup: 100,
    decayStart: 800,
    shape: "linear",
  });
  assert.equal(learningRate(wsd, 799), 1e-3);
  assert.ok(Math.abs(learningRate(wsd, 1000) - 1e-4) < 1e-15);
  const cosine = scheduleFor({ kind: "cosine" }, 2e-3, 500);
  assert.deepEqual(cosine, { kind: "cosine", peak: 2e-3, floor: 2e-4, steps: 500, warmup: 0 });
});

test("checkpoints round-trip; a damaged one reads as none", () => {
  const path = join(mkdtempSync(join(tmpdir(), "scalefit-ckpt-")), "a.ckpt");
  const state = {
    step: 20,
    adamStep: 20,
    tensors: { "param:x": Float32Array.of(1, 2, 3), "first:x": Float32Array.of(0.5) },
  };
  saveCheckpoint(path, state);
  assert.deepEqual(loadCheckpoint(path), state);
  assert.equal(loadCheckpoint(join(path, "..", "missing.ckpt")), undefined);
  saveCheckpoint(path, { ...state, tensors: {} });
  assert.deepEqual(loadCheckpoint(path)!.tensors, {});
});

test("the batch-size sweep: LR = K·B^0.5 per batch, logging and evaluation every so many tokens, one eval set", () => {
  const runs = expandSweep(
    readSweepConfig(join(root, "examples/sweeps/kjv-batch.json")),
    "kjv-batch.json",
    63,
  );
  assert.deepEqual(
    runs.map((r) => r.train.batch),
    [1, 2, 4, 8, 16, 32, 64],
  );
  for (const run of runs) {
    const B = run.train.batch * 64;
    // K·B^0.5 with K = 1.77e-4: 0.00142 at 64 tokens per step … 0.0113 at 4 096.
    assert.ok(Math.abs(run.peakLr / (0.000177 * B ** 0.5) - 1) < 1e-12);
    assert.equal(run.train.steps, 3_145_728 / B);
    assert.equal(run.train.evalEvery, 32_768 / B);
    assert.equal(run.train.logEvery, Math.max(1, 8192 / B));
    assert.equal(run.train.evalRows, 128);
    assert.equal(run.train.noiseBatches, 16);
  }
  const base = { name: "b", model: { seqLen: 64 }, grid: { batch: [3] } };
  assert.throws(
    () => expandSweep({ ...base, train: { evalEveryTokens: -5 } }, "b.json"),
    /b.json: grid batch=3: train.evalEveryTokens must be a positive number, got -5/,
  );
  assert.throws(
    () => expandSweep({ ...base, train: { evalRows: 8 } }, "b.json"),
    /evalRows \(8\) must be a multiple of batch \(3\)/,
  );
  assert.throws(
    () => expandSweep({ ...base, train: { noise: 1 } } as never, "b.json"),
    /train has no field noise/,
  );
});

test("the QAT sweep: bits × QAT fraction × size × budget, the QAT start from the fraction; fused cooldown decays in the QAT phase", () => {
  const runs = expandSweep(readSweepConfig(join(root, "examples/sweeps/kjv-qat.json")), "kjv-qat.json", 63);
  assert.equal(runs.length, 2 * 2 * 5 * 6);
  const run = runs.find((r) => r.train.qatBits === 4 && r.train.qatFraction === 0.25)!;
  assert.match(run.name, /qatBits=4_qatFraction=0.25_schedule=cosine/);
  const fused = scheduleFor({ kind: "wsd", fuseQat: true }, 1e-3, 1000, 0.25);
  assert.equal(fused.kind === "wsd" && fused.decayStart, 750);
  const base = { name: "q", grid: { qatBits: [4], qatFraction: [1.5] } };
  assert.throws(() => expandSweep(base, "q.json"), /qatFraction must be a fraction in \[0, 1\], got 1.5/);
  assert.throws(
    () => expandSweep({ ...base, grid: { qatBits: [1] } }, "q.json"),
    /qatBits must be an integer from 2 to 16, got 1/,
  );
  assert.throws(
    () => expandSweep({ name: "q", grid: { qatFraction: [0.5] } }, "q.json"),
    /qatFraction needs qatBits/,
  );
  assert.throws(
    () => expandSweep({ name: "q", grid: { schedule: [{ kind: "cosine", fuseQat: true }] } }, "q.json"),
    /fuseQat is for wsd schedules/,
  );
});

test("the encoder-decoder sweep: a 3 × 3 grid of encoder and decoder widths, N = Ne + Nd; side axes need encdec", () => {
  const runs = expandSweep(
    readSweepConfig(join(root, "examples/sweeps/kjv-encdec.json")),
    "kjv-encdec.json",
    63,
  );
  assert.equal(runs.length, 9);
  const run = runs.find(
    (r) => r.encdec!.model.encoder.dModel === 64 && r.encdec!.model.decoder.dModel === 32,
  )!;
  assert.deepEqual(run.encdec!.task, { maskRate: 0.3 });
  assert.equal(run.encdec!.model.encoder.layers, 2);
  assert.equal(run.train.steps, 4_194_304 / (8 * 64));
  const diagonal = expandSweep(
    readSweepConfig(join(root, "examples/sweeps/kjv-encdec-diagonal.json")),
    "d",
    63,
  );
  assert.deepEqual(
    diagonal.map((r) => [r.encdec!.model.encoder.dModel, r.encdec!.model.decoder.dModel]),
    [
      [24, 24],
      [96, 96],
    ],
  );
  assert.throws(
    () => expandSweep({ name: "e", grid: { encoderDModel: [32] } }, "e.json"),
    /grid.encoderDModel is for encoder-decoder sweeps/,
  );
  assert.throws(
    () =>
      expandSweep({ name: "e", encdec: {}, model: { heads: 4 }, grid: { decoderDModel: [30] } }, "e.json"),
    /decoder.heads \(4\) must divide decoder.dModel \(30\)/,
  );
  assert.throws(
    () => expandSweep({ name: "e", encdec: { maskRate: 1.2 }, grid: {} }, "e.json"),
    /maskRate must be in \(0, 1\), got 1.2/,
  );
});
