import type { LossName } from "../dataTypes.js";

/**
 * Robust losses rho(z) of a squared scaled residual z = (r / fScale)^2, with their first two derivatives,
 * exactly as SciPy's `least_squares` defines them; the cost is 0.5 · fScale² · Σ rho(z_i).
 * With `huber` and fScale = delta this is Σ Huber_delta(r_i), the objective of Hoffmann et al. (2022).
 * @example const rho = robustLoss("huber"); const out = new Float64Array(3); rho(4, out) // out = [3, 0.5, -0.0625]
 */
export type RobustLoss = (z: number, out: Float64Array) => void;

/**
 * The rho function of a named loss (SciPy `least_squares`, argument `loss`).
 * @example robustLoss("cauchy")(1, out) // out = [log 2, 0.5, -0.25]
 */
export function robustLoss(name: LossName): RobustLoss {
  switch (name) {
    case "linear":
      return linear;
    case "huber":
      return huber;
    case "softL1":
      return softL1;
    case "cauchy":
      return cauchy;
  }
}

/** Names accepted by `robustLoss`. */
export const lossNames: readonly LossName[] = ["linear", "huber", "softL1", "cauchy"];

function linear(z: number, out: Float64Array): void {
  out[0] = z;
  out[1] = 1;
  out[2] = 0;
}

function huber(z: number, out: Float64Array): void {
  if (z <= 1) {
    out[0] = z;
    out[1] = 1;
    out[2] = 0;
  } else {
    const root = Math.sqrt(z);
    out[0] = 2 * root - 1;
    out[1] = 1 / root;
    out[2] = -0.5 / (z * root);
  }
}

function softL1(z: number, out: Float64Array): void {
  const t = 1 + z;
  const root = Math.sqrt(t);
  out[0] = 2 * (root - 1);
  out[1] = 1 / root;
  out[2] = -0.5 / (t * root);
}

function cauchy(z: number, out: Float64Array): void {
  const t = 1 + z;
  out[0] = Math.log(t);
  out[1] = 1 / t;
  out[2] = -1 / (t * t);
}

/**
 * The cost 0.5 · fScale² · Σ rho((r_i / fScale)²) of residuals, as `leastSquares` minimises it.
 * @example robustCost(Float64Array.of(0.5, 3), "huber", 1) // 0.125 + 2.5
 */
export function robustCost(residuals: ArrayLike<number>, loss: LossName, fScale: number): number {
  const rho = robustLoss(loss);
  const out = new Float64Array(3);
  const c2 = fScale * fScale;
  let sum = 0;
  for (let i = 0; i < residuals.length; i++) {
    rho((residuals[i]! * residuals[i]!) / c2, out);
    sum += out[0]!;
  }
  return 0.5 * c2 * sum;
}
