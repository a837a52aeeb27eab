import assert from "node:assert/strict";
import { test } from "node:test";
import { fitFromArtifact, fitToArtifact } from "../../src/fit/artifact.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { customLaw } from "../../src/fit/laws/custom.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { predictLoss } from "../../src/predict/predictLoss.js";
import { version } from "../../src/version.js";
import { contractKeys } from "../_cli.js";
import { epochData } from "../_epoch.js";
import { readFileSync } from "node:fs";

test("version matches package.json", () => {
  assert.equal(
    version,
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version,
  );
});

test("fitToArtifact → JSON → fitFromArtifact predicts exactly as the original fit", async () => {
  const data = epochData();
  for (const law of [
    chinchilla,
    powerLaw("N"),
    await customLaw("E + A/N^alpha + B/D^beta", { log: ["E", "A", "B"] }),
  ]) {
    const fit = fitLaw(law, data, { intervals: "covariance" });
    const json = JSON.parse(JSON.stringify(fitToArtifact(fit, { dataDigest: "sha256:test" })));
    assert.equal(json.version, version);
    assert.equal(json.dataDigest, "sha256:test");
    for (const key of contractKeys) assert.ok(key in json, key);
    const loaded = await fitFromArtifact(json);
    const at = [{ N: 7e10, D: 1.4e12 }];
    assert.deepEqual(predictLoss(loaded, at), predictLoss(fit, at));
  }
});

test("fitFromArtifact names what is wrong with a document that is not a fit", async () => {
  await assert.rejects(
    fitFromArtifact([1, 2], "x.json"),
    /x.json is not a scalefit fit artifact: expected a JSON object/,
  );
  await assert.rejects(fitFromArtifact({ law: "chinchilla" }, "x.json"), /missing params/);
  await assert.rejects(
    fitFromArtifact({ law: "chinchilla", params: { E: 1 }, options: {} }, "x.json"),
    /missing parameter A of law chinchilla/,
  );
  await assert.rejects(
    fitFromArtifact({ law: "nope", params: {}, options: {} }, "x.json"),
    /unknown law: nope/,
  );
  const curve = {
    law: "lr-anneal",
    params: { L0: 2, A: 0.5, alpha: 0.5, C: 1, lambda: 0.999 },
    options: {},
  };
  const misfit = {
    horizon: 24000,
    heldOut: [0.01],
    horizonTest: { cut: 8000, ratio: [1.5], residual: [0.02] },
  };
  assert.deepEqual((await fitFromArtifact({ ...curve, curveMisfit: misfit })).curveMisfit, misfit);
  await assert.rejects(
    fitFromArtifact({ ...curve, curveMisfit: { ...misfit, heldOut: ["x"] } }, "x.json"),
    /x.json is not a scalefit fit artifact: curveMisfit.heldOut must be an array of finite numbers/,
  );
  await assert.rejects(
    fitFromArtifact({
      ...curve,
      curveMisfit: { ...misfit, horizonTest: { cut: 8000, ratio: [], residual: [1] } },
    }),
    /curveMisfit.horizonTest.ratio and residual differ in length/,
  );
});
