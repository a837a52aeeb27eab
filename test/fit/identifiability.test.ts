/**
 * Range identifiability: an input that barely varies cannot identify the parameters attached to it (Gemstones'
 * width-512 runs span 1.21× in N); their intervals read "not identified" and a warning names the input.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { loadObservations } from "../../src/data/loadObservations.js";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { rangeFindings } from "../../src/fit/identifiability.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { formatFitReport } from "../../src/fit/report.js";

const gemstones512 = "../shared/datasets/gemstones/hot_100b+_512x.csv";

/** Chinchilla's published law (E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28) at the given N and D. */
function runs(Ns: readonly number[], Ds: readonly number[]) {
  const N: number[] = [];
  const D: number[] = [];
  for (const n of Ns)
    for (const d of Ds) {
      N.push(n);
      D.push(d);
    }
  const loss = N.map((n, i) => 1.69 + 406.4 / n ** 0.34 + 410.7 / D[i]! ** 0.28);
  return { inputs: { N: Float64Array.from(N), D: Float64Array.from(D) }, loss: Float64Array.from(loss) };
}

test("rangeFindings names a narrow input and the parameters attached to it, and only those", () => {
  const p = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const free = ["E", "A", "B", "alpha", "beta"];
  // N over 1e8 … 1.2e8 (0.079 decades), D over three decades.
  const narrow = runs([1e8, 1.1e8, 1.2e8], [1e9, 1e10, 1e11, 1e12]);
  assert.deepEqual(
    rangeFindings(chinchilla, narrow, p, free).map((f) => [f.input, f.distinct, f.params]),
    [["N", 3, ["A", "alpha"]]],
  );
  // Two distinct D values over two decades: too few values for beta.
  const twoD = runs([1e8, 1e9, 1e10], [1e9, 1e11]);
  assert.deepEqual(
    rangeFindings(chinchilla, twoD, p, free).map((f) => [f.input, f.params]),
    [["D", ["B", "beta"]]],
  );
  // A wide grid has no finding.
  assert.deepEqual(rangeFindings(chinchilla, runs([1e8, 1e9, 1e10], [1e9, 1e10, 1e11]), p, free), []);
});

test(
  "on Gemstones' hot_100b+_512x subset (N spans 1.21×) chinchilla warns that alpha is not identified",
  { skip: existsSync(gemstones512) ? false : "no ../shared/datasets" },
  () => {
    const { observations } = loadObservations(gemstones512, chinchilla);
    const fit = fitLaw(chinchilla, observations, { bootstrap: 50, seed: 1 });
    const warning = fit.warnings.find((w) => w.code === "not-identified");
    // The five width-512 models: N from 94 776 832 to 114 442 752 (1.2075×, log10 = 0.0819).
    assert.match(
      warning!.message,
      /^N spans 0\.082 decades \(1\.21×, 5 distinct values\): too little to identify A, alpha/,
    );
    const alpha = fit.variables.find((v) => v.name === "alpha")!;
    assert.equal(alpha.identified, false);
    assert.equal(alpha.interval, undefined);
    assert.equal(fit.intervals.alpha, undefined);
    // D spans 35× (1e10 … 3.5e11): beta and E keep their intervals; a = beta/(alpha+beta) moves with alpha.
    assert.ok(fit.intervals.beta && fit.intervals.E);
    assert.equal(fit.derived.a!.identified, false);
    assert.equal(fit.derived.a!.interval, undefined);
    assert.match(formatFitReport(fit), /alpha: +[0-9.]+ ± .* \[not identified\]/);
  },
);
