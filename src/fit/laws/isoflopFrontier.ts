import type { Params } from "../../dataTypes.js";
import { randomSource } from "../../random.js";
import { lineFit } from "../statistics.js";

/** What the frontier reads of an isoflop fit's budgets. */
interface Budgets {
  readonly budgets: readonly number[];
  readonly centers: readonly number[];
}

/** The vertex of budget k's parabola: ln N* and the loss there (NaN where the parabola opens downwards). */
export function vertex(p: Params, k: number, center: number): { logN: number; loss: number } {
  const [c0, c1, c2] = [p[`c0_${k + 1}`]!, p[`c1_${k + 1}`]!, p[`c2_${k + 1}`]!];
  if (!(c2 > 0)) return { logN: NaN, loss: NaN };
  return { logN: center - c1 / (2 * c2), loss: c0 - (c1 * c1) / (4 * c2) };
}

/** N*(C) = kN·C^aN and D*(C) = kD·C^aD. */
export type Frontier = { aN: number; kN: number; aD: number; kD: number };

/** Below this many budgets the budgets themselves are not redrawn (a draw of two or three is too often degenerate). */
const budgetResampling = 4;

/**
 * N*(C) = kN·C^aN through the budgets' vertices by least squares in logs (the budgets whose parabola opens
 * upwards), and D*(C) = C/(6 N*) = kD·C^aD. For a bootstrap draw (`draw`, its index) the budgets are redrawn
 * too, with replacement, seeded by the index (the second level of a two-level bootstrap: the runs within each
 * budget were redrawn by the refit), so the interval carries the vertices' scatter about the line as well as
 * each vertex's own uncertainty; with fewer than four budgets only the runs are redrawn.
 * @example frontierLaw({budgets: [1e18, 1e19], centers: [19, 20]}, params).aN // ≈ 0.46
 */
export function frontierLaw(spec: Budgets, p: Params, draw?: number): Frontier {
  const K = spec.budgets.length;
  const weight = new Float64Array(K).fill(1);
  if (draw !== undefined && K >= budgetResampling) {
    weight.fill(0);
    const random = randomSource(7919 + draw);
    for (let k = 0; k < K; k++) weight[random.int(K)]! += 1;
  }
  const x: number[] = [];
  const y: number[] = [];
  const w: number[] = [];
  spec.budgets.forEach((C, k) => {
    const v = vertex(p, k, spec.centers[k]!);
    if (!Number.isFinite(v.logN) || weight[k] === 0) return;
    x.push(Math.log(C));
    y.push(v.logN);
    w.push(weight[k]!);
  });
  if (new Set(x).size < 2) return { aN: NaN, kN: NaN, aD: NaN, kD: NaN };
  const { intercept, slope } = lineFit(x, y, w);
  return { aN: slope, kN: Math.exp(intercept), aD: 1 - slope, kD: 1 / (6 * Math.exp(intercept)) };
}
