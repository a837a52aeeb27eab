import assert from "node:assert/strict";
import { test } from "node:test";
import { cholesky, dampedSolve, householderQR, inverseGram, solveLinear, svd } from "../../src/fit/linalg.js";

test("householderQR + dampedSolve(λ = 0) solve least squares: the fit of a line", () => {
  // y = 1 + 2t exactly: the least-squares step from x = 0 is (1, 2)
  const t = [0, 1, 2, 3];
  const columns = [Float64Array.from(t, () => 1), Float64Array.from(t)];
  const residuals = Float64Array.from(t, (v) => -(1 + 2 * v)); // r(0) = model(0) − y
  const { R, qtb } = householderQR(columns, residuals);
  const step = dampedSolve(R, qtb, Float64Array.of(1, 1), 0);
  assert.ok(Math.abs(step[0]! - 1) < 1e-12 && Math.abs(step[1]! - 2) < 1e-12);
});

test("dampedSolve(λ) equals the solution of (JᵀJ + λ D²) δ = −Jᵀr", () => {
  const J = [Float64Array.of(1, 2, 3, 4), Float64Array.of(1, -1, 2, 0.5)];
  const r = Float64Array.of(0.3, -0.2, 0.7, 0.1);
  const D = Float64Array.of(2, 0.5);
  const lambda = 0.3;
  const JtJ = [0, 1].flatMap((a) => [0, 1].map((b) => J[a]!.reduce((s, v, i) => s + v * J[b]![i]!, 0)));
  const A = [JtJ[0]! + lambda * 4, JtJ[1]!, JtJ[2]!, JtJ[3]! + lambda * 0.25];
  const g = [0, 1].map((a) => -J[a]!.reduce((s, v, i) => s + v * r[i]!, 0));
  const expected = solveLinear(A, g, 2)!;
  const { R, qtb } = householderQR(
    J.map((c) => c.slice()),
    r.slice(),
  );
  const step = dampedSolve(R, qtb, D, lambda);
  assert.ok(Math.abs(step[0]! - expected[0]!) < 1e-12 && Math.abs(step[1]! - expected[1]!) < 1e-12);
});

test("svd gives the singular values of a diagonal and of a rotated matrix", () => {
  assert.deepEqual(Array.from(svd(Float64Array.of(3, 0, 0, 4), 2).values), [4, 3]);
  // [[1, 1], [0, 1]]: singular values (1 ± √5)/2 in magnitude, i.e. golden ratio and its inverse
  const { values } = svd(Float64Array.of(1, 1, 0, 1), 2);
  assert.ok(Math.abs(values[0]! - (1 + Math.sqrt(5)) / 2) < 1e-14);
  assert.ok(Math.abs(values[1]! - (Math.sqrt(5) - 1) / 2) < 1e-14);
});

test("inverseGram inverts RᵀR and reports rank and condition", () => {
  const { inverse, condition, rank } = inverseGram(Float64Array.of(2, 1, 0, 1), 2);
  // RᵀR = [[4, 2], [2, 2]], inverse = [[0.5, -0.5], [-0.5, 1]]
  assert.deepEqual(
    Array.from(inverse, (v) => Number(v.toFixed(12))),
    [0.5, -0.5, -0.5, 1],
  );
  assert.equal(rank, 2);
  assert.ok(condition > 2 && condition < 3);
  const singular = inverseGram(Float64Array.of(1, 1, 0, 0), 2);
  assert.equal(singular.rank, 1);
  assert.ok(Number.isNaN(singular.inverse[0]!));
});

test("cholesky factors a positive definite matrix and solveLinear rejects a singular one", () => {
  assert.deepEqual(Array.from(cholesky(Float64Array.of(4, 2, 2, 2), 2)), [2, 0, 1, 1]);
  assert.equal(solveLinear([1, 2, 2, 4], [1, 2], 2), undefined);
});
