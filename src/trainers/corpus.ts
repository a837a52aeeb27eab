/**
 * Token sources for the trainers: the bundled King James Bible (byte level), any text file, or a synthetic
 * Markov source with a known entropy rate (the chain: markov.ts). Each is split once into a training part and
 * a fixed held-out part (the last 10 %), and batches are random windows drawn from a seeded stream per step,
 * so a run resumed at step s sees exactly the batches it would have seen.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { UserError } from "../errors.js";
import { packageRoot } from "../packageRoot.js";
import { randomSource } from "../random.js";
import { chainLoss, defaultMarkovSpec, markovChain, type MarkovChain, type MarkovSpec } from "./markov.js";
import type { TrainConfig } from "./config.js";

/** A tokenised corpus: token ids in [0, vocab), split into training and held-out parts. */
export interface TokenSource {
  /** How the source is named in run metadata: "kjv", "file:<path>", "markov:order=2,…". */
  name: string;
  /** Number of distinct tokens (bytes that occur, or the Markov alphabet). */
  vocab: number;
  train: Uint8Array;
  heldOut: Uint8Array;
  /** The true entropy rate in nats/token, when known (synthetic sources): the irreducible loss E. */
  entropyRate?: number;
  /** The chain that generated a synthetic source. */
  chain?: MarkovChain;
  /** For text: the byte value of each token id. */
  bytes?: Uint8Array;
}

/** Which source to train on: the bundled Bible, a text file, or a Markov chain. */
export type SourceSpec = "kjv" | { file: string } | { markov: Partial<MarkovSpec> };

/** Fraction of a corpus held out (its end), as in the PyTorch anchor. */
const heldOutFraction = 0.1;

/**
 * Byte-level tokens of a text: ids are the ranks of the bytes that occur (63 for the KJV), split 90/10.
 * @example const source = textSource("tiny", new TextEncoder().encode("abcabc…"))
 */
export function textSource(name: string, text: Uint8Array): TokenSource {
  const seen = new Uint8Array(256);
  for (let i = 0; i < text.length; i++) seen[text[i]!] = 1;
  const bytes = Uint8Array.from([...seen.keys()].filter((b) => seen[b]));
  const id = new Uint8Array(256);
  bytes.forEach((b, i) => (id[b] = i));
  const tokens = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) tokens[i] = id[text[i]!]!;
  const split = Math.floor((1 - heldOutFraction) * tokens.length);
  return {
    name,
    vocab: bytes.length,
    train: tokens.subarray(0, split),
    heldOut: tokens.subarray(split),
    bytes,
  };
}

let kjvCache: TokenSource | undefined;

/**
 * The King James Bible from data/kjv/kjv.txt.gz (data/kjv/SOURCE.md): 4 137 850 bytes, vocabulary 63.
 * @example loadKjv().vocab // 63
 */
export function loadKjv(): TokenSource {
  if (!kjvCache) {
    const text = gunzipSync(readFileSync(join(packageRoot(), "data", "kjv", "kjv.txt.gz")));
    kjvCache = textSource("kjv", text);
  }
  return kjvCache;
}

/**
 * Resolves a source spec to tokens; `where` names the option or config field for messages.
 * @example loadSource("kjv", "--data").vocab // 63
 */
export function loadSource(spec: SourceSpec, where: string): TokenSource {
  if (spec === "kjv") return loadKjv();
  if (typeof spec === "object" && spec !== null && "file" in spec && typeof spec.file === "string") {
    if (!existsSync(spec.file)) throw new UserError(`${where}: no file ${spec.file}`);
    const raw = readFileSync(spec.file);
    const text = spec.file.endsWith(".gz") ? gunzipSync(raw) : raw;
    if (text.length < 1000)
      throw new UserError(`${where}: ${spec.file} has ${text.length} bytes; a corpus needs at least 1000`);
    return textSource(`file:${spec.file}`, text);
  }
  if (typeof spec === "object" && spec !== null && "markov" in spec) return markovSource(spec.markov, where);
  throw new UserError(
    `${where}: unknown data source ${JSON.stringify(spec)} (expected "kjv", {"file": …} or {"markov": {…}})`,
  );
}

/**
 * Generates the chain's tokens (started from a context drawn from π) as a token source, 90/10 split.
 * @example const source = markovSource({ order: 2 }, "config data"); source.entropyRate
 */
export function markovSource(partial: Partial<MarkovSpec>, where: string): TokenSource {
  const unknown = Object.keys(partial).filter((k) => !(k in defaultMarkovSpec));
  if (unknown.length) {
    throw new UserError(
      `${where}: unknown markov field ${unknown[0]} (known: ${Object.keys(defaultMarkovSpec).join(", ")})`,
    );
  }
  const spec = { ...defaultMarkovSpec, ...partial };
  const chain = markovChain(spec, where);
  const { vocab, order, tokens: length } = spec;
  const contexts = vocab ** order;
  const random = randomSource((spec.seed ^ 0x5bd1e995) >>> 0);
  const cumulative = new Float64Array(chain.probabilities.length);
  for (let c = 0; c < contexts; c++) {
    let sum = 0;
    for (let s = 0; s < vocab; s++) cumulative[c * vocab + s] = sum += chain.probabilities[c * vocab + s]!;
  }
  const draw = (row: Float64Array, offset: number, n: number) => {
    const u = random.uniform() * row[offset + n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (row[offset + mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const piCumulative = new Float64Array(contexts);
  let sum = 0;
  for (let c = 0; c < contexts; c++) piCumulative[c] = sum += chain.stationary[c]!;
  let context = draw(piCumulative, 0, contexts);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const s = draw(cumulative, context * vocab, vocab);
    out[i] = s;
    context = (context * vocab + s) % contexts;
  }
  const split = Math.floor(0.9 * length);
  return {
    name: `markov:vocab=${vocab},order=${order},alpha=${spec.alpha},tokens=${length},seed=${spec.seed}`,
    vocab,
    train: out.subarray(0, split),
    heldOut: out.subarray(split),
    entropyRate: chain.entropyRate,
    chain,
  };
}

/**
 * Checks that windows of `seq + 1` tokens fit in both parts of the source.
 * @example checkWindows(loadKjv(), 64, "train")
 */
export function checkWindows(source: TokenSource, seq: number, where: string): void {
  const shortest = Math.min(source.train.length, source.heldOut.length);
  if (seq + 1 > shortest) {
    throw new UserError(
      `${where}: seqLen ${seq} is longer than the data allows (${source.name} has ${shortest} held-out tokens; a window needs seqLen + 1)`,
    );
  }
}

/** A batch: `batch` windows as inputs and next-token targets, row-major [batch, seq]. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
}

/** Fills a batch from windows starting at the given offsets. */
function windows(tokens: Uint8Array, offsets: readonly number[], seq: number): Batch {
  const inputs = new Int32Array(offsets.length * seq);
  const targets = new Int32Array(offsets.length * seq);
  offsets.forEach((offset, row) => {
    for (let j = 0; j < seq; j++) {
      inputs[row * seq + j] = tokens[offset + j]!;
      targets[row * seq + j] = tokens[offset + j + 1]!;
    }
  });
  return { inputs, targets };
}

/**
 * The training batch of one step: uniform window offsets from a stream seeded by (seed, step), so the batch
 * of step s never depends on the steps before it.
 * @example const { inputs, targets } = trainingBatch(source, 16, 64, 0, 1)
 */
export function trainingBatch(
  source: TokenSource,
  batch: number,
  seq: number,
  seed: number,
  step: number,
): Batch {
  const random = randomSource((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step, 0x85ebca6b)) >>> 0);
  const span = source.train.length - seq - 1;
  const offsets = Array.from({ length: batch }, () => random.int(span + 1));
  return windows(source.train, offsets, seq);
}

/**
 * The fixed held-out batches: the same windows for every run and every evaluation on a source
 * (a stream with a fixed seed, like the anchor's `default_rng(12345)`).
 * @example const batches = heldOutBatches(source, 8, 16, 64)
 */
export function heldOutBatches(source: TokenSource, count: number, batch: number, seq: number): Batch[] {
  const random = randomSource(12345);
  const span = source.heldOut.length - seq - 1;
  return Array.from({ length: count }, () =>
    windows(
      source.heldOut,
      Array.from({ length: batch }, () => random.int(span + 1)),
      seq,
    ),
  );
}

/**
 * The held-out batches a run evaluates on: `evalRows` windows (or evalBatches · batch), `batch` at a time.
 * @example const batches = evaluationBatches(source, { ...defaultTrainConfig, evalRows: 128 }, 64)
 */
export function evaluationBatches(
  source: TokenSource,
  train: Pick<TrainConfig, "batch" | "evalBatches" | "evalRows">,
  seq: number,
): Batch[] {
  return heldOutBatches(source, evaluationCount(train), train.batch, seq);
}

/**
 * How many held-out batches of `batch` windows a run evaluates on: evalRows / batch, or evalBatches.
 * @example evaluationCount({ batch: 8, evalBatches: 8, evalRows: 128 }) // 16
 */
export function evaluationCount(train: Pick<TrainConfig, "batch" | "evalBatches" | "evalRows">): number {
  return train.evalRows !== undefined ? train.evalRows / train.batch : train.evalBatches;
}

/**
 * A synthetic source's floor on a run's held-out windows: the true chain's mean loss there (chainLoss),
 * or undefined for text.
 * @example heldOutFloor(markovSource({}, "m"), defaultTrainConfig, 64) // ≈ the entropy rate
 */
export function heldOutFloor(
  source: TokenSource,
  train: Pick<TrainConfig, "batch" | "evalBatches" | "evalRows">,
  seq: number,
): number | undefined {
  if (!source.chain) return undefined;
  return chainLoss(source.chain, evaluationBatches(source, train, seq), seq);
}
