import type { Inputs, Observations, Params } from "../dataTypes.js";
import type { Law } from "../types.js";
import { pointsOf } from "./points.js";

/**
 * Predictions of a law at every point into `out`: its vectorised `evaluate` when it has one, else
 * `predict` point by point.
 * @example evaluateLaw(chinchilla, params, data, new Float64Array(data.loss.length))
 */
export function evaluateLaw(law: Law, p: Params, data: Observations, out: Float64Array): Float64Array {
  if (law.evaluate) {
    law.evaluate(p, data, out);
    return out;
  }
  const points = pointsOf(law, data);
  for (let i = 0; i < out.length; i++) out[i] = law.predict(p, points[i]!);
  return out;
}

/**
 * The law's Jacobian at every point, `out[j][i]` = d predict_i / d params[j] (law order): its vectorised
 * `jacobian`, else `gradient` point by point, else central differences of `predict`.
 */
export function lawJacobian(law: Law, p: Params, data: Observations, out: Float64Array[]): Float64Array[] {
  if (law.jacobian) {
    law.jacobian(p, data, out);
    return out;
  }
  const points = pointsOf(law, data);
  const n = out[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const g = law.gradient ? law.gradient(p, points[i]!) : numericGradient(law, p, points[i]!);
    for (let j = 0; j < out.length; j++) out[j]![i] = g[j]!;
  }
  return out;
}

/** Central-difference gradient of a law without an analytic one (all parameters, law order). */
function numericGradient(law: Law, p: Params, x: Inputs): number[] {
  const q = { ...p };
  return law.params.map((s) => {
    const v = p[s.name]!;
    const h = Math.cbrt(Number.EPSILON) * Math.max(Math.abs(v), 1e-8);
    q[s.name] = v + h;
    const plus = law.predict(q, x);
    q[s.name] = v - h;
    const minus = law.predict(q, x);
    q[s.name] = v;
    return (plus - minus) / (2 * h);
  });
}
