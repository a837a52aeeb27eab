import type { Law } from "../../types.js";
import { curveIndex, noPointPredictions } from "../curves.js";
import { lossDropNodes } from "../lossDrop.js";
import { range } from "../grid.js";

/**
 * The multi-power law of Luo et al. 2025 ("A Multi-Power Law for Loss Curve Prediction Across Learning Rate
 * Schedules", arXiv:2503.12811, eq. 5), in the exact convention of the authors' code (docs/laws.md#multipower):
 *   L(t) = L0 + A·S1(t)^(−alpha) + B·LD(t),
 *   S1(t) = Σ_{τ=0..t} η_τ (warmup included),
 *   LD(t) = Σ_{k=1..t} (η_k − η_{k−1}) · G(η_k^(−gamma) · S_k(t)),  S_k(t) = Σ_{τ=k..t} η_τ,
 *   G(x) = 1 − (1 + C·x)^(−beta).
 * L0, A and B enter linearly (projected out on the grid of alpha, C, beta, gamma). LD is summed with the
 * quadrature of `lossDropNodes`: exact near t, Gauss blocks further back, so a 72k-step curve costs
 * O(M log T) per evaluation instead of O(M T).
 * @example // the 25M model of the paper
 * multipower.evaluate({L0: 3.04045, A: 0.52469, alpha: 0.50787, B: 363.79, C: 2.06561, beta: 0.58279, gamma: 0.64142}, data, out)
 */
export const multipower: Law = {
  name: "multipower",
  formula: "L0 + A*S1^(-alpha) + B*LD(C, beta, gamma)",
  description: "loss curve under any LR schedule: power law in the LR area plus a multi-power loss-drop term",
  reference: "Luo et al. 2025, arXiv:2503.12811, eq. 5",
  inputs: ["step"],
  // Step 0 is the state after the first update (with the LR of step 0): a point like any other.
  zeroInputs: ["step"],
  curve: true,
  params: [
    { name: "L0", min: 0, value: 3, description: "loss floor (a loss is never negative)" },
    { name: "A", log: true, value: 0.5, description: "scale of the LR-area power law" },
    { name: "alpha", min: 0, value: 0.5, grid: range(0.2, 0.8, 0.1), description: "LR-area exponent" },
    { name: "B", log: true, value: 400, description: "scale of the loss drop" },
    { name: "C", log: true, value: 2, grid: [0.5, 1, 2, 4, 8], description: "loss-drop saturation rate" },
    {
      name: "beta",
      min: 0,
      value: 0.6,
      grid: [0.3, 0.5, 0.7, 0.9],
      description: "loss-drop saturation exponent",
    },
    {
      name: "gamma",
      min: 0,
      value: 0.6,
      grid: [0.4, 0.55, 0.7, 0.85],
      description: "LR exponent of the loss drop",
    },
  ],
  linear: ["L0", "A", "B"],
  predict: noPointPredictions("multipower"),
  evaluate(p, data, out) {
    const { s1 } = curveIndex(data);
    const nodes = lossDropNodes(data);
    const { L0, A, alpha, B, C, beta, gamma } = p as Record<
      "L0" | "A" | "alpha" | "B" | "C" | "beta" | "gamma",
      number
    >;
    for (let i = 0; i < out.length; i++) {
      let drop = 0;
      for (let j = nodes.start[i]!; j < nodes.start[i + 1]!; j++) {
        const x = Math.exp(-gamma * nodes.logEta[j]!) * nodes.area[j]!;
        // x is 0 when no LR has passed since the node, infinite when the node's LR is 0: G is 0 or 1.
        if (!(x > 0)) continue;
        drop += nodes.weight[j]! * (x === Infinity ? 1 : 1 - Math.exp(-beta * Math.log1p(C * x)));
      }
      out[i] = L0 + A * Math.exp(-alpha * Math.log(s1[i]!)) + B * drop;
    }
  },
  jacobian(p, data, out) {
    const { s1 } = curveIndex(data);
    const nodes = lossDropNodes(data);
    const { A, alpha, B, C, beta, gamma } = p as Record<"A" | "alpha" | "B" | "C" | "beta" | "gamma", number>;
    const [dL0, dA, dAlpha, dB, dC, dBeta, dGamma] = out as Float64Array[] as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < dL0.length; i++) {
      let drop = 0;
      let byC = 0;
      let byBeta = 0;
      let byGamma = 0;
      for (let j = nodes.start[i]!; j < nodes.start[i + 1]!; j++) {
        const w = nodes.weight[j]!;
        const x = Math.exp(-gamma * nodes.logEta[j]!) * nodes.area[j]!;
        if (!(x > 0)) continue;
        if (x === Infinity) {
          drop += w;
          continue;
        }
        const logU = Math.log1p(C * x);
        const power = Math.exp(-beta * logU); // (1 + Cx)^(−beta)
        const slope = (beta * power) / (1 + C * x); // dG/d(Cx)
        drop += w * (1 - power);
        byC += w * slope * x;
        byBeta += w * power * logU;
        byGamma -= w * slope * C * x * nodes.logEta[j]!;
      }
      const logS1 = Math.log(s1[i]!);
      const s = Math.exp(-alpha * logS1);
      dL0[i] = 1;
      dA[i] = s;
      dAlpha[i] = -A * s * logS1;
      dB[i] = drop;
      dC[i] = B * byC;
      dBeta[i] = B * byBeta;
      dGamma[i] = B * byGamma;
    }
  },
};
