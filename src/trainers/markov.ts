/**
 * A random Markov chain of order k over an alphabet of V symbols, with a known entropy rate (corpus.ts
 * samples it as a synthetic token source). Each of the V^k contexts gets its own next-symbol distribution
 * drawn from a symmetric Dirichlet(α) (small α: peaked, low entropy). The entropy rate
 *   H = Σ_c π(c) · H(P(· | c))      (nats per token; π the stationary distribution over contexts)
 * is the lowest loss any model can reach on this source (its irreducible loss E), so a law fitted to runs on
 * it can be checked against the truth. π is found by power iteration on the context chain.
 */
import { UserError } from "../errors.js";
import { randomSource, type RandomSource } from "../random.js";

/** The chain's definition. */
export interface MarkovSpec {
  /** Alphabet size V (2..256). Default 16. */
  vocab: number;
  /** Context length k (1..4, V^k ≤ 65 536). Default 2. */
  order: number;
  /** Dirichlet concentration α of each context's distribution. Default 0.3. */
  alpha: number;
  /** Tokens generated (training + held out). Default 2 000 000. */
  tokens: number;
  /** Seed of the chain's distributions and of the generated sequence. Default 1. */
  seed: number;
}

/** The chain's defaults: the fields a `{"markov": {…}}` source leaves out. */
export const defaultMarkovSpec: MarkovSpec = { vocab: 16, order: 2, alpha: 0.3, tokens: 2_000_000, seed: 1 };

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape). */
function gamma(random: RandomSource, shape: number): number {
  if (shape < 1) return gamma(random, shape + 1) * Math.pow(1 - random.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = random.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - random.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A chain: per context (its symbols as a base-V number), the next-symbol distribution. */
export interface MarkovChain {
  spec: MarkovSpec;
  /** [contexts × vocab] probabilities. */
  probabilities: Float64Array;
  /** Entropy rate in nats per token. */
  entropyRate: number;
  /** Stationary distribution over contexts. */
  stationary: Float64Array;
}

function checkSpec(spec: MarkovSpec, where: string): void {
  const int = (name: keyof MarkovSpec, lo: number, hi: number) => {
    const value = spec[name];
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new UserError(`${where}: markov.${name} must be an integer in [${lo}, ${hi}], got ${value}`);
    }
  };
  int("vocab", 2, 256);
  int("order", 1, 4);
  int("tokens", 10_000, 100_000_000);
  int("seed", 0, 2 ** 32 - 1);
  if (spec.vocab ** spec.order > 65_536) {
    throw new UserError(`${where}: markov vocab^order = ${spec.vocab ** spec.order} contexts; at most 65536`);
  }
  if (!(spec.alpha > 0) || !Number.isFinite(spec.alpha)) {
    throw new UserError(`${where}: markov.alpha must be a positive number, got ${spec.alpha}`);
  }
}

/**
 * Draws a chain and computes its stationary distribution and entropy rate.
 * @example markovChain({ ...defaultMarkovSpec, vocab: 2, order: 1 }).entropyRate // ≤ ln 2
 */
export function markovChain(spec: MarkovSpec, where = "markov"): MarkovChain {
  checkSpec(spec, where);
  const { vocab, order } = spec;
  const contexts = vocab ** order;
  const random = randomSource(spec.seed);
  const probabilities = new Float64Array(contexts * vocab);
  for (let c = 0; c < contexts; c++) {
    let total = 0;
    for (let s = 0; s < vocab; s++)
      total += probabilities[c * vocab + s] = gamma(random, spec.alpha) + 1e-300;
    for (let s = 0; s < vocab; s++) probabilities[c * vocab + s]! /= total;
  }
  // Power iteration: context c = (x1 … xk) goes to (x2 … xk, s) with P(s | c).
  let pi = new Float64Array(contexts).fill(1 / contexts);
  for (let iteration = 0; iteration < 10_000; iteration++) {
    const next = new Float64Array(contexts);
    for (let c = 0; c < contexts; c++) {
      const shifted = (c * vocab) % contexts;
      for (let s = 0; s < vocab; s++) next[shifted + s]! += pi[c]! * probabilities[c * vocab + s]!;
    }
    let change = 0;
    for (let c = 0; c < contexts; c++) change += Math.abs(next[c]! - pi[c]!);
    pi = next;
    if (change < 1e-13) break;
  }
  let entropyRate = 0;
  for (let c = 0; c < contexts; c++) {
    let h = 0;
    for (let s = 0; s < vocab; s++) {
      const p = probabilities[c * vocab + s]!;
      if (p > 0) h -= p * Math.log(p);
    }
    entropyRate += pi[c]! * h;
  }
  return { spec, probabilities, entropyRate, stationary: pi };
}

/**
 * The true chain's mean loss −log P(target | context) over batches of windows of `seq` tokens (inputs and
 * next-token targets, row-major): the loss of a perfect model on exactly these windows, the floor a trained model's
 * held-out loss approaches. A target with fewer than k symbols before it in its window (only when k > 1) is
 * predicted from the stationary distribution of the symbols it has: P(s | y) = π(y s)/π(y), the best any
 * model seeing only the window can do.
 * @example chainLoss(markovChain(defaultMarkovSpec), [batch], 64)
 */
export function chainLoss(
  chain: MarkovChain,
  batches: readonly { inputs: Int32Array; targets: Int32Array }[],
  seq: number,
): number {
  const { vocab, order } = chain.spec;
  const contexts = vocab ** order;
  // π over the last m symbols of a context, m = 1 … k (m = k: π itself), indexed base V.
  const marginals: Float64Array[] = [];
  for (let m = 1; m <= order; m++) {
    const size = vocab ** m;
    const marginal = new Float64Array(size);
    for (let c = 0; c < contexts; c++) marginal[c % size]! += chain.stationary[c]!;
    marginals.push(marginal);
  }
  let total = 0;
  let count = 0;
  for (const { inputs, targets } of batches) {
    count += targets.length;
    for (let row = 0; row * seq < targets.length; row++) {
      for (let j = 0; j < seq; j++) {
        const at = row * seq + j;
        const known = Math.min(j + 1, order);
        let context = 0;
        for (let i = at - known + 1; i <= at; i++) context = context * vocab + inputs[i]!;
        const s = targets[at]!;
        const p =
          known === order
            ? chain.probabilities[context * vocab + s]!
            : marginals[known]![context * vocab + s]! / marginals[known - 1]![context]!;
        total -= Math.log(p);
      }
    }
  }
  return total / count;
}
