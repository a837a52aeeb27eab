import type { Observations } from "../dataTypes.js";
import { curveIndex } from "./curves.js";

/**
 * Quadrature nodes for sums over past steps of the form Σ_{k=1..t} (η_k − η_{k−1}) · f(η_k, S_k(t)), with
 * S_k(t) = Σ_{τ=k..t} η_τ: the loss-drop term of the multi-power law (Luo et al. 2025), which summed
 * naively costs O(T) per logged step and O(T²) per curve.
 *
 * The last `window` steps before t are kept exactly (f varies fastest there). Further back, steps are
 * grouped into blocks no wider than `theta` × their distance from t, never across a change of sign of
 * η_k − η_{k−1} (a warmup and a decay stay apart, a single-step drop stays alone), and each block is
 * (and η itself varies by less than a factor 1 + theta across a block), and each block is
 * replaced by the two-point Gauss rule of its own measure (η_k − η_{k−1}) dk: two nodes at the mean ± one
 * standard deviation of k, each with half the block's LR change, exact for f cubic in k. The node's η and
 * S are interpolated at its fractional step. A curve of T steps logged at M steps then costs
 * O(M · (window + log(T)/theta)) per evaluation; the error against the exact sum is checked in the tests.
 */
export interface LossDropNodes {
  /** Nodes of point i are start[i] .. start[i+1] − 1. */
  readonly start: Int32Array;
  /** LR change carried by each node (negative in a decay). */
  readonly weight: Float64Array;
  /** η at the node, and its logarithm. */
  readonly eta: Float64Array;
  readonly logEta: Float64Array;
  /** S_k(t): the LR summed from the node's step to the point's step. */
  readonly area: Float64Array;
}

/** Accuracy knobs of the quadrature; `exact` keeps every step (the test oracle). */
export interface LossDropOptions {
  readonly window?: number;
  readonly theta?: number;
  readonly exact?: boolean;
}

const cache = new WeakMap<Observations, Map<string, LossDropNodes>>();

/**
 * The quadrature nodes of every point of a curve data set (cached per data set and options).
 * @example const nodes = lossDropNodes(data); nodes.start.length === data.loss.length + 1
 */
export function lossDropNodes(
  data: Observations,
  { window = 16, theta = 0.3, exact = false }: LossDropOptions = {},
): LossDropNodes {
  const key = `${window}:${theta}:${exact}`;
  let byKey = cache.get(data);
  if (!byKey) cache.set(data, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const index = curveIndex(data);
  const prepared = index.runs.map((run) => prepareRun(run.lr));
  const n = data.loss.length;
  const start = new Int32Array(n + 1);
  // Growable typed buffers: a 24k-step curve predicted at every step has about two million nodes.
  let capacity = Math.max(1024, n * 64);
  let weight = new Float64Array(capacity);
  let eta = new Float64Array(capacity);
  let area = new Float64Array(capacity);
  let size = 0;
  for (let i = 0; i < n; i++) {
    start[i] = size;
    const run = index.runs[index.runOf[i]!]!;
    const p = prepared[index.runOf[i]!]!;
    const t = index.step[i]!;
    const total = run.prefix[t + 1]!;
    const lr = run.lr;
    const push = (q: number, w: number) => {
      const k0 = Math.floor(q);
      const f = q - k0;
      const e = f === 0 ? lr[k0]! : lr[k0]! + f * (lr[k0 + 1]! - lr[k0]!);
      const before = run.prefix[k0]! + f * lr[k0]!;
      if (size === capacity) {
        capacity *= 2;
        const grow = (a: Float64Array) => {
          const b = new Float64Array(capacity);
          b.set(a);
          return b;
        };
        weight = grow(weight);
        eta = grow(eta);
        area = grow(area);
      }
      weight[size] = w;
      eta[size] = e;
      area[size] = total - before;
      size++;
    };
    const nearFrom = exact ? 1 : Math.max(1, t - window + 1);
    for (let k = nearFrom; k <= t; k++) {
      const d = p.delta[k]!;
      if (d !== 0) push(k, d);
    }
    let end = nearFrom - 1;
    while (end >= 1) {
      if (p.delta[end] === 0) {
        end = p.previousNonzero[end]!;
        continue;
      }
      const width = Math.max(1, Math.floor(theta * (t - end)));
      let first = Math.max(p.segmentStart[end]!, end - width + 1);
      // η is monotone within a segment: also keep η within a factor 1 + theta across the block, so that
      // η^(−gamma) is smooth there (a warmup's η → 0 at its start would otherwise spoil a wide block).
      const top = lr[end]!;
      const ratioOk = (k: number) => {
        const e = lr[k]!;
        return e > 0 && top > 0 && Math.max(e, top) <= (1 + theta) * Math.min(e, top);
      };
      if (!ratioOk(first)) {
        let lo = first;
        let hi = end;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ratioOk(mid)) hi = mid;
          else lo = mid + 1;
        }
        first = lo;
      }
      const m0 = p.m0[end + 1]! - p.m0[first]!;
      const m1 = p.m1[end + 1]! - p.m1[first]!;
      const m2 = p.m2[end + 1]! - p.m2[first]!;
      const mean = m1 / m0;
      const variance = Math.max(0, m2 / m0 - mean * mean);
      if (first === end || variance < 1e-12) push(first === end ? end : mean, m0);
      else {
        const sd = Math.sqrt(variance);
        push(Math.max(first, mean - sd), m0 / 2);
        push(Math.min(end, mean + sd), m0 / 2);
      }
      end = first - 1;
    }
  }
  start[n] = size;
  const etaArray = eta.slice(0, size);
  const nodes: LossDropNodes = {
    start,
    weight: weight.slice(0, size),
    eta: etaArray,
    logEta: etaArray.map(Math.log),
    area: area.slice(0, size),
  };
  byKey.set(key, nodes);
  return nodes;
}

/** Per-run arrays: LR changes, their moment prefix sums (in k, relative to the run), segment starts. */
function prepareRun(lr: Float64Array) {
  const T = lr.length;
  const delta = new Float64Array(T);
  for (let k = 1; k < T; k++) delta[k] = lr[k]! - lr[k - 1]!;
  const m0 = new Float64Array(T + 1);
  const m1 = new Float64Array(T + 1);
  const m2 = new Float64Array(T + 1);
  const segmentStart = new Int32Array(T);
  const previousNonzero = new Int32Array(T);
  let last = 0;
  for (let k = 0; k < T; k++) {
    const d = delta[k]!;
    m0[k + 1] = m0[k]! + d;
    m1[k + 1] = m1[k]! + d * k;
    m2[k + 1] = m2[k]! + d * k * k;
    const previous = k > 0 ? delta[k - 1]! : 0;
    // A segment: consecutive non-zero changes of one sign whose size changes by less than a factor 4.
    const continues =
      d !== 0 &&
      previous !== 0 &&
      Math.sign(d) === Math.sign(previous) &&
      Math.abs(d / previous) < 4 &&
      Math.abs(previous / d) < 4;
    segmentStart[k] = continues ? segmentStart[k - 1]! : k;
    previousNonzero[k] = last;
    if (d !== 0) last = k;
  }
  return { delta, m0, m1, m2, segmentStart, previousNonzero };
}
