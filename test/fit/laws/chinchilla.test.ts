import assert from "node:assert/strict";
import { test } from "node:test";
import { chinchilla, chinchillaOptimal } from "../../../src/fit/laws/chinchilla.js";
import { frontier } from "../../../src/predict/frontier.js";
import { checkGradient, checkVectorised } from "../../_lawChecks.js";

const hoffmann = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const epoch = { E: 1.8172, A: 477.83, B: 2143.41, alpha: 0.3473, beta: 0.3672 };
const points = [
  { N: 4.4e7, D: 1e9 },
  { N: 1e9, D: 2e10 },
  { N: 7e10, D: 1.4e12 },
];

test("chinchilla.predict(Hoffmann's parameters) at 70B and 1.4T tokens is 1.93665 (Python: 1.69 + 406.4/7e10**0.34 + 410.7/1.4e12**0.28)", () => {
  assert.ok(Math.abs(chinchilla.predict(hoffmann, { N: 7e10, D: 1.4e12 }) - 1.9366454705587173) < 1e-13);
});

test("chinchilla.gradient matches central differences; evaluate/jacobian match predict/gradient", () => {
  checkGradient(chinchilla, hoffmann, points);
  checkGradient(chinchilla, epoch, points);
  checkVectorised(chinchilla, epoch, points);
});

test("chinchillaOptimal gives Hoffmann's closed form (Python oracle) with 6 N* D* = C", () => {
  // G = (alpha A / (beta B))^(1/(alpha+beta)); N* = G (C/6)^(beta/(alpha+beta)); D* = (C/6)^(alpha/(alpha+beta)) / G
  const { N, D } = chinchillaOptimal(hoffmann, 5.76e23);
  assert.ok(Math.abs(N / 32189859151.368168 - 1) < 1e-12);
  assert.ok(Math.abs(D / 2982305686662.796 - 1) < 1e-12);
  assert.ok(Math.abs((6 * N * D) / 5.76e23 - 1) < 1e-12);
});

test("chinchillaOptimal agrees with the brute-force frontier argmin over N at fixed C", () => {
  for (const p of [hoffmann, epoch, { E: 1.5, A: 100, B: 5000, alpha: 0.5, beta: 0.25 }]) {
    for (const C of [1e19, 1e21, 5.76e23, 1e26]) {
      const closed = chinchillaOptimal(p, C);
      const brute = frontier(chinchilla, p, C);
      assert.ok(Math.abs(brute.N / closed.N - 1) < 1e-6, `N at C = ${C}`);
      assert.ok(Math.abs(brute.D / closed.D - 1) < 1e-6, `D at C = ${C}`);
    }
  }
});

test("chinchilla's derived exponent a = beta/(alpha+beta) is 0.5139 for Epoch's fit (Epoch: 0.513)", () => {
  assert.ok(Math.abs(chinchilla.derived!.a!.value(epoch) - 0.3672 / (0.3473 + 0.3672)) < 1e-15);
  assert.ok(Math.abs(chinchilla.derived!.a!.value(epoch) - 0.513) < 0.002);
});

test("chinchilla predictions decrease in N and in D (property over a grid)", () => {
  for (const N of [1e7, 1e9, 1e11]) {
    for (const D of [1e9, 1e11, 1e13]) {
      assert.ok(chinchilla.predict(epoch, { N: N * 2, D }) < chinchilla.predict(epoch, { N, D }));
      assert.ok(chinchilla.predict(epoch, { N, D: D * 2 }) < chinchilla.predict(epoch, { N, D }));
    }
  }
});
