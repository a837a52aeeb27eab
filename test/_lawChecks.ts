import assert from "node:assert/strict";
import type { Params } from "../src/dataTypes.js";
import type { Law } from "../src/types.js";
import { evaluateLaw, lawJacobian } from "../src/fit/evaluate.js";

/** Asserts a law's analytic gradient against central differences at the given points (relative 1e-6). */
export function checkGradient(law: Law, p: Params, points: Record<string, number>[]): void {
  for (const x of points) {
    const g = law.gradient!(p, x);
    law.params.forEach((spec, j) => {
      const v = p[spec.name]!;
      const h = 1e-6 * Math.max(Math.abs(v), 1e-3);
      const plus = law.predict({ ...p, [spec.name]: v + h }, x);
      const minus = law.predict({ ...p, [spec.name]: v - h }, x);
      const numeric = (plus - minus) / (2 * h);
      const scale = Math.max(
        Math.abs(numeric),
        (1e-8 * Math.abs(law.predict(p, x))) / Math.max(Math.abs(v), 1e-3),
      );
      assert.ok(
        Math.abs(g[j]! - numeric) <= 1e-6 * scale,
        `${law.name}: d/d${spec.name} at ${JSON.stringify(x)}: analytic ${g[j]} vs numeric ${numeric}`,
      );
    });
  }
}

/** Asserts that a law's vectorised evaluate/jacobian agree with predict/gradient point by point. */
export function checkVectorised(law: Law, p: Params, points: Record<string, number>[]): void {
  const data = {
    inputs: Object.fromEntries(law.inputs.map((name) => [name, Float64Array.from(points, (x) => x[name]!)])),
    loss: new Float64Array(points.length).fill(1),
  };
  const values = evaluateLaw(law, p, data, new Float64Array(points.length));
  const columns = lawJacobian(
    law,
    p,
    data,
    law.params.map(() => new Float64Array(points.length)),
  );
  points.forEach((x, i) => {
    const expected = law.predict(p, x);
    assert.ok(Math.abs(values[i]! - expected) <= 1e-14 * Math.abs(expected), `${law.name} evaluate at ${i}`);
    const g = law.gradient!(p, x);
    g.forEach((v, j) =>
      assert.ok(
        Math.abs(columns[j]![i]! - v) <= 1e-13 * Math.max(Math.abs(v), 1e-300),
        `${law.name} jacobian ${j} at ${i}`,
      ),
    );
  });
}
