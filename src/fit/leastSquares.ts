import type { LossName } from "../dataTypes.js";
import { finiteDifferenceJacobian, type ResidualFunction } from "./jacobian.js";
import { dampedSolve, householderQR } from "./linalg.js";
import { robustLoss } from "./losses.js";

/** Jacobian function: fills `columns[j][i] = d r_i / d x_j` at `x` (whose residuals are `residuals`). */
type JacobianFunction = (x: Float64Array, residuals: Float64Array, columns: Float64Array[]) => void;

/** Options of `leastSquares`, named as in SciPy's `least_squares`. */
export interface LeastSquaresOptions {
  /** Number of residuals. */
  readonly n: number;
  /** Analytic Jacobian; without it, central finite differences. */
  readonly jacobian?: JacobianFunction;
  /** Robust loss. @default "linear" */
  readonly loss?: LossName;
  /** Residual scale at which the robust loss bends (Huber's delta). @default 1 */
  readonly fScale?: number;
  /** Stop when the relative cost reduction of a step is below this. @default 1e-12 */
  readonly fTol?: number;
  /** Stop when the step is below xTol · (xTol + ‖x‖) in scaled variables. @default 1e-10 */
  readonly xTol?: number;
  /** Stop when the largest cosine between the residuals and a Jacobian column is below this. @default 1e-10 */
  readonly gTol?: number;
  /** Initial Levenberg–Marquardt damping λ (relative to the scaled Jacobian's curvature). @default 1e-3 */
  readonly damping?: number;
  /** Most residual evaluations before giving up. @default 100 · (number of parameters + 1) · 10 */
  readonly maxEvaluations?: number;
}

/** How a least-squares run ended, as in SciPy (`status`). */
type LeastSquaresStatus =
  | "gtol" // gradient small
  | "ftol" // cost reduction small
  | "xtol" // step small
  | "max-evaluations"
  | "not-finite"; // residuals not finite at the start

/** Result of `leastSquares`, with SciPy's names. */
export interface LeastSquaresResult {
  readonly x: Float64Array;
  /** 0.5 · fScale² · Σ rho((r/fScale)²): for `huber`, Σ Huber_fScale(r). */
  readonly cost: number;
  readonly residuals: Float64Array;
  /** Jacobian columns at the solution (unscaled by the robust loss). */
  readonly jacobian: Float64Array[];
  /** Gradient of the cost at the solution. */
  readonly gradient: Float64Array;
  /** Largest |cosine| between the (robust-weighted) residuals and a Jacobian column. */
  readonly optimality: number;
  readonly evaluations: number;
  readonly jacobianEvaluations: number;
  readonly iterations: number;
  readonly status: LeastSquaresStatus;
  readonly message: string;
  /** The run ended on a tolerance (not on the evaluation limit or a failure). */
  readonly success: boolean;
}

const messages: Record<LeastSquaresStatus, string> = {
  gtol: "converged: gradient orthogonal to the residuals within gtol",
  ftol: "converged: relative cost reduction below ftol",
  xtol: "converged: step below xtol",
  "max-evaluations": "stopped: the maximum number of evaluations was reached",
  "not-finite": "failed: residuals are not finite at the starting point",
};

/**
 * Minimises 0.5 · Σ fScale² · rho((r_i(x) / fScale)²) by Levenberg–Marquardt: QR-based damped Gauss–Newton
 * steps (Moré 1978, with diagonal scaling by the Jacobian's column norms), Nielsen's damping update, and
 * robust losses folded into the residuals and Jacobian as SciPy does (Triggs et al. 2000, "Bundle
 * adjustment", §4.3). The interface and the cost definition are those of `scipy.optimize.least_squares`.
 * @example
 * // fit y = a·exp(b·t)
 * const t = [0, 1, 2], y = [1, 2.7, 7.4];
 * leastSquares((x, out) => t.forEach((ti, i) => (out[i] = x[0] * Math.exp(x[1] * ti) - y[i])), Float64Array.of(1, 1), {n: 3});
 */
export function leastSquares(
  fun: ResidualFunction,
  x0: ArrayLike<number>,
  options: LeastSquaresOptions,
): LeastSquaresResult {
  const p = x0.length;
  const n = options.n;
  const loss = options.loss ?? "linear";
  const fScale = options.fScale ?? 1;
  const fTol = options.fTol ?? 1e-12;
  const xTol = options.xTol ?? 1e-10;
  const gTol = options.gTol ?? 1e-10;
  const maxEvaluations = options.maxEvaluations ?? 1000 * (p + 1);
  const rho = robustLoss(loss);
  const rhoOut = new Float64Array(3);
  const robust = loss !== "linear";

  let evaluations = 0;
  let jacobianEvaluations = 0;
  const evaluate = (x: Float64Array, out: Float64Array): number => {
    evaluations++;
    fun(x, out);
    return costOf(out);
  };
  const c2 = fScale * fScale;
  const costOf = (r: Float64Array): number => {
    let sum = 0;
    if (!robust) {
      for (let i = 0; i < n; i++) sum += r[i]! * r[i]!;
      return Number.isFinite(sum) ? 0.5 * sum : Infinity;
    }
    if (loss === "huber") {
      // rho(z) inline (see losses.ts): z for z ≤ 1, 2√z − 1 beyond.
      for (let i = 0; i < n; i++) {
        const z = (r[i]! * r[i]!) / c2;
        sum += z <= 1 ? z : 2 * Math.sqrt(z) - 1;
      }
    } else {
      for (let i = 0; i < n; i++) {
        rho((r[i]! * r[i]!) / c2, rhoOut);
        sum += rhoOut[0]!;
      }
    }
    return Number.isFinite(sum) ? 0.5 * c2 * sum : Infinity;
  };
  // Per point: the square root of the robust curvature (row scale), the residual's scale, and the influence
  // psi(r) = rho'·r; SciPy's scale_for_robust_loss_function, with Huber's rho inlined.
  const rowScale = new Float64Array(n);
  const residualScale = new Float64Array(n);
  const psi = new Float64Array(n);
  const foldRobust = (r: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const ri = r[i]!;
      if (!robust) {
        rowScale[i] = 1;
        residualScale[i] = 1;
        psi[i] = ri;
        continue;
      }
      const z = (ri * ri) / c2;
      let d1: number;
      let d2: number;
      if (loss === "huber") {
        if (z <= 1) {
          d1 = 1;
          d2 = 0;
        } else {
          const root = Math.sqrt(z);
          d1 = 1 / root;
          d2 = -0.5 / (z * root);
        }
      } else {
        rho(z, rhoOut);
        d1 = rhoOut[1]!;
        d2 = rhoOut[2]!;
      }
      let js = d1 + 2 * d2 * z;
      if (js < Number.EPSILON) js = Number.EPSILON;
      const scale = Math.sqrt(js);
      rowScale[i] = scale;
      residualScale[i] = d1 / scale;
      psi[i] = d1 * ri;
    }
  };
  const columns = Array.from({ length: p }, () => new Float64Array(n));
  const computeJacobian = (x: Float64Array, r: Float64Array) => {
    jacobianEvaluations++;
    if (options.jacobian) options.jacobian(x, r, columns);
    else {
      finiteDifferenceJacobian(fun, x, n, columns);
      evaluations += 2 * p;
    }
  };

  let x = Float64Array.from(x0);
  let r = new Float64Array(n);
  let cost = evaluate(x, r);
  if (!Number.isFinite(cost)) {
    return finish(x, r, cost, "not-finite", 0);
  }

  const scaledColumns = Array.from({ length: p }, () => new Float64Array(n));
  const scaledResiduals = new Float64Array(n);
  const gradient = new Float64Array(p);
  const diag = new Float64Array(p);
  const norms = new Float64Array(p);
  let trial = new Float64Array(n);
  const damping = options.damping ?? 1e-3;
  let lambda = damping;
  let nu = 2;
  let iterations = 0;
  let status: LeastSquaresStatus | undefined;

  computeJacobian(x, r);
  while (status === undefined) {
    iterations++;
    // Fold the robust loss into residuals and Jacobian (SciPy's scale_for_robust_loss_function).
    foldRobust(r);
    for (let i = 0; i < n; i++) scaledResiduals[i] = r[i]! * residualScale[i]!;
    // The scaled Jacobian (rows by the robust curvature) is formed in the loop below, which also gives the
    // optimality: the largest cosine between a Jacobian column and the influence psi(r) = rho'·r
    // (MINPACK's gtol test, made robust-aware); the scaled system above would understate it.
    let influenceNorm = 0;
    for (let i = 0; i < n; i++) influenceNorm += psi[i]! * psi[i]!;
    influenceNorm = Math.sqrt(influenceNorm);
    let optimality = 0;
    for (let j = 0; j < p; j++) {
      const c = scaledColumns[j]!;
      const raw = columns[j]!;
      let dot = 0;
      let norm = 0;
      let rawNorm = 0;
      for (let i = 0; i < n; i++) {
        const value = raw[i]!;
        const scaled = value * rowScale[i]!;
        c[i] = scaled;
        dot += scaled * scaledResiduals[i]!;
        norm += scaled * scaled;
        rawNorm += value * value;
      }
      gradient[j] = dot;
      norms[j] = Math.sqrt(norm);
      diag[j] = Math.max(diag[j]!, norms[j]!);
      rawNorm = Math.sqrt(rawNorm);
      if (rawNorm > 0 && influenceNorm > 0)
        optimality = Math.max(optimality, Math.abs(dot) / (rawNorm * influenceNorm));
    }
    if (optimality <= gTol) {
      status = "gtol";
      break;
    }
    for (let j = 0; j < p; j++) if (diag[j] === 0) diag[j] = 1;
    // In place: the scaled system is rebuilt from the Jacobian at the next iteration.
    const { R, qtb } = householderQR(scaledColumns, scaledResiduals);

    const scaledNorm = (v: Float64Array) => {
      let sum = 0;
      for (let j = 0; j < p; j++) sum += (diag[j]! * v[j]!) ** 2;
      return Math.sqrt(sum);
    };
    let xNorm = scaledNorm(x);
    // A step can be small because the damping grew while the robust loss rescaled the Jacobian (points
    // entering or leaving Huber's quadratic zone change its scale by orders of magnitude). Before calling
    // that convergence, restart the damping once from this point with the current column scales.
    let restarted = false;
    const restart = (): boolean => {
      const inflated = norms.some((v, j) => diag[j]! > 2 * (v || 1));
      if (restarted || (lambda <= damping && !inflated)) return false;
      restarted = true;
      lambda = damping;
      nu = 2;
      for (let j = 0; j < p; j++) diag[j] = norms[j]! || 1;
      xNorm = scaledNorm(x);
      return true;
    };

    // Inner loop: raise the damping until a step lowers the cost.
    for (;;) {
      if (evaluations >= maxEvaluations) {
        status = "max-evaluations";
        break;
      }
      const step = dampedSolve(R, qtb, diag, lambda);
      const stepNorm = scaledNorm(step);
      // Predicted reduction of the quadratic model: -(gᵀδ + ½‖Jδ‖²), from R (‖Jδ‖ = ‖Rδ‖).
      let gStep = 0;
      for (let j = 0; j < p; j++) gStep += gradient[j]! * step[j]!;
      let jStep = 0;
      for (let k = 0; k < p; k++) {
        let row = 0;
        for (let j = k; j < p; j++) row += R[k * p + j]! * step[j]!;
        jStep += row * row;
      }
      const predicted = -(gStep + 0.5 * jStep);
      if (stepNorm <= xTol * (xTol + xNorm) || !(predicted > 0)) {
        if (restart()) continue;
        status = "xtol";
        break;
      }
      const xNew = new Float64Array(p);
      for (let j = 0; j < p; j++) xNew[j] = x[j]! + step[j]!;
      const costNew = evaluate(xNew, trial);
      const actual = cost - costNew;
      const ratio = actual / predicted;
      if (ratio > 0 && Number.isFinite(costNew)) {
        const small = actual <= fTol * cost && predicted <= fTol * cost;
        x = xNew;
        const previous = r;
        r = trial;
        trial = previous;
        cost = costNew;
        lambda *= Math.max(1 / 3, 1 - (2 * ratio - 1) ** 3);
        nu = 2;
        if (small) status = "ftol";
        // A tiny step under heavy damping is a stall, not convergence: the next iteration restarts it.
        else if (stepNorm <= xTol * (xTol + xNorm) && lambda <= 1) status = "xtol";
        computeJacobian(x, r);
        break;
      }
      lambda *= nu;
      nu *= 2;
      if (lambda > 1e20) {
        if (restart()) continue;
        status = "xtol";
        break;
      }
    }
  }
  return finish(x, r, cost, status, iterations);

  function finish(
    xFinal: Float64Array,
    rFinal: Float64Array,
    costFinal: number,
    why: LeastSquaresStatus,
    iterationCount: number,
  ): LeastSquaresResult {
    const g = new Float64Array(p);
    let optimality = NaN;
    if (why !== "not-finite") {
      if (jacobianEvaluations === 0) computeJacobian(xFinal, rFinal);
      let norm2 = 0;
      const weights = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let w = 1;
        if (robust) {
          rho((rFinal[i]! * rFinal[i]!) / (fScale * fScale), rhoOut);
          w = rhoOut[1]!;
        }
        weights[i] = w * rFinal[i]!;
        norm2 += weights[i]! ** 2;
      }
      optimality = 0;
      for (let j = 0; j < p; j++) {
        const c = columns[j]!;
        let dot = 0;
        let cn = 0;
        for (let i = 0; i < n; i++) {
          dot += c[i]! * weights[i]!;
          cn += c[i]! * c[i]!;
        }
        g[j] = dot;
        if (cn > 0 && norm2 > 0) optimality = Math.max(optimality, Math.abs(dot) / Math.sqrt(cn * norm2));
      }
    }
    return {
      x: xFinal,
      cost: costFinal,
      residuals: rFinal,
      jacobian: columns,
      gradient: g,
      optimality,
      evaluations,
      jacobianEvaluations,
      iterations: iterationCount,
      status: why,
      message: messages[why],
      success: why === "gtol" || why === "ftol" || why === "xtol",
    };
  }
}
