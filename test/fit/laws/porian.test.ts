/**
 * Porian et al. 2024's 15 configurations: the compute-optimal N*(C) exponent of each, fitted by scalefit as the
 * paper fits it (least squares of ln n* on ln C over every budget), equals the authors' published value.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadObservations } from "../../../src/data/loadObservations.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { resolveLaw } from "../../../src/fit/laws/index.js";

const porian = "../shared/datasets/porian";

test(
  "N*(C) = k·C^a on each of Porian et al.'s 15 configurations equals the published n_exponent and n_coef",
  { skip: existsSync(porian) ? false : "no ../shared/datasets" },
  async () => {
    // ../shared/datasets/porian/published.json: fit_results['basic'] of each configuration (the authors' OLS).
    const published = JSON.parse(readFileSync(join(porian, "published.json"), "utf8")) as Record<
      string,
      { n_exponent: number; n_coef: number; budgets_all: number }
    >;
    assert.equal(Object.keys(published).length, 15);
    const law = await resolveLaw("custom", { formula: "k*C^a", log: ["k"] });
    for (const [config, ref] of Object.entries(published)) {
      const { observations } = loadObservations(join(porian, `${config}_nstar.csv`), law);
      assert.equal(observations.loss.length, ref.budgets_all);
      const fit = fitLaw(law, observations, { loss: "linear", space: "log", bootstrap: 100, seed: 1 });
      assert.ok(
        Math.abs(fit.params.a! - ref.n_exponent) < 1e-7,
        `${config}: a ${fit.params.a} vs ${ref.n_exponent}`,
      );
      assert.ok(
        Math.abs(fit.params.k! / ref.n_coef - 1) < 1e-5,
        `${config}: k ${fit.params.k} vs ${ref.n_coef}`,
      );
      const [lo, hi] = fit.intervals.a!;
      assert.ok(lo < ref.n_exponent && ref.n_exponent < hi, `${config}: a interval [${lo}, ${hi}]`);
    }
  },
);
