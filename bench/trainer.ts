/**
 * Training throughput of the decoder LM against ../shared/anchors/tiny_lm_torch.py (PyTorch on the CPU),
 * measured in the same run on the same text (the bundled KJV): 2 layers, 4 heads, d_model 64 and 128,
 * seq 64, batch 16, AdamW, 50 steps, tokens/s over steps 6..50 as the anchor reports. PyTorch needs
 * `apt-get install -y python3-torch`.
 *
 * Rows: TF.js's autodiff of the same model (the starting point; 20 steps, tokens/s from step 6), our
 * hand-written backward pass with the SIMD kernels on one thread, the default (data-parallel on every core),
 * and the default with exact (erf) GELU as the anchor uses; then QAT at 4 bits on every step against full
 * precision (the fake quantisation's cost), and the encoder-decoder beside the decoder LM.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import {
  defaultModelConfig,
  defaultTrainConfig,
  loadBackend,
  loadKjv,
  trainModel,
  trainingBatch,
} from "../src/index.js";
import { adamWState, adamWStep, flatten } from "../src/trainers/adamw.js";
import { lossOf, makeWorkspace } from "../src/trainers/model.js";
import { initWeights, namedWeights } from "../src/trainers/modelWeights.js";
import { randomSource } from "../src/random.js";
import { trainEncDec } from "../src/trainers/encdecTrain.js";
import { denoisingVocab } from "../src/trainers/seq2seq.js";
import { anchors, line, python, root } from "./_shared.js";

console.log(
  "== Training throughput (2 layers, 4 heads, seq 64, batch 16, AdamW, 50 steps; tokens/s over steps 6..50)",
);
const backend = await loadBackend("wasm");
const { tf } = backend;
const source = loadKjv();
const widths = [64, 128];
const steps = 50;

/** TF.js's own gradients (tf.variableGrads) through the same forward pass, no custom kernels. */
function autodiffThroughput(dModel: number): number {
  const model = { ...defaultModelConfig, vocab: source.vocab, dModel, gelu: "erf" as const };
  const weights = initWeights(tf, model, randomSource(0));
  const params = namedWeights(weights).map(([, v]) => v);
  const state = adamWState(tf, params);
  const workspace = makeWorkspace(tf, 16, 64, false);
  const times: number[] = [];
  for (let t = 1; t <= 20; t++) {
    const start = performance.now();
    const batch = trainingBatch(source, 16, 64, 0, t);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => lossOf(tf, model, weights, workspace, batch.inputs, batch.targets),
        params,
      );
      adamWStep(
        tf,
        params,
        flatten(
          tf,
          params.map((p) => grads[p.name]!),
        ),
        state,
        1e-3,
        defaultTrainConfig,
      );
      return value;
    });
    loss.dataSync();
    loss.dispose();
    times.push(performance.now() - start);
  }
  for (const v of [...params, state.first, state.second]) v.dispose();
  const steady = times.slice(5);
  return (16 * 64 * steady.length) / (steady.reduce((a, b) => a + b, 0) / 1000);
}

const ours = new Map<
  number,
  { autodiff: number; one: number; all: number; allThreads: number; erf: number }
>();
for (const dModel of widths) {
  const model = { ...defaultModelConfig, vocab: source.vocab, dModel };
  const train = { ...defaultTrainConfig, steps, logEvery: steps };
  const schedule = { kind: "constant" as const, peak: 1e-3, steps };
  const autodiff = autodiffThroughput(dModel);
  const one = await trainModel({ model, train, schedule, source, backend, threads: 1 });
  const all = await trainModel({ model, train, schedule, source, backend });
  const erf = await trainModel({ model: { ...model, gelu: "erf" }, train, schedule, source, backend });
  ours.set(dModel, {
    autodiff,
    one: one.steadyTokensPerSecond,
    all: all.steadyTokensPerSecond,
    allThreads: all.threads,
    erf: erf.steadyTokensPerSecond,
  });
  line(
    `d_model ${dModel}: TF.js wasm, autodiff (tf.variableGrads), 1 thread`,
    `${Math.round(autodiff)} tokens/s`,
  );
  line(
    `d_model ${dModel}: scalefit, hand-written backward + SIMD kernels, 1 thread`,
    `${Math.round(one.steadyTokensPerSecond)} tokens/s`,
  );
  line(
    `d_model ${dModel}: scalefit default (${all.threads} threads; ${availableParallelism()} cores)`,
    `${Math.round(all.steadyTokensPerSecond)} tokens/s (loss ${all.lossFirst.toFixed(3)} → ${all.lossLast.toFixed(3)})`,
  );
  line(
    `d_model ${dModel}: scalefit default with exact (erf) GELU, as the anchor`,
    `${Math.round(erf.steadyTokensPerSecond)} tokens/s`,
  );
}

// QAT: the same runs with every step a QAT step at 4 bits (fake quantisation and its restore, per channel).
for (const dModel of widths) {
  const model = { ...defaultModelConfig, vocab: source.vocab, dModel };
  const schedule = { kind: "constant" as const, peak: 1e-3, steps };
  const train = { ...defaultTrainConfig, steps, logEvery: steps };
  const qat = await trainModel({
    model,
    train: { ...train, qatBits: 4, qatFraction: 1 },
    schedule,
    source,
    backend,
  });
  const plain = await trainModel({ model, train, schedule, source, backend });
  line(
    `d_model ${dModel}: QAT at 4 bits every step (default threads)`,
    `${Math.round(qat.steadyTokensPerSecond)} tokens/s; full precision in the same run ${Math.round(plain.steadyTokensPerSecond)}: fake quantisation costs ${(100 * (plain.steadyTokensPerSecond / qat.steadyTokensPerSecond - 1)).toFixed(1)} % of a step (target < 15 %)`,
  );
}

// The encoder-decoder on the denoising task (1 thread), beside the decoder LM of the same width and depth.
for (const dModel of widths) {
  const side = { dModel, layers: 2, heads: 4 };
  const model = {
    vocab: denoisingVocab(source),
    seqLen: 64,
    encoder: side,
    decoder: side,
    mlpRatio: 4,
    gelu: "tanh" as const,
    initStd: 0.02,
  };
  const train = { ...defaultTrainConfig, steps, logEvery: steps };
  const schedule = { kind: "constant" as const, peak: 1e-3, steps };
  const encdec = await trainEncDec({ model, train, task: { maskRate: 0.3 }, schedule, source, backend });
  const decoder = ours.get(dModel)!;
  line(
    `d_model ${dModel}: encoder-decoder (2 + 2 layers, denoising), 1 thread`,
    `${Math.round(encdec.steadyTokensPerSecond)} target tokens/s (decoder LM of 2 layers, 1 thread: ${Math.round(decoder.one)}; no PyTorch anchor for it)`,
  );
}

// PyTorch on the same text (the anchor reads a file given as its argument).
const script = join(anchors, "tiny_lm_torch.py");
const probe = existsSync(python)
  ? spawnSync(python, ["-c", "import torch"], { encoding: "utf8" })
  : undefined;
if (!existsSync(script) || !probe || probe.status !== 0) {
  line(
    "PyTorch baseline",
    `skipped (${existsSync(script) ? "apt-get install -y python3-torch" : `no ${script}`})`,
  );
} else {
  const text = join(mkdtempSync(join(tmpdir(), "scalefit-bench-")), "kjv.txt");
  writeFileSync(text, gunzipSync(readFileSync(join(root, "data/kjv/kjv.txt.gz"))));
  const run = spawnSync(python, [script, text, "--d-model", ...widths.map(String)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`tiny_lm_torch.py failed: ${run.stderr}`);
  const report = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as {
    results: Array<{ d_model: number; tokens_per_s_steady: number }>;
    config: { threads: number };
  };
  for (const r of report.results) {
    const mine = ours.get(r.d_model)!;
    line(
      `d_model ${r.d_model}: PyTorch ${report.config.threads} threads (same run, same text)`,
      `${Math.round(r.tokens_per_s_steady)} tokens/s`,
    );
    line(
      `  ratio scalefit / PyTorch (default; 1 thread; autodiff)`,
      `${(mine.all / r.tokens_per_s_steady).toFixed(2)}; ${(mine.one / r.tokens_per_s_steady).toFixed(2)}; ${(mine.autodiff / r.tokens_per_s_steady).toFixed(2)} (target ≥ 0.5)`,
    );
  }
}
