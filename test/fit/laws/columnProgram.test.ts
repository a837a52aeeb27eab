import assert from "node:assert/strict";
import { test } from "node:test";
import type { Observations, Params } from "../../../src/dataTypes.js";
import { customLaw, type CustomLawOptions } from "../../../src/fit/laws/custom.js";
import { randomSource } from "../../../src/random.js";
import type { Law } from "../../../src/types.js";

/** Random positive inputs, log-uniform over [1e3, 1e12] (the span of N and D in Chinchilla), seeded. */
function randomData(law: Law, n: number, seed: number): Observations {
  const random = randomSource(seed);
  const column = () => Float64Array.from({ length: n }, () => 10 ** (3 + 9 * random.uniform()));
  return {
    inputs: Object.fromEntries(law.inputs.map((name) => [name, column()])),
    loss: new Float64Array(n).fill(1),
  };
}

/** Asserts evaluate/jacobian (column program) equal predict/gradient (point closures) at every point, to 1e-12 relative. */
function assertMatchesPointwise(law: Law, p: Params, data: Observations): void {
  const n = data.loss.length;
  const values = new Float64Array(n);
  law.evaluate!(p, data, values);
  const columns = law.params.map(() => new Float64Array(n));
  law.jacobian!(p, data, columns);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b) || Object.is(a, b);
  for (let i = 0; i < n; i++) {
    const x = Object.fromEntries(law.inputs.map((name) => [name, data.inputs[name]![i]!]));
    const expected = law.predict(p, x);
    assert.ok(close(values[i]!, expected), `${law.formula} at ${i}: ${values[i]} vs ${expected}`);
    law.gradient!(p, x).forEach((g, j) =>
      assert.ok(
        close(columns[j]![i]!, g),
        `${law.formula} d/d${law.params[j]!.name} at ${i}: ${columns[j]![i]} vs ${g}`,
      ),
    );
  }
}

// Parameters near published fits (Chinchilla: Hoffmann et al. 2022 eq. 10; the others chosen so every term is
// of order one over the inputs' span); the pointwise closures are the reference.
const formulas: [string, Params, CustomLawOptions?][] = [
  ["E + A/C^alpha", { E: 1.69, A: 406.4, alpha: 0.34 }],
  ["E + A/N^alpha + B/D^beta", { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 }],
  [
    "L0 + A*exp(-k*sqrt(N)) + log(1 + C/D)^2 / c",
    { L0: 1.5, A: 2, k: 1e-5, C: 1e3, c: 4 },
    { inputs: ["N", "D"] },
  ],
  ["E + (2*pi)*A/N^(alpha*sqrt(4)) + exp(-B/2)*D/1e12", { E: 1.7, A: 3e3, alpha: 0.2, B: 1.5 }],
];

test("customLaw's evaluate and jacobian equal its predict and gradient point by point (1e-12 relative)", async () => {
  for (const [seed, [formula, p, options]] of formulas.entries()) {
    const law = await customLaw(formula, options);
    assert.ok(law.evaluate && law.jacobian, formula);
    assertMatchesPointwise(law, p, randomData(law, 64, seed + 1));
    // Other parameters on the same data: nothing the first call computed is stale.
    const moved = Object.fromEntries(Object.entries(p).map(([name, v]) => [name, v * 1.1]));
    assertMatchesPointwise(law, moved, randomData(law, 64, seed + 1));
  }
});

test("customLaw's jacobian is the same after an evaluate at the same or other parameters", async () => {
  const law = await customLaw("E + A/N^alpha + B/D^beta");
  const data = randomData(law, 16, 7);
  const p = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };
  const alone = law.params.map(() => new Float64Array(16));
  law.jacobian!(p, data, alone);
  const after = law.params.map(() => new Float64Array(16));
  law.evaluate!(p, data, new Float64Array(16));
  law.jacobian!(p, data, after);
  assert.deepEqual(after, alone);
  law.evaluate!({ ...p, alpha: 0.5 }, data, new Float64Array(16));
  law.jacobian!(p, data, after);
  assert.deepEqual(after, alone);
});

test("customLaw's evaluate follows new data of the same and of another length", async () => {
  const law = await customLaw("E + A/C^alpha");
  const p = { E: 1.69, A: 406.4, alpha: 0.34 };
  for (const [n, seed] of [
    [8, 1],
    [8, 2],
    [3, 3],
  ] as const) {
    assertMatchesPointwise(law, p, randomData(law, n, seed));
  }
});

test("customLaw's evaluate raises a non-positive input to a parameter power with ** (-2^2 = 4)", async () => {
  const law = await customLaw("E + A*X^k", { inputs: ["X"] });
  const data = { inputs: { X: Float64Array.of(-2, 0, 3) }, loss: new Float64Array(3) };
  const out = new Float64Array(3);
  law.evaluate!({ E: 1, A: 1, k: 2 }, data, out);
  // 1 + (-2)^2, 1 + 0^2, 1 + 3^2 by hand; exp(2·log x) would give NaN for the first.
  assert.deepEqual([...out], [5, 1, 10]);
  assertMatchesPointwise(law, { E: 1, A: 1, k: 2 }, data);
});
