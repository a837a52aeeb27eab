/**
 * The law registry (src/fit/laws/index.ts): every law resolves from its options, refuses options it does not
 * declare, and what it carries (questions, charts) is well formed; a saved fit rebuilds its law from the
 * options kept in its artifact.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fitFromArtifact, fitToArtifact } from "../../../src/fit/artifact.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { allLawDefinitions, lawNames, laws, resolveLaw } from "../../../src/fit/laws/index.js";
import { lawCharts } from "../../../src/report/lawCharts.js";

/** The options each law needs to be built (the others build from none). */
const needs: Record<string, Record<string, unknown>> = {
  bcrit: { targets: [3, 2.6] },
  custom: { formula: "E + A/N^alpha", log: ["E", "A"] },
};

test("resolveLaw builds every registered law; a law without options is the registry's object", async () => {
  assert.equal(lawNames.length, 17);
  for (const name of lawNames) {
    const law = await resolveLaw(name, (needs[name] ?? {}) as never);
    assert.equal(law.name, name);
    if (laws[name]) assert.equal(law.formula, laws[name]!.formula);
  }
  assert.equal((await resolveLaw("power", { x: "N" })).formula, "E + A/N^alpha");
});

test("resolveLaw refuses an option the law does not declare, naming the laws that take it", async () => {
  await assert.rejects(
    resolveLaw("chinchilla", { x: "N" }),
    /^UserError: --x is only for law power, not chinchilla$/,
  );
  await assert.rejects(
    resolveLaw("kaplan", { targets: [3] }),
    /^UserError: --targets is only for law bcrit, not kaplan$/,
  );
  await assert.rejects(resolveLaw("power", { bogus: 1 }), /^UserError: law power has no option bogus$/);
  await assert.rejects(resolveLaw("bcrit"), /law bcrit needs the target losses/);
  await assert.rejects(
    resolveLaw("constructor"),
    /^UserError: unknown law: constructor \(expected one of power,/,
  );
});

test("what laws carry is well formed: questions selected by their own options, charts that exist", () => {
  for (const definition of allLawDefinitions()) {
    for (const question of definition.questions ?? []) {
      if (question.when !== undefined)
        assert.ok(
          question.when in question.options,
          `${definition.name}: ${question.name} reads --${question.when}`,
        );
      assert.ok(question.command === "optimize" || question.command === "predict");
    }
  }
  for (const law of Object.values(laws))
    for (const chart of law.charts ?? []) assert.ok(lawCharts.has(chart), `${law.name}: chart ${chart}`);
  // Exactly the laws with special answers carry questions (encdec, qat, precision, bcrit, isoflop, envelope, hparams).
  const asking = allLawDefinitions()
    .filter((d) => d.questions?.length)
    .map((d) => d.name);
  assert.deepEqual(asking, ["encdec", "qat", "precision", "bcrit", "isoflop", "envelope", "hparams"]);
});

test("fitFromArtifact rebuilds power in N from lawSpec.x and predicts as the fit does", async () => {
  // Noiseless power law in N: E = 1.5, A = 40, alpha = 0.3 (known parameters).
  const N = Float64Array.from([1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9]);
  const loss = N.map((n) => 1.5 + 40 * n ** -0.3);
  const law = await resolveLaw("power", { x: "N" });
  const fit = fitLaw(law, { inputs: { N }, loss }, { intervals: "none" });
  const artifact = JSON.parse(JSON.stringify(fitToArtifact(fit, { dataDigest: "test" })));
  assert.deepEqual(artifact.lawSpec, { x: "N" });
  const back = await fitFromArtifact(artifact);
  assert.deepEqual(back.law.inputs, ["N"]);
  assert.ok(Math.abs(back.law.predict(back.params, { N: 7e10 }) - (1.5 + 40 * 7e10 ** -0.3)) < 1e-6);
});
