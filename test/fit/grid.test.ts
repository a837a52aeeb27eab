import assert from "node:assert/strict";
import { test } from "node:test";
import {
  boundedLeastSquaresFromGram,
  boundedLinearLeastSquares,
  weightedDot,
} from "../../src/fit/boundedLinear.js";
import { exponentPairStarts } from "../../src/fit/exponentPairStarts.js";
import { axisFor, defaults, forEachCell, gridMinima, halton, range, thin } from "../../src/fit/grid.js";

test("grid helpers: axes, cells in row-major order, local minima best first, thinning, Halton, defaults", () => {
  assert.deepEqual(axisFor({ name: "E", min: 0, max: 5 }), [0.5, 1.5, 2.5, 3.5, 4.5]);
  assert.deepEqual(axisFor({ name: "a", grid: [1, 2] }), [1, 2]);
  assert.deepEqual(axisFor({ name: "a", value: 3 }), [3]);
  const visited: [number[], number][] = [];
  forEachCell(
    [
      [1, 2],
      [10, 20],
    ],
    (values, cell) => visited.push([[...values], cell]),
  );
  assert.deepEqual(visited, [
    [[1, 10], 0],
    [[1, 20], 1],
    [[2, 10], 2],
    [[2, 20], 3],
  ]);
  assert.deepEqual(gridMinima([3], Float64Array.of(2, 1, 3), 3), [1, 0, 2]);
  // Two local minima on a 2×3 grid, the deeper first; an infinite cell is never chosen.
  assert.deepEqual(gridMinima([2, 3], Float64Array.of(1, 5, 0.5, 6, 7, Infinity), 8), [2, 0, 1, 3, 4]);
  assert.deepEqual(thin([1, 2, 3, 4, 5], 2), [1, 3, 5]);
  assert.deepEqual(thin([1, 2, 3], 5), [1, 2, 3]);
  assert.deepEqual([halton(1, 2), halton(2, 2), halton(3, 2)], [0.5, 0.25, 0.75]);
  assert.deepEqual(range(0.5, 2, 0.5), [0.5, 1, 1.5, 2]);
  assert.deepEqual(defaults([{ name: "E", value: 1.7 }, { name: "A" }]), { E: 1.7, A: 1 });
});

test("bounded linear least squares: the unconstrained optimum when feasible, else the best face of the box", () => {
  const ones = Float64Array.of(1, 1);
  assert.equal(weightedDot(Float64Array.of(1, 2), Float64Array.of(3, 4), Float64Array.of(1, 0)), 3);
  const mean = boundedLinearLeastSquares([ones], Float64Array.of(2, 4), ones, [0])!;
  assert.deepEqual([...mean.coefficients], [3]);
  assert.ok(Math.abs(mean.cost - 2) < 1e-12);
  const fromGram = boundedLeastSquaresFromGram([2], [6], 20, [0])!;
  assert.deepEqual([...fromGram.coefficients], [3]);
  // y = 2 − x is fitted with a non-negative slope: the slope sits on its bound, the intercept is the mean.
  const x = Float64Array.of(0, 1, 2);
  const clipped = boundedLinearLeastSquares(
    [Float64Array.of(1, 1, 1), x],
    Float64Array.of(2, 1, 0),
    Float64Array.of(1, 1, 1),
    [undefined, 0],
  )!;
  assert.ok(Math.abs(clipped.coefficients[0]! - 1) < 1e-12 && clipped.coefficients[1] === 0);
  assert.ok(Math.abs(clipped.cost - 2) < 1e-12);
});

test("exponentPairStarts recovers the exponents and coefficients of a two-term power law on its grid", () => {
  const x = Float64Array.from([1, 2, 4, 8, 16, 32], (v) => v);
  const z = Float64Array.from([3, 1, 9, 2, 27, 5], (v) => v);
  const y = x.map((v, i) => 2 * v ** -0.5 + 3 * z[i]! ** -0.25);
  const starts = exponentPairStarts([range(0.25, 1, 0.25), range(0.25, 1, 0.25)], y.length, {
    fill(a, b, basis, target, weights) {
      for (let i = 0; i < y.length; i++) {
        basis[0][i] = x[i]! ** -a;
        basis[1][i] = z[i]! ** -b;
        target[i] = y[i]!;
        weights[i] = 1;
      }
      return 1;
    },
    toParams: (a, b, first, second) => ({ a, b, first, second }),
  });
  const best = starts[0]!;
  assert.equal(best.a, 0.5);
  assert.equal(best.b, 0.25);
  assert.ok(Math.abs(best.first! - 2) < 1e-9 && Math.abs(best.second! - 3) < 1e-9);
});
