import assert from "node:assert/strict";
import { test } from "node:test";
import { power, powerLaw } from "../../../src/fit/laws/power.js";
import { checkGradient, checkVectorised } from "../../_lawChecks.js";

test("powerLaw('C').predict is E + A·C^−alpha (1.7 + 80·1e21^−0.1 = 2.33546, Python)", () => {
  assert.ok(Math.abs(power.predict({ E: 1.7, A: 80, alpha: 0.1 }, { C: 1e21 }) - 2.335462587779425) < 1e-13);
  assert.deepEqual(powerLaw("N").inputs, ["N"]);
  assert.equal(powerLaw("D").formula, "E + A/D^alpha");
});

test("powerLaw gradient matches central differences; vectorised forms match", () => {
  const law = powerLaw("N");
  const p = { E: 1.69, A: 406.4, alpha: 0.34 };
  const points = [{ N: 1e6 }, { N: 3e8 }, { N: 7e10 }];
  checkGradient(law, p, points);
  checkVectorised(law, p, points);
});
