import type { Params } from "../../dataTypes.js";
import { num } from "../report.js";
import { minimizeOnGrid } from "../search.js";

/** The lower end of stepsLaw's grid of alphaS. */
const smallestAlphaS = 0.02;

/**
 * LN, Sc and alphaS of L = LN + (Sc/S_min)^alphaS through the targets' (S_min, L) (Su et al. 2024's step term
 * at one model size): for each alphaS on a grid, LN and Sc^alphaS by least squares; the best alphaS is
 * refined by golden-section search. Needs three targets or more.
 * @example stepsLaw([3.2, 3.0, 2.8], fit.params) // {LN: 2.0, Sc: 5000, alphaS: 0.6}
 */
export function stepsLaw(targets: readonly number[], p: Params): { LN: number; Sc: number; alphaS: number } {
  const S = targets.map((_, i) => p[`Smin_${i + 1}`]!);
  const n = S.length;
  const x = new Float64Array(n);
  // lineFit of the targets on x = S^−alphaS, without allocating: this runs ~140 times per parameter set,
  // and once per draw for the intervals.
  let LN = NaN;
  let c = NaN;
  const solve = (alphaS: number) => {
    let [sx, sy] = [0, 0];
    for (let i = 0; i < n; i++) {
      x[i] = S[i]! ** -alphaS;
      sx += x[i]!;
      sy += targets[i]!;
    }
    const [mx, my] = [sx / n, sy / n];
    let [sxy, sxx] = [0, 0];
    for (let i = 0; i < n; i++) {
      sxy += (x[i]! - mx) * (targets[i]! - my);
      sxx += (x[i]! - mx) ** 2;
    }
    c = sxy / sxx;
    LN = my - c * mx;
    let cost = 0;
    for (let i = 0; i < n; i++) cost += (LN + c * x[i]! - targets[i]!) ** 2;
    return c > 0 ? cost : Infinity;
  };
  const grid = Array.from({ length: 60 }, (_, i) => smallestAlphaS * 1.1 ** i);
  const { x: alphaS } = minimizeOnGrid(grid, solve, { iterations: 80 });
  solve(alphaS);
  return { LN, Sc: c ** (1 / alphaS), alphaS };
}

/**
 * Why L = LN + (Sc/S_min)^alphaS through the targets is degenerate, or undefined: a loss at infinite steps
 * LN ≤ 0, or alphaS at its grid's lower end (the loss falls like a logarithm of the steps, the power's
 * limit, so LN runs off to −∞ and the trajectory's B_crit(LN) has no value).
 */
export function stepsLawProblem(targets: readonly number[], p: Params): string | undefined {
  const { LN, Sc, alphaS } = stepsLaw(targets, p);
  const atSmallest = alphaS <= smallestAlphaS * 1.05;
  if (LN > 0 && !atSmallest && Number.isFinite(Sc)) return undefined;
  return `the steps-to-loss relation L = LN + (Sc/Smin)^alphaS is not identified by targets ${targets.join(", ")}: LN = ${num(LN, 4)}${LN > 0 ? "" : " (not above 0)"}, alphaS = ${num(alphaS, 3)}${atSmallest ? " (its smallest value: the loss falls like a logarithm of the steps)" : ""}; targets spread over a wider range of loss may identify it`;
}
