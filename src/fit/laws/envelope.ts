import type { Observations, Warning } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { num } from "../report.js";
import { frontierQuestion } from "./frontierQuestion.js";
import { lineFit } from "../statistics.js";

/** FLOP values of the envelope, log-spaced over the compute two or more runs cover (Chinchilla: 1500). */
const gridSize = 250;

/** One point of the lower envelope: at compute C the run with the lowest loss, its N and that loss. */
interface EnvelopePoint {
  readonly C: number;
  readonly N: number;
  readonly loss: number;
  readonly run: string;
}

/**
 * The lower envelope of training curves against compute (Hoffmann et al. 2022, §3.1): each run's loss
 * interpolated linearly in ln C between its logged points, at `gridSize` FLOP values log-spaced over the
 * compute that two or more runs reach; at each, the run of lowest loss. Where that run is the smallest or the
 * largest size trained, the point is left out (the optimum there may lie beyond the sizes trained: keeping it
 * biases the exponent towards the sizes' range). Points with zero weight are left out.
 * @example lowerEnvelope(curves)[0] // {C: 1.2e15, N: 3e6, loss: 4.1, run: "d32"}
 */
export function lowerEnvelope(data: Observations): EnvelopePoint[] {
  // Each run's point indices, then its curve as typed arrays sorted by C (stable: ties keep the data's order),
  // so 1e7 logged points cost their indices and two doubles each, not boxed arrays per run.
  const byRun = new Map<string, number[]>();
  for (let i = 0; i < data.loss.length; i++) {
    if (data.weight && !(data.weight[i]! > 0)) continue;
    const name = data.run?.[i] ?? "";
    let indices = byRun.get(name);
    if (!indices) byRun.set(name, (indices = []));
    indices.push(i);
  }
  const C = data.inputs.C!;
  const curves = [...byRun].map(([name, indices]) => {
    const N = data.inputs.N![indices[0]!]!; // the run's first point's, as the data list it
    indices.sort((a, b) => C[a]! - C[b]!);
    return {
      name,
      N,
      logC: Float64Array.from(indices, (i) => Math.log(C[i]!)),
      loss: Float64Array.from(indices, (i) => data.loss[i]!),
    };
  });
  const starts = curves.map((c) => c.logC[0]!).sort((a, b) => a - b);
  const ends = curves.map((c) => c.logC[c.logC.length - 1]!).sort((a, b) => b - a);
  if (curves.length < 2) return [];
  // From where a second run starts to where the second-longest ends: two or more runs cover every C.
  const [lo, hi] = [starts[1]!, ends[1]!];
  const points: EnvelopePoint[] = [];
  for (let g = 0; g < gridSize; g++) {
    const logC = lo + ((hi - lo) * g) / (gridSize - 1);
    let best: EnvelopePoint | undefined;
    let covering = 0;
    for (const c of curves) {
      const loss = interpolate(c.logC, c.loss, logC);
      if (loss === undefined) continue;
      covering++;
      if (!best || loss < best.loss) best = { C: Math.exp(logC), N: c.N, loss, run: c.name };
    }
    if (best && covering >= 2) points.push(best);
  }
  // Where the smallest or largest size trained is on the envelope, the optimum may lie beyond the sizes
  // trained (the envelope is then clipped, not the optimum): those stretches are left out.
  const sizes = curves.map((c) => c.N);
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  return points.filter((e) => e.N !== smallest && e.N !== largest);
}

/** Linear interpolation of y at x within the sorted xs; undefined outside them. */
function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number | undefined {
  if (!(x >= xs[0]! && x <= xs[xs.length - 1]!)) return undefined;
  // The first k ≥ 1 with xs[k] ≥ x (or the last), by bisection.
  let k = 1;
  let hi = xs.length - 1;
  while (k < hi) {
    const mid = (k + hi) >>> 1;
    if (xs[mid]! < x) k = mid + 1;
    else hi = mid;
  }
  const [x0, x1] = [xs[k - 1]!, xs[k]!];
  if (x1 === x0) return Math.min(ys[k - 1]!, ys[k]!);
  return ys[k - 1]! + ((ys[k]! - ys[k - 1]!) * (x - x0)) / (x1 - x0);
}

/** The envelope's own warning: few sizes on it (N* then steps between them and the exponent is coarse). */
function envelopeWarnings(data: Observations): Warning[] {
  const sizes = [...new Set(data.inputs.N!)].sort((a, b) => a - b);
  const warnings: Warning[] = [];
  if (sizes.length < 4)
    warnings.push({
      code: "few-sizes",
      message: `the lower envelope holds ${sizes.length} model sizes (${sizes.map((n) => num(n, 3)).join(", ")}): N*(C) steps between them, so the exponent is coarse`,
    });
  return warnings;
}

/** `optimize --compute` of an envelope fit. */
const computeQuestion = frontierQuestion({
  method: "envelope",
  from: "from the lower envelope (Approach 1)",
  frontier: (_fit, p) => ({ kN: p.kN!, aN: p.aN! }),
  largest: (fit) => fit.dataRange.C?.[1] ?? NaN,
  beyond: "the envelope",
});

/**
 * Chinchilla's Approach 1 (Hoffmann et al. 2022, §3.1, "Fix model sizes and vary number of training
 * tokens"): the lower envelope of every run's loss against its FLOPs, the size N of the run on the envelope at
 * each FLOP value, and N*(C) = kN·C^aN through those points by least squares in logs; D*(C) = C/(6 N*) =
 * kD·C^aD. Inputs: every logged point of each run (run, N, C, loss; from the store, each run's logged
 * losses with C its FLOPs). The envelope is taken once from all runs; the bootstrap redraws its points by
 * the run that attains them (a run dropped from a draw does not hand its stretch to another), so the
 * interval reflects the scatter of the argmin sizes around the line, not which runs were trained.
 * @example fitLaw(envelope, curves).derived.aN.value // ≈ 0.5 (Chinchilla: 0.50)
 */
export const envelope: Law = {
  name: "envelope",
  formula: "N*(C) = kN*C^aN through the lower envelope of the runs' loss against C",
  description: "Approach 1: the lower envelope of training curves per FLOP, a power law through its sizes",
  reference: "Hoffmann et al. 2022, §3.1 (Approach 1)",
  inputs: ["N", "C"],
  everyPoint: true,
  charts: ["envelope"],
  params: [
    { name: "kN", value: 0.1, log: true, description: "N*(C): the coefficient" },
    { name: "aN", value: 0.5, description: "N*(C): the exponent" },
  ],
  fitDefaults: { loss: "linear", space: "log" },
  predict: (p, x) => p.kN! * x.C! ** p.aN!,
  gradient: (p, x) => {
    const v = x.C! ** p.aN!;
    return [v, p.kN! * v * Math.log(x.C!)];
  },
  prepare(data) {
    const points = lowerEnvelope(data);
    return {
      inputs: { C: Float64Array.from(points, (e) => e.C), N: Float64Array.from(points, (e) => e.N) },
      loss: Float64Array.from(points, (e) => e.N),
      run: points.map((e) => e.run),
    };
  },
  starts(data) {
    const { intercept, slope } = lineFit(
      Array.from(data.inputs.C!, Math.log),
      Array.from(data.loss, Math.log),
    );
    return [{ kN: Math.exp(intercept), aN: slope }];
  },
  checkData(data) {
    if (!data.run) return "Approach 1 reads each run's logged losses: the points need a run column";
    if (data.inputs.C && data.inputs.N && data.loss.length === new Set(data.run).size)
      return "every run has one point: Approach 1 needs each run's curve (its losses at several C)";
    const count = new Set(lowerEnvelope(data).map((e) => e.N)).size;
    if (count < 2)
      return `the lower envelope holds ${count} model size${count === 1 ? "" : "s"} besides the smallest and largest trained: N*(C) needs runs of several sizes whose curves cross`;
    return undefined;
  },
  diagnose: (_p, data) => envelopeWarnings(data),
  derived: {
    aD: { description: "D*(C) = kD·C^aD: the exponent", value: (p) => 1 - p.aN! },
    kD: { description: "D*(C) = kD·C^aD: the coefficient", value: (p) => 1 / (6 * p.kN!) },
  },
  questions: [computeQuestion],
};
