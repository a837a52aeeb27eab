import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { packageRoot } from "../../src/packageRoot.js";
import {
  heldOutBatches,
  heldOutFloor,
  loadKjv,
  loadSource,
  markovSource,
  trainingBatch,
} from "../../src/trainers/corpus.js";
import { chainLoss, markovChain } from "../../src/trainers/markov.js";

test("the bundled Bible is Debian's bible-kjv text (sha256 in data/kjv/SOURCE.md), 63 bytes, split 90/10", () => {
  const text = gunzipSync(readFileSync(join(packageRoot(), "data/kjv/kjv.txt.gz")));
  assert.equal(
    createHash("sha256").update(text).digest("hex"),
    "b5c4940bcfeee072c0935b5200d0f9d88a00a0199cb0961d16133458fcdfae5d",
  );
  const kjv = loadKjv();
  // tiny_lm_torch.py reports chars 4137850 and vocab 63 for the same text.
  assert.equal(kjv.vocab, 63);
  assert.equal(kjv.train.length + kjv.heldOut.length, 4_137_850);
  assert.equal(kjv.train.length, 3_724_065);
  assert.equal(String.fromCharCode(kjv.bytes![kjv.train[0]!]!), "I"); // "In the beginning"
});

test("batches are windows with next-token targets, the same for the same (seed, step)", () => {
  const kjv = loadKjv();
  const a = trainingBatch(kjv, 4, 16, 7, 3);
  const b = trainingBatch(kjv, 4, 16, 7, 3);
  const c = trainingBatch(kjv, 4, 16, 7, 4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.inputs, c.inputs);
  for (let row = 0; row < 4; row++) {
    for (let j = 0; j < 15; j++) assert.equal(a.targets[row * 16 + j], a.inputs[row * 16 + j + 1]);
  }
  const held = heldOutBatches(kjv, 2, 4, 16);
  assert.deepEqual(held, heldOutBatches(kjv, 2, 4, 16));
});

test("a two-state Markov chain's entropy rate equals the closed form, and its text has that empirical entropy", () => {
  const chain = markovChain({ vocab: 2, order: 1, alpha: 1, tokens: 10_000, seed: 4 });
  const p = chain.probabilities;
  const a = p[1]!; // P(1 | 0)
  const b = p[2]!; // P(0 | 1)
  const pi0 = b / (a + b);
  const h = (q: number) => -(q * Math.log(q) + (1 - q) * Math.log(1 - q));
  assert.ok(Math.abs(chain.entropyRate - (pi0 * h(a) + (1 - pi0) * h(b))) < 1e-12);
  // The generated text's plug-in conditional entropy (order-2 chain, 16 symbols) approaches the rate.
  const source = markovSource({ vocab: 16, order: 2, alpha: 0.3, tokens: 2_000_000, seed: 1 }, "test");
  assert.ok(Math.abs(source.entropyRate! - 1.8279754201801635) < 1e-9); // the value src/trainers/presets.ts quotes
  const counts = new Float64Array(16 ** 3);
  const all = new Uint8Array([...source.train, ...source.heldOut]);
  for (let i = 2; i < all.length; i++) counts[all[i - 2]! * 256 + all[i - 1]! * 16 + all[i]!]! += 1;
  let entropy = 0;
  for (let c = 0; c < 256; c++) {
    let total = 0;
    for (let s = 0; s < 16; s++) total += counts[c * 16 + s]!;
    for (let s = 0; s < 16; s++) {
      const n = counts[c * 16 + s]!;
      if (n > 0) entropy -= (n / (all.length - 2)) * Math.log(n / total);
    }
  }
  assert.ok(Math.abs(entropy - source.entropyRate!) < 0.01, `empirical ${entropy} vs ${source.entropyRate}`);
});

test("bad sources are one-line messages naming the field", () => {
  assert.throws(
    () => loadSource({ markov: { order: 9 } }, "cfg: data"),
    /^UserError: cfg: data: markov.order must be an integer in \[1, 4\], got 9$/,
  );
  assert.throws(
    () => loadSource({ markov: { vocab: 64, order: 3 } }, "cfg: data"),
    /markov vocab\^order = 262144 contexts; at most 65536/,
  );
  assert.throws(() => loadSource({ markov: { beta: 1 } as never }, "cfg: data"), /unknown markov field beta/);
  assert.throws(
    () => loadSource({ file: "/nonexistent.txt" }, "--data"),
    /^UserError: --data: no file \/nonexistent.txt$/,
  );
  assert.throws(() => loadSource("wiki" as never, "--data"), /unknown data source "wiki"/);
});

test("the true chain's loss on windows: exact −log P by hand (order 2, short contexts from π), and the entropy rate on many windows", () => {
  const chain = markovChain({ vocab: 3, order: 2, alpha: 0.5, tokens: 10_000, seed: 4 });
  const pi = chain.stationary; // over pairs (a, b), index 3a + b
  const P = (a: number, b: number, s: number) => chain.probabilities[(3 * a + b) * 3 + s]!;
  // One window x = [2, 0, 1, 1]: targets 0 (given 2 only), 1 (given 2, 0), 1 (given 0, 1).
  const inputs = Int32Array.from([2, 0, 1]);
  const targets = Int32Array.from([0, 1, 1]);
  // P(0 | 2) from π of the pair's first symbol: π(2, 0) / Σ_s π(2, s) (chainLoss uses the last symbol's).
  const first = pi[6]! / (pi[6]! + pi[7]! + pi[8]!);
  const byHand = -(Math.log(first) + Math.log(P(2, 0, 1)) + Math.log(P(0, 1, 1))) / 3;
  assert.ok(Math.abs(chainLoss(chain, [{ inputs, targets }], 3) - byHand) < 1e-12);
  // Order 1: every target has its one symbol of context, so on 2 048 windows of 64 the loss is the entropy
  // rate up to sampling (measured: 3.1412 against 3.1384, on 131k tokens).
  const source = markovSource({ vocab: 64, order: 1, alpha: 0.3, tokens: 400_000, seed: 1 }, "m");
  const floor = heldOutFloor(source, { batch: 16, evalBatches: 128 }, 64)!;
  assert.ok(Math.abs(floor - source.entropyRate!) < 0.02, `${floor} vs ${source.entropyRate}`);
  assert.equal(heldOutFloor(loadKjv(), { batch: 16, evalBatches: 1 }, 64), undefined);
});
