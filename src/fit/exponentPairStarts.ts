import type { Params } from "../dataTypes.js";
import { boundedLinearLeastSquares } from "./boundedLinear.js";
import { forEachCell, gridMinima } from "./grid.js";

/** What `exponentPairStarts` asks of a law at one cell of its exponent grid. */
export interface ExponentPairCell {
  /** Fill the two basis columns, the target and the weights for exponents (a, b); return a factor that
   * makes costs comparable across cells (1 when the target does not depend on the exponents), or
   * undefined to skip the cell. */
  fill(
    a: number,
    b: number,
    basis: [Float64Array, Float64Array],
    target: Float64Array,
    weights: Float64Array,
  ): number | undefined;
  /** The law's parameters from the exponents and the two non-negative coefficients. */
  toParams(a: number, b: number, first: number, second: number): Params;
}

/**
 * Starts for laws that are linear in two non-negative coefficients once two exponents are fixed, possibly
 * after transforming the loss (Kaplan's L^(1/alphaD)): non-negative least squares at every cell of the
 * exponent grid, the grid's local minima best first.
 * @example exponentPairStarts([range(0.02, 1, 0.04), range(0.05, 2, 0.1)], data.loss.length, cell)
 */
export function exponentPairStarts(
  axes: [readonly number[], readonly number[]],
  n: number,
  cell: ExponentPairCell,
  keep = 8,
): Params[] {
  const cost = new Float64Array(axes[0].length * axes[1].length).fill(Infinity);
  const found: (Params | undefined)[] = [];
  const basis: [Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n)];
  const target = new Float64Array(n);
  const weights = new Float64Array(n);
  forEachCell(axes, ([a, b], index) => {
    const factor = cell.fill(a!, b!, basis, target, weights);
    if (factor === undefined) return;
    const solved = boundedLinearLeastSquares(basis, target, weights, [0, 0]);
    if (!solved) return;
    const [first, second] = solved.coefficients;
    if (!(first! > 0) || !(second! > 0)) return;
    const p = cell.toParams(a!, b!, first!, second!);
    if (!Object.values(p).every(Number.isFinite)) return;
    cost[index] = solved.cost * factor;
    found[index] = p;
  });
  return gridMinima([axes[0].length, axes[1].length], cost, keep)
    .map((index) => found[index])
    .filter((p): p is Params => p !== undefined);
}
