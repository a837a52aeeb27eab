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
import { kaplan } from "../../src/fit/laws/kaplan.js";
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

test("rangeFindings names a narrow input and the parameters it leaves undetermined, and only those", () => {
  const p = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  const free = ["E", "A", "B", "alpha", "beta"];
  // N over 1e8 … 1.2e8 (0.079 decades), D over three decades: with N held, E + A/N^alpha is one constant.
  const narrow = runs([1e8, 1.1e8, 1.2e8], [1e9, 1e10, 1e11, 1e12]);
  assert.deepEqual(
    rangeFindings(chinchilla, narrow, p, free, "log").map((f) => [f.input, f.distinct, f.params]),
    [["N", 3, ["E", "A", "alpha"]]],
  );
  // Two distinct D values: E, B/D^beta and beta span two dimensions at most (the fit is rank deficient, and says
  // so); holding D at one value loses one more, shared by the three.
  const twoD = runs([1e8, 1e9, 1e10], [1e9, 1e11]);
  assert.deepEqual(
    rangeFindings(chinchilla, twoD, p, free, "log").map((f) => [f.input, f.distinct, f.params]),
    [["D", 2, ["E", "B", "beta"]]],
  );
  // A wide grid has no finding.
  assert.deepEqual(rangeFindings(chinchilla, runs([1e8, 1e9, 1e10], [1e9, 1e10, 1e11]), p, free, "log"), []);
  // Kaplan's ((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD with N narrow: Nc and alphaN only (Dc, alphaD still set by D).
  const k = { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 };
  assert.deepEqual(
    rangeFindings(kaplan, narrow, k, ["Nc", "Dc", "alphaN", "alphaD"], "log").map((f) => f.params),
    [["Nc", "alphaN"]],
  );
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
      /^N spans 0\.082 decades \(1\.21×, 5 distinct values\): too little to identify E, A, alpha/,
    );
    const alpha = fit.variables.find((v) => v.name === "alpha")!;
    assert.equal(alpha.identified, false);
    assert.equal(alpha.interval, undefined);
    assert.equal(fit.intervals.alpha, undefined);
    // D spans 35× (1e10 … 3.5e11): beta keeps its interval; E (shifted by A/N^alpha at a fixed N) does not;
    // a = beta/(alpha+beta) moves with alpha.
    assert.ok(fit.intervals.beta && !fit.intervals.E);
    assert.equal(fit.derived.a!.identified, false);
    assert.equal(fit.derived.a!.interval, undefined);
    assert.match(formatFitReport(fit), /alpha: +[0-9.]+ ± .* \[not identified\]/);
  },
);

test(
  "answers that move with an unidentified parameter get no interval (Gemstones' 1.21× subset, optimize --compute)",
  { skip: existsSync(gemstones512) ? false : "no ../shared/datasets" },
  async () => {
    const { computeOptimal } = await import("../../src/predict/computeOptimal.js");
    const { fitFromArtifact, fitToArtifact } = await import("../../src/fit/artifact.js");
    const { observations } = loadObservations(gemstones512, chinchilla);
    const fit = fitLaw(chinchilla, observations, { bootstrap: 50, seed: 1 });
    assert.deepEqual(fit.unidentified, ["E", "A", "alpha"]);
    // N* = G·(C/6)^a with a = beta/(alpha+beta): alpha is not identified, so neither is N*.
    assert.equal(computeOptimal(fit, 1e23).intervals, null);
    // A saved fit keeps the finding.
    const back = await fitFromArtifact(JSON.parse(JSON.stringify(fitToArtifact(fit, { dataDigest: "g" }))));
    assert.deepEqual(back.unidentified, ["E", "A", "alpha"]);
    assert.equal(computeOptimal(back, 1e23).intervals, null);
  },
);
