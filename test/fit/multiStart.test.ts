import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadObservations } from "../../src/data/loadObservations.js";
import { UserError } from "../../src/errors.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { chinchillaStart } from "../../src/fit/laws/chinchillaStart.js";
import { distinctMinima } from "../../src/fit/minima.js";
import { multiStartFit } from "../../src/fit/multiStart.js";
import { epochData } from "../_epoch.js";

const data = epochData();

test("multiStartFit is fitLaw's point estimate: the same parameters, objective, minima and starts", () => {
  const point = multiStartFit(chinchilla, data, { intervals: "none" });
  const fit = fitLaw(chinchilla, data, { intervals: "none" });
  assert.deepEqual(point.params, fit.params);
  assert.equal(point.refined[0]!.result.cost, fit.objective);
  assert.equal(point.refined.length, fit.starts);
  assert.deepEqual(
    distinctMinima(
      point.problem,
      point.refined.map((r) => r.result),
    ),
    fit.minima,
  );
  for (let i = 1; i < point.refined.length; i++)
    assert.ok(point.refined[i - 1]!.result.cost <= point.refined[i]!.result.cost, "refinements best first");
  assert.throws(() => multiStartFit(chinchilla, data, { refine: 0 }), UserError);
});

test("chinchillaStart is the Chinchilla point estimate of the chosen rows, with the held parameters held", () => {
  const rows = Array.from({ length: 80 }, (_, i) => 3 * i);
  const pick = (column: Float64Array) => Float64Array.from(rows, (i) => column[i]!);
  const subset = { inputs: { N: pick(data.inputs.N!), D: pick(data.inputs.D!) }, loss: pick(data.loss) };
  const start = chinchillaStart(
    data.inputs.N!,
    data.inputs.D!,
    data.loss,
    rows,
    { alpha: 0.35, other: 2 },
    "log",
  );
  const expected = fitLaw(chinchilla, subset, { intervals: "none", fix: { alpha: 0.35 } }).params;
  assert.deepEqual(start, expected);
  assert.equal(start!.alpha, 0.35);
  assert.equal(chinchillaStart(data.inputs.N!, data.inputs.D!, data.loss, [0, 1], {}, "log"), undefined);
});

test("one minimum with E at its bound reached from several starts is one minimum: no 'multimodal' on kjv-chinchilla", () => {
  const path = fileURLToPath(new URL("../../data/sweeps/kjv-chinchilla/final.csv", import.meta.url));
  const { observations } = loadObservations(path, chinchilla);
  const fit = fitLaw(chinchilla, observations, { intervals: "none" });
  // Measured before deduplication by predictions: 5 "distinct" minima E = 0, 0, 3.1e-13, 4.2e-13, 7.0e-13
  // with identical A = 439.223, alpha = 0.668983, and three multimodal warnings.
  assert.equal(fit.minima.length, 1);
  assert.ok(!fit.warnings.some((w) => w.code === "multimodal"));
  assert.ok(Math.abs(fit.params.alpha! - 0.668983) < 1e-5, `alpha ${fit.params.alpha}`);
});
