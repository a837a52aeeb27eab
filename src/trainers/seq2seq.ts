/**
 * The encoder-decoder's task: denoising windows of a token source (T5's objective without spans). The target
 * is a window of `seq` tokens; the source is the same window with each token replaced, independently with
 * probability `maskRate`, by a mask symbol; the decoder reads the target shifted right behind a begin symbol.
 * Unmasked positions can be copied from the source; masked ones must be inferred from both sides of the
 * source and the target prefix — so the source carries information the decoder alone cannot predict, and
 * both encoder and decoder capacity matter. Its floor is not known in closed form for text (it is the
 * masked-token entropy given the context, times the mask rate); on a Markov source it could be computed.
 * Ids: the source's tokens 0 … V−1, mask V, begin V+1 (vocabulary V + 2). Batches come from the seeded
 * stream of corpus.ts (a step's batch never depends on earlier ones), masks from a stream seeded by the
 * same (seed, step); held-out batches are fixed windows with fixed masks.
 */
import { UserError } from "../errors.js";
import { randomSource } from "../random.js";
import { heldOutBatches, trainingBatch, type Batch, type TokenSource } from "./corpus.js";
import type { Seq2SeqBatch } from "./encdecModel.js";

/** The task's settings. */
export interface DenoisingTask {
  /** Probability that a source token is masked. Default 0.3. */
  maskRate: number;
}

/**
 * The task's vocabulary on a source: its tokens, a mask and a begin symbol.
 * @example denoisingVocab(loadKjv()) // 65
 */
export function denoisingVocab(source: TokenSource): number {
  return source.vocab + 2;
}

/** Checks the mask rate: a fraction in (0, 1). */
export function checkDenoisingTask(task: DenoisingTask, where: string): void {
  if (!(task.maskRate > 0 && task.maskRate < 1))
    throw new UserError(`${where}: maskRate must be in (0, 1), got ${JSON.stringify(task.maskRate)}`);
}

function denoise(windows: Batch, seq: number, vocab: number, maskRate: number, seed: number): Seq2SeqBatch {
  const random = randomSource(seed >>> 0);
  const n = windows.inputs.length;
  const source = new Int32Array(n);
  const inputs = new Int32Array(n);
  // The window is inputs[0..seq) followed by its last target: the target sequence is the window's inputs
  // (every target is a token of the window), the decoder input that shifted right behind the begin symbol.
  for (let row = 0; row * seq < n; row++) {
    for (let j = 0; j < seq; j++) {
      const at = row * seq + j;
      const token = windows.inputs[at]!;
      source[at] = random.uniform() < maskRate ? vocab : token;
      inputs[at] = j === 0 ? vocab + 1 : windows.inputs[at - 1]!;
    }
  }
  return { source, inputs, targets: windows.inputs.slice() };
}

/**
 * The training batch of a step: `batch` denoising examples from the stream seeded by (seed, step).
 * @example const batch = denoisingBatch(source, { maskRate: 0.3 }, 16, 64, 0, 1)
 */
export function denoisingBatch(
  source: TokenSource,
  task: DenoisingTask,
  batch: number,
  seq: number,
  seed: number,
  step: number,
): Seq2SeqBatch {
  const windows = trainingBatch(source, batch, seq, seed, step);
  return denoise(windows, seq, source.vocab, task.maskRate, Math.imul(seed + 7, 0x2545f491) ^ step);
}

/**
 * The fixed held-out examples: `count` batches of `batch` windows, masks from a fixed seed.
 * @example const batches = denoisingHeldOut(source, { maskRate: 0.3 }, 8, 16, 64)
 */
export function denoisingHeldOut(
  source: TokenSource,
  task: DenoisingTask,
  count: number,
  batch: number,
  seq: number,
): Seq2SeqBatch[] {
  return heldOutBatches(source, count, batch, seq).map((windows, i) =>
    denoise(windows, seq, source.vocab, task.maskRate, 0x51ed + i),
  );
}
