import assert from "node:assert/strict";
import { test } from "node:test";
import { binomialCdf } from "../../src/predict/binomialCdf.js";

/** |actual − expected| within `relative` of expected. */
const close = (actual: number, expected: number, relative: number) =>
  assert.ok(Math.abs(actual - expected) <= relative * expected, `${actual} vs ${expected}`);

test("binomialCdf(12, 16, 0.95) is the exact sum for 12 of 16 points inside 95 % intervals", () => {
  // Σ_{j=0..12} C(16, j) 0.95^j 0.05^(16−j) in exact rationals (Python fractions.Fraction, math.comb):
  // 0.0070039076562072936; and for 13, 14, 15 of 16: 0.04293785348577265, 0.18924034722043162, 0.5598733313482342.
  close(binomialCdf(12, 16, 0.95), 0.0070039076562072936, 1e-12);
  close(binomialCdf(13, 16, 0.95), 0.04293785348577265, 1e-12);
  close(binomialCdf(14, 16, 0.95), 0.18924034722043162, 1e-12);
  close(binomialCdf(15, 16, 0.95), 0.5598733313482342, 1e-12);
});

test("binomialCdf matches its closed forms: the tails and the fair coin", () => {
  // P(X ≤ m − 1) = 1 − p^m and P(X ≤ 0) = (1 − p)^m.
  close(binomialCdf(15, 16, 0.95), 1 - 0.95 ** 16, 1e-12);
  close(binomialCdf(0, 16, 0.95), 0.05 ** 16, 1e-12);
  // p = 1/2: Σ_{j ≤ 10} C(20, j) / 2^20 = 616666 / 2^20 = 308333/524288 (exact integer sum).
  close(binomialCdf(10, 20, 0.5), 308333 / 524288, 1e-13);
  // m = 1000 in log space, no overflow of C(1000, 500) ≈ 2.7e299: exact rationals give 0.5126125090891804.
  close(binomialCdf(500, 1000, 0.5), 0.5126125090891804, 1e-10);
  // P(X ≤ 3 | 10, 0.3) = 0.6496107184 (exact: 6496107184 / 10^10).
  close(binomialCdf(3, 10, 0.3), 0.6496107184, 1e-12);
});

test("binomialCdf at the edges: k below 0 or at m, p of 0 or 1, and degenerate arguments", () => {
  assert.equal(binomialCdf(-1, 16, 0.95), 0);
  assert.equal(binomialCdf(16, 16, 0.95), 1);
  assert.equal(binomialCdf(3, 16, 0), 1);
  assert.equal(binomialCdf(15, 16, 1), 0);
  assert.equal(binomialCdf(12.7, 16, 0.95), binomialCdf(12, 16, 0.95));
  assert.ok(Number.isNaN(binomialCdf(3, 2.5, 0.5)));
  assert.ok(Number.isNaN(binomialCdf(3, 10, 1.5)));
  assert.ok(Number.isNaN(binomialCdf(NaN, 10, 0.5)));
});
