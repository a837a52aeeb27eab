/**
 * Built-in sweeps (`scalefit sweep --preset <name>`); each is a plain SweepConfig, also a template for
 * writing one's own config file.
 */
import type { SweepConfig } from "./sweepConfig.js";

/**
 * Four tiny models on the Bible (two widths × cosine and WSD), 30 steps each: trains in a few seconds on
 * two CPU cores, and is run by the tests and CI.
 */
const smokePreset: SweepConfig = {
  name: "smoke",
  data: "kjv",
  model: { layers: 1, heads: 2, seqLen: 32 },
  train: { batch: 8, logEvery: 5, evalEvery: 10, evalBatches: 2 },
  grid: { dModel: [16, 32], steps: [30], lr: [3e-3], schedule: ["cosine", { kind: "wsd", decay: 0.3 }] },
};

/**
 * A Chinchilla-style grid on the Bible: five widths (2 layers, 4 heads) × three token budgets, cosine to
 * 10 %, 2 % warmup: 15 runs from 29.5k to 413k parameters (its results: data/sweeps/kjv-chinchilla).
 */
const kjvChinchillaPreset: SweepConfig = {
  name: "kjv-chinchilla",
  data: "kjv",
  model: { layers: 2, heads: 4, seqLen: 64 },
  train: { batch: 16, logEvery: 25, evalEvery: 100, evalBatches: 8 },
  grid: {
    dModel: [32, 48, 64, 96, 128],
    tokens: [262_144, 524_288, 1_048_576],
    lr: [2e-3],
    schedule: [{ kind: "cosine", warmup: 0.02 }],
  },
};

/**
 * Widths on a synthetic order-2 Markov source over 16 symbols with a known entropy rate (1.828 nats/token
 * for seed 1): fitting L(N) = E + A·N^(−alpha) to the final held-out losses should find E near it.
 */
const markovPreset: SweepConfig = {
  name: "markov",
  data: { markov: { vocab: 16, order: 2, alpha: 0.3, tokens: 2_000_000, seed: 1 } },
  model: { layers: 2, heads: 4, seqLen: 64 },
  train: { batch: 16, logEvery: 50, evalEvery: 200, evalBatches: 8 },
  grid: {
    dModel: [8, 12, 16, 24, 32, 48, 64],
    steps: [1500],
    lr: [3e-3],
    schedule: [{ kind: "cosine", warmup: 0.02 }],
  },
};

/**
 * The presets by name (`scalefit sweep --preset <name>`).
 * @example await runSweep(sweepPresets.smoke, { db: "smoke.duckdb" })
 */
export const sweepPresets: Readonly<Record<string, SweepConfig>> = {
  smoke: smokePreset,
  "kjv-chinchilla": kjvChinchillaPreset,
  markov: markovPreset,
};
