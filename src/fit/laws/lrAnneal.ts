import type { Observations } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { curveIndex, noPointPredictions } from "../curves.js";
import { range } from "../grid.js";

/**
 * The LR-annealing law of Tissue et al. 2024 ("Scaling Law with Learning Rate Annealing", arXiv:2408.11029,
 * eq. 1): L(t) = L0 + A·S1(t)^(−alpha) − C·S2(t), with
 *   S1(t) = Σ_{τ=0..t} η_τ (the forward area, warmup included),
 *   S2(t) = Σ_{i=1..t} m_i, m_i = lambda·m_{i−1} + (η_{i−1} − η_i) (the annealing area with momentum),
 * where LR increases (warmup) count as 0 in S2, as in the SciPy reference fit lr_anneal_fit.py. lambda is fixed at
 * 0.999 unless freed. L0, A and C enter linearly (projected out on the grid of alpha); both areas cost O(T)
 * per run, once per lambda.
 * @example lrAnneal.evaluate({L0: 2, A: 0.5, alpha: 0.5, C: 2, lambda: 0.999}, data, out)
 */
export const lrAnneal: Law = {
  name: "lr-anneal",
  formula: "L0 + A*S1^(-alpha) - C*S2(lambda)",
  description: "loss curve under any LR schedule from the forward and annealing areas of the schedule",
  reference: "Tissue et al. 2024, arXiv:2408.11029, eq. 1",
  inputs: ["step"],
  // Step 0 is the state after the first update (with the LR of step 0): a point like any other.
  zeroInputs: ["step"],
  curve: true,
  params: [
    { name: "L0", min: 0, value: 2, description: "loss floor (a loss is never negative)" },
    { name: "A", log: true, value: 0.5, description: "scale of the forward-area power law" },
    { name: "alpha", min: 0, value: 0.5, grid: range(0.05, 1.5, 0.05), description: "forward-area exponent" },
    { name: "C", min: 0, value: 1, description: "annealing coefficient" },
    {
      name: "lambda",
      min: 0,
      max: 1,
      value: 0.999,
      fixed: true,
      grid: [0.99, 0.995, 0.999, 0.9995],
      description: "momentum decay of the annealing area",
    },
  ],
  linear: ["L0", "A", "C"],
  predict: noPointPredictions("lr-anneal"),
  evaluate(p, data, out) {
    const { s1 } = curveIndex(data);
    const { s2 } = annealingArea(data, p.lambda!);
    const { L0, A, alpha, C } = p as Record<"L0" | "A" | "alpha" | "C", number>;
    for (let i = 0; i < out.length; i++) out[i] = L0 + A * Math.exp(-alpha * Math.log(s1[i]!)) - C * s2[i]!;
  },
  jacobian(p, data, out) {
    const { s1 } = curveIndex(data);
    const { s2, ds2 } = annealingArea(data, p.lambda!);
    const { A, alpha, C } = p as Record<"A" | "alpha" | "C", number>;
    const [dL0, dA, dAlpha, dC, dLambda] = out as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < dL0.length; i++) {
      const logS1 = Math.log(s1[i]!);
      const s = Math.exp(-alpha * logS1);
      dL0[i] = 1;
      dA[i] = s;
      dAlpha[i] = -A * s * logS1;
      dC[i] = -s2[i]!;
      dLambda[i] = -C * ds2[i]!;
    }
  },
};

const areas = new WeakMap<Observations, Map<number, { s2: Float64Array; ds2: Float64Array }>>();

/**
 * S2 and dS2/dlambda at every point, computed by one pass over each run's schedule (cached per lambda).
 * @example annealingArea(data, 0.999).s2
 */
export function annealingArea(data: Observations, lambda: number): { s2: Float64Array; ds2: Float64Array } {
  let byLambda = areas.get(data);
  if (!byLambda) areas.set(data, (byLambda = new Map()));
  const hit = byLambda.get(lambda);
  if (hit) return hit;
  const index = curveIndex(data);
  const perRun = index.runs.map((run) => {
    const T = run.lr.length;
    const s2 = new Float64Array(T);
    const ds2 = new Float64Array(T);
    let m = 0;
    let dm = 0;
    let sum = 0;
    let dsum = 0;
    for (let i = 1; i < T; i++) {
      // LR increases (warmup) are not annealing: they add nothing to the momentum.
      const delta = Math.max(0, run.lr[i - 1]! - run.lr[i]!);
      dm = m + lambda * dm;
      m = lambda * m + delta;
      sum += m;
      dsum += dm;
      s2[i] = sum;
      ds2[i] = dsum;
    }
    return { s2, ds2 };
  });
  const n = data.loss.length;
  const s2 = new Float64Array(n);
  const ds2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const run = perRun[index.runOf[i]!]!;
    s2[i] = run.s2[index.step[i]!]!;
    ds2[i] = run.ds2[index.step[i]!]!;
  }
  const result = { s2, ds2 };
  // Keep a few lambdas: a fit of lambda visits many, a grid a handful.
  if (byLambda.size > 16) byLambda.clear();
  byLambda.set(lambda, result);
  return result;
}
