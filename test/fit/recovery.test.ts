import assert from "node:assert/strict";
import { test } from "node:test";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { customLaw } from "../../src/fit/laws/custom.js";
import { kaplan } from "../../src/fit/laws/kaplan.js";
import { kaplanSteps } from "../../src/fit/laws/kaplanSteps.js";
import { powerLaw } from "../../src/fit/laws/power.js";
import type { Params } from "../../src/dataTypes.js";
import type { Law } from "../../src/types.js";
import { maxRelativeError, synthesize } from "../_synthetic.js";

/**
 * The recovery table (STYLE.md rule 17b): every law × parameter sets × noise levels, data from a seeded
 * generator (test/_synthetic.ts). Noiseless data must be recovered to 1e-6 relative; with 1 % multiplicative
 * noise the reported 95 % intervals must cover the truth at about the nominal rate.
 */
const custom = await customLaw("E + A/N^alpha + B/D^beta", {
  log: ["E", "A", "B"],
  params: { alpha: { min: 0 }, beta: { min: 0 } },
});
const table: { law: Law; sets: Params[] }[] = [
  {
    law: powerLaw("C"),
    sets: [
      { E: 1.7, A: 80, alpha: 0.1 },
      { E: 2.0, A: 1000, alpha: 0.15 },
      { E: 0.8, A: 15, alpha: 0.05 },
    ],
  },
  {
    law: powerLaw("N"),
    sets: [
      { E: 1.69, A: 406.4, alpha: 0.34 },
      { E: 2.5, A: 50, alpha: 0.2 },
    ],
  },
  {
    law: chinchilla,
    sets: [
      { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 },
      { E: 1.8172, A: 477.83, B: 2143.41, alpha: 0.3473, beta: 0.3672 },
      { E: 2.5, A: 50, B: 10000, alpha: 0.25, beta: 0.45 },
    ],
  },
  {
    law: kaplan,
    sets: [
      { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 },
      { Nc: 1e12, Dc: 1e11, alphaN: 0.1, alphaD: 0.2 },
    ],
  },
  {
    law: kaplanSteps,
    sets: [
      { Nc: 6.5e13, Sc: 2.1e3, alphaN: 0.077, alphaS: 0.76 },
      { Nc: 1e11, Sc: 500, alphaN: 0.1, alphaS: 0.5 },
    ],
  },
  { law: custom, sets: [{ E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 }] },
];

for (const { law, sets } of table) {
  test(`fitLaw(${law.name}${law.name === "power" ? ` in ${law.inputs[0]}` : ""}) recovers noiseless data to 1e-6 relative`, () => {
    for (const [k, truth] of sets.entries()) {
      const data = synthesize(law, truth, { n: 120, noise: 0, seed: 10 + k });
      const fit = fitLaw(law, data, { intervals: "none" });
      const error = maxRelativeError(fit.params, truth);
      assert.ok(
        error < 1e-6,
        `set ${k}: max relative error ${error.toExponential(2)} ${JSON.stringify(fit.params)}`,
      );
    }
  });
}

/** Fraction of (replicate, parameter) pairs whose interval holds the truth. */
function coverage(
  law: Law,
  truth: Params,
  options: {
    replicates: number;
    noise: number;
    intervals: "covariance" | "bootstrap";
    bootstrap?: number;
    seed: number;
  },
) {
  let inside = 0;
  let total = 0;
  for (let r = 0; r < options.replicates; r++) {
    const data = synthesize(law, truth, { n: 120, noise: options.noise, seed: options.seed + r });
    const fit = fitLaw(law, data, {
      intervals: options.intervals,
      bootstrap: options.bootstrap ?? 200,
      seed: r + 1,
    });
    for (const [name, [lo, hi]] of Object.entries(fit.intervals)) {
      total++;
      if (truth[name]! >= lo && truth[name]! <= hi) inside++;
    }
  }
  return inside / total;
}

for (const { law, sets } of table) {
  test(`fitLaw(${law.name}${law.name === "power" ? ` in ${law.inputs[0]}` : ""}) covariance intervals cover noisy truth at about 95 %`, (t) => {
    const rates = sets.map((truth, k) =>
      coverage(law, truth, { replicates: 40, noise: 0.01, intervals: "covariance", seed: 1000 + 100 * k }),
    );
    t.diagnostic(`coverage per parameter set: ${rates.map((r) => (100 * r).toFixed(1) + "%").join(", ")}`);
    const pooled = rates.reduce((s, r) => s + r, 0) / rates.length;
    // 40 replicates × 3–5 parameters per set: a binomial standard error of about 1.5 % per set.
    assert.ok(pooled > 0.9 && pooled < 0.99, `pooled coverage ${(100 * pooled).toFixed(1)}%`);
  });
}

test("fitLaw(chinchilla) bootstrap percentile intervals cover noisy truth at about 95 %", (t) => {
  const rate = coverage(chinchilla, table[2]!.sets[0]!, {
    replicates: 30,
    noise: 0.01,
    intervals: "bootstrap",
    bootstrap: 200,
    seed: 5000,
  });
  t.diagnostic(`bootstrap coverage: ${(100 * rate).toFixed(1)}%`);
  assert.ok(rate > 0.85 && rate < 1, `coverage ${(100 * rate).toFixed(1)}%`);
});
