import assert from "node:assert/strict";
import { test } from "node:test";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import { synthesize } from "../_synthetic.js";

test("profile-likelihood intervals agree with covariance intervals for a well-identified least-squares fit", () => {
  // For a nearly linear model with Gaussian errors the two coincide asymptotically (Bates & Watts 1988, ch. 6).
  const law = powerLaw("N");
  const data = synthesize(law, { E: 1.7, A: 400, alpha: 0.34 }, { n: 400, noise: 0.005, seed: 21 });
  const fit = fitLaw(law, data, { loss: "linear", intervals: "covariance", profile: ["alpha", "E"] });
  for (const name of ["alpha", "E"]) {
    const [clo, chi] = fit.intervals[name]!;
    const [plo, phi] = fit.variables.find((v) => v.name === name)!.profile!;
    const width = chi - clo;
    assert.ok(
      Math.abs(plo - clo) < 0.15 * width && Math.abs(phi - chi) < 0.15 * width,
      `${name}: profile [${plo}, ${phi}] vs covariance [${clo}, ${chi}]`,
    );
  }
});

test("a profile interval is open where the data do not bound the parameter", () => {
  // Losses flat in N: alpha is only bounded below by 0 and the data say nothing against large alpha·small A.
  const N = Float64Array.from({ length: 12 }, (_, i) => 1e8 * 2 ** i);
  const loss = N.map((_, i) => 2 + 0.001 * Math.sin(i));
  const fit = fitLaw(
    powerLaw("N"),
    { inputs: { N }, loss },
    { loss: "linear", intervals: "none", profile: ["alpha"] },
  );
  const [lo, hi] = fit.variables.find((v) => v.name === "alpha")!.profile!;
  assert.ok(lo >= 0);
  assert.ok(!Number.isFinite(hi) || hi > 1.9, `upper end ${hi}`);
  assert.ok(fit.warnings.some((w) => w.code === "wide-interval" || w.code === "not-identified"));
});
