import assert from "node:assert/strict";
import { test } from "node:test";
import { kaplan } from "../../../src/fit/laws/kaplan.js";
import { kaplanSteps } from "../../../src/fit/laws/kaplanSteps.js";
import { checkGradient, checkVectorised } from "../../_lawChecks.js";

const published = { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 };
const publishedSteps = { Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76 };

test("kaplan.predict with Kaplan's published constants at N = 1e9, D = 2e10 is 2.37388 (Python)", () => {
  assert.ok(Math.abs(kaplan.predict(published, { N: 1e9, D: 2e10 }) - 2.373882448217487) < 1e-12);
});

test("kaplan.gradient matches central differences", () => {
  checkGradient(kaplan, published, [
    { N: 1e7, D: 1e9 },
    { N: 1e9, D: 2e10 },
    { N: 1e11, D: 1e13 },
  ]);
  checkGradient(kaplan, { Nc: 1e10, Dc: 5e9, alphaN: 0.3, alphaD: 0.4 }, [{ N: 1e8, D: 1e10 }]);
  // The vectorised evaluate and jacobian the fitter uses equal predict and gradient point by point.
  const points = [
    { N: 1e7, D: 1e9 },
    { N: 1e9, D: 2e10 },
    { N: 1e11, D: 1e13 },
  ];
  checkVectorised(kaplan, published, points);
  checkVectorised(kaplan, { Nc: 1e10, Dc: 5e9, alphaN: 0.3, alphaD: 0.4 }, points);
});

test("kaplanSteps.predict with Kaplan's published constants at N = 1e9, S = 1e5 is 2.40051 (Python)", () => {
  assert.ok(Math.abs(kaplanSteps.predict(publishedSteps, { N: 1e9, S: 1e5 }) - 2.4005136614270093) < 1e-12);
});

test("kaplanSteps.gradient matches central differences", () => {
  checkGradient(kaplanSteps, publishedSteps, [
    { N: 1e7, S: 1e3 },
    { N: 1e9, S: 1e5 },
    { N: 1e11, S: 3e4 },
  ]);
  checkVectorised(kaplanSteps, publishedSteps, [
    { N: 1e7, S: 1e3 },
    { N: 1e9, S: 1e5 },
    { N: 1e11, S: 3e4 },
  ]);
});
