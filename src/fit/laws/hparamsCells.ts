import { UserError } from "../../errors.js";
import type { Observations } from "../../dataTypes.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { householderQR, inverseGram } from "../linalg.js";
import { num } from "../report.js";

/**
 * The cells of an LR × batch-size grid and the power laws through their optima, shared by the two methods of
 * `hparams` (the near-optimal runs of Step Law and DeepSeek, and the vertex of a bowl): runs of one (N, D) are
 * one cell; lr*(·) and B*(·) are power laws in N, D or C = 6ND.
 */

/** The (N, D) of each cell of a grid, in the order first met. */
export interface HparamCells {
  readonly N: readonly number[];
  readonly D: readonly number[];
}

/** The variables an optimum may be a power law in. */
const scaleVariables = ["N", "D", "C"] as const;
export type ScaleVariable = (typeof scaleVariables)[number];

/** Two runs are one cell when their N and their D agree within this relative tolerance. */
const cellTolerance = 1e-3;

/**
 * The cells of a grid: runs of one (N, D) (within 0.1 %) are one cell.
 * @example groupCells({inputs: {N: [1e8, 1e8, 2e8], D: [1e9, 1e9, 1e9], …}, loss}).N // [1e8, 2e8]
 */
export function groupCells(data: Observations): HparamCells {
  const N: number[] = [];
  const D: number[] = [];
  const slot = cellSlot({ N, D });
  data.inputs.N!.forEach((n, i) => {
    const d = data.inputs.D![i]!;
    if (slot(n, d) < 0) {
      N.push(n);
      D.push(d);
    }
  });
  return { N, D };
}

/** The index of the cell of (N, D), or −1 when it is none of them. */
export function cellSlot(cells: HparamCells): (N: number, D: number) => number {
  const close = (a: number, b: number) => Math.abs(Math.log(a / b)) <= cellTolerance;
  return (N, D) => {
    for (let k = 0; k < cells.N.length; k++) if (close(N, cells.N[k]!) && close(D, cells.D[k]!)) return k;
    return -1;
  };
}

/** The cell of every point of the data (−1 for a point in none). */
export function cellIndex(cells: HparamCells, data: Observations): Int32Array {
  const slot = cellSlot(cells);
  return Int32Array.from(data.inputs.N!, (N, i) => slot(N, data.inputs.D![i]!));
}

/**
 * The points of each cell whose loss is within a relative `tolerance` of the cell's best (L ≤ L_best·(1 + t)):
 * Step Law's near-optimal set (Li et al. 2025, fit_tool.py, 0.25 %), and the runs a bowl is fitted to.
 * Points with zero weight are never kept.
 */
export function nearBest(cells: HparamCells, data: Observations, tolerance: number): boolean[] {
  const cell = cellIndex(cells, data);
  const best = cells.N.map(() => Infinity);
  const live = (i: number) => !(data.weight && !(data.weight[i]! > 0));
  data.loss.forEach((L, i) => {
    if (live(i) && cell[i]! >= 0) best[cell[i]!] = Math.min(best[cell[i]!]!, L);
  });
  return Array.from(data.loss, (L, i) => live(i) && cell[i]! >= 0 && L <= best[cell[i]!]! * (1 + tolerance));
}

/** ln of a scale variable at (N, D). */
export function logScale(variable: ScaleVariable, N: number, D: number): number {
  return variable === "N" ? Math.log(N) : variable === "D" ? Math.log(D) : Math.log(6 * N * D);
}

/** A power law y = K·Π x^e_x: its coefficient and one exponent per variable. */
export interface PowerLaw {
  readonly K: number;
  readonly exponents: Readonly<Record<string, number>>;
}

/**
 * Least squares of ln y on ln x (one column per variable) with weights: y = K·Π x^e. NaN coefficients when
 * the points cannot determine them (fewer points than coefficients, or collinear).
 * @example powerLawFit(["D"], [1e9, 1e10], [1e9, 1e10], [1e5, 1e6], [1, 1]) // {K: 1e-4, exponents: {D: 1}}
 */
export function powerLawFit(
  variables: readonly ScaleVariable[],
  N: ArrayLike<number>,
  D: ArrayLike<number>,
  y: ArrayLike<number>,
  w?: ArrayLike<number>,
): PowerLaw {
  const n = y.length;
  const basis = [
    new Float64Array(n).fill(1),
    ...variables.map((v) => Float64Array.from({ length: n }, (_, i) => logScale(v, N[i]!, D[i]!))),
  ];
  const weights = Float64Array.from({ length: n }, (_, i) => (w ? w[i]! : 1));
  const used = weights.filter((v) => v > 0).length;
  const solved =
    used > variables.length && fullRank(basis, weights)
      ? boundedLinearLeastSquares(basis, Float64Array.from(y, Math.log), weights, [])
      : undefined;
  const c = solved?.coefficients;
  const exponents: Record<string, number> = {};
  variables.forEach((v, j) => (exponents[v] = c ? c[j + 1]! : NaN));
  return { K: c ? Math.exp(c[0]!) : NaN, exponents };
}

/**
 * Whether weighted columns are linearly independent: the numerical rank of their QR (columns scaled to unit
 * norm, singular values below 1e-9 of the largest treated as zero), as the fit's own covariance finds it.
 * @example fullRank([Float64Array.of(1, 1), Float64Array.of(1, 2)], Float64Array.of(1, 1)) // true
 */
export function fullRank(basis: readonly Float64Array[], w: Float64Array): boolean {
  const n = w.length;
  if (n < basis.length) return false;
  const columns = basis.map((column) => column.map((x, i) => x * Math.sqrt(w[i]!)));
  const norms = columns.map((c) => Math.hypot(...c));
  if (!norms.every((norm) => norm > 0)) return false;
  const { R } = householderQR(
    columns.map((c, j) => c.map((x) => x / norms[j]!)),
    new Float64Array(n),
  );
  return inverseGram(R, basis.length, 1e-9).rank === basis.length;
}

/**
 * Checks a list of scale variables (`--lr-in`, `--batch-in`): one or more of N, D, C, not C with both N and D
 * (C = 6ND makes the three collinear).
 */
export function checkVariables(option: string, given: readonly string[]): ScaleVariable[] {
  if (given.length === 0) throw new UserError(`--${option} needs one or more of N, D, C`);
  for (const v of given)
    if (!(scaleVariables as readonly string[]).includes(v))
      throw new UserError(`invalid --${option} ${v} (expected one or more of N, D, C)`);
  if (new Set(given).size !== given.length) throw new UserError(`--${option} names a variable twice`);
  if (given.includes("C") && given.includes("N") && given.includes("D"))
    throw new UserError(`--${option} cannot take N, D and C together (C = 6ND)`);
  return given as ScaleVariable[];
}

/**
 * Why a grid cannot give the optima's power laws: a cell with one learning rate or one batch size (no
 * optimum to find), or cells whose N, D cannot determine the exponents asked for.
 */
export function checkGrid(
  data: Observations,
  lrIn: readonly ScaleVariable[],
  batchIn: readonly ScaleVariable[],
): string | undefined {
  const cells = groupCells(data);
  const cell = cellIndex(cells, data);
  for (let k = 0; k < cells.N.length; k++) {
    const rows = Array.from(cell.keys()).filter((i) => cell[i] === k);
    const at = `cell N = ${num(cells.N[k]!, 3)}, D = ${num(cells.D[k]!, 3)}`;
    for (const [input, what] of [
      ["lr", "learning rate"],
      ["B", "batch size"],
    ] as const) {
      const values = new Set(rows.map((i) => data.inputs[input]![i]!));
      if (values.size < 2)
        return `${at} has one ${what} (${input} = ${num([...values][0]!, 4)}): an optimum needs a grid of several`;
    }
  }
  const ones = cells.N.map(() => 1);
  for (const [option, variables] of [
    ["lr-in", lrIn],
    ["batch-in", batchIn],
  ] as const) {
    const fit = powerLawFit(variables, cells.N, cells.D, ones, ones);
    if (!Number.isFinite(fit.K))
      return `the grid's ${cells.N.length} cells (N ${distinct(cells.N)}, D ${distinct(cells.D)}) cannot determine a power law in ${variables.join(", ")} (--${option}): it needs cells that vary each of them`;
  }
  return undefined;
}

function distinct(values: readonly number[]): string {
  const set = [...new Set(values.map((v) => num(v, 3)))];
  return set.length === 1 ? `= ${set[0]} only` : `in ${set.length} values`;
}
