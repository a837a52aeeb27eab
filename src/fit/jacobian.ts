/**
 * Finite-difference Jacobian for residual functions without an analytic one, and the check that an
 * analytic Jacobian agrees with it. Steps follow SciPy's `approx_derivative` (relative step
 * sqrt(eps) for forward differences, eps^(1/3) for central ones).
 */

/** Residual function: writes the residuals at `x` into `out`. */
export type ResidualFunction = (x: Float64Array, out: Float64Array) => void;

/**
 * Fills `columns[j][i] = d r_i / d x_j` by forward (`2-point`) or central (`3-point`) differences.
 * @example finiteDifferenceJacobian((x, out) => { out[0] = x[0] ** 2 }, Float64Array.of(3), 1, [new Float64Array(1)])
 */
export function finiteDifferenceJacobian(
  fun: ResidualFunction,
  x: Float64Array,
  n: number,
  columns: Float64Array[],
  { method = "3-point", f0 }: { method?: "2-point" | "3-point"; f0?: Float64Array } = {},
): void {
  const eps = Number.EPSILON;
  const relative = method === "2-point" ? Math.sqrt(eps) : Math.cbrt(eps);
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  let base = f0;
  if (method === "2-point" && !base) {
    base = new Float64Array(n);
    fun(x, base);
  }
  const xt = x.slice();
  for (let j = 0; j < x.length; j++) {
    const h = relative * Math.max(1, Math.abs(x[j]!));
    const column = columns[j]!;
    xt[j] = x[j]! + h;
    fun(xt, plus);
    if (method === "2-point") {
      for (let i = 0; i < n; i++) column[i] = (plus[i]! - base![i]!) / h;
    } else {
      xt[j] = x[j]! - h;
      fun(xt, minus);
      for (let i = 0; i < n; i++) column[i] = (plus[i]! - minus[i]!) / (2 * h);
    }
    xt[j] = x[j]!;
  }
}
