/**
 * isoflop (Approach 2): recovery from exact parabolas, Open-Athena's Approach-2 numbers on the Llama 3 isoFLOP
 * points, the warnings, and a saved fit answering `optimize --compute`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { loadObservations } from "../../../src/data/loadObservations.js";
import type { Observations } from "../../../src/dataTypes.js";
import { resamplingUnits } from "../../../src/fit/bootstrap.js";
import { fitFromArtifact, fitToArtifact } from "../../../src/fit/artifact.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { groupBudgets, isoflop, isoflopLaw } from "../../../src/fit/laws/isoflop.js";
import { resolveLaw } from "../../../src/fit/laws/index.js";
import { runCli } from "../../_cli.js";

const llama3 = "../shared/datasets/llama3-isoflops/llama3.csv";

/**
 * Runs of exact parabolas L = L*_k + 0.02·(ln N − ln N*_k)² with N*_k = kN·C^aN, at seven sizes N*_k·e^(0.4j + shift),
 * j = −3 … 3 (`shift` moves the sampled sizes off the optimum; budget `flip` opens downwards).
 */
function parabolas(aN: number, kN: number, shift = 0, flip?: number): Observations {
  const C: number[] = [];
  const N: number[] = [];
  const loss: number[] = [];
  [1e17, 1e18, 1e19, 1e20, 1e21].forEach((c, k) => {
    const optimum = kN * c ** aN;
    for (let j = -3; j <= 3; j++) {
      const u = 0.4 * j + shift;
      C.push(c);
      N.push(optimum * Math.exp(u));
      loss.push(3 - 0.1 * k + (flip === k ? -0.02 : 0.02) * u ** 2);
    }
  });
  return { inputs: { C: Float64Array.from(C), N: Float64Array.from(N) }, loss: Float64Array.from(loss) };
}

test("fitLaw(isoflop) on exact parabolas around N* = 0.1·C^0.45 gives back aN = 0.45, kN = 0.1", () => {
  const fit = fitLaw(isoflop, parabolas(0.45, 0.1), { intervals: "none" });
  assert.ok(Math.abs(fit.derived.aN!.value - 0.45) < 1e-9, `aN ${fit.derived.aN!.value}`);
  assert.ok(Math.abs(fit.derived.kN!.value / 0.1 - 1) < 1e-9, `kN ${fit.derived.kN!.value}`);
  assert.ok(Math.abs(fit.derived.aD!.value - 0.55) < 1e-9);
  assert.ok(Math.abs(fit.derived.Lstar_1!.value - 3) < 1e-9);
  assert.equal(fit.law.params.length, 15);
  assert.equal(fit.options.loss, "linear"); // the law's own default: least squares on the loss
  assert.equal(fit.options.space, "linear");
  // None of Approach 2's own warnings; the generic count of points per parameter (7 runs per 3 coefficients).
  assert.deepEqual(
    fit.warnings.map((w) => w.code),
    ["few-points"],
  );
});

test("groupBudgets puts runs within the tolerance into one budget and refuses a budget of two runs", () => {
  const data = parabolas(0.5, 0.2);
  const jittered = {
    ...data,
    inputs: { ...data.inputs, C: data.inputs.C!.map((c, i) => c * (1 + 0.001 * (i % 3))) },
  };
  assert.equal(groupBudgets(jittered).budgets.length, 5);
  assert.equal(groupBudgets(jittered, 0).budgets.length, 15);
  assert.throws(
    () =>
      fitLaw(isoflop, {
        inputs: {
          C: Float64Array.of(1e18, 1e18, 1e19, 1e19, 1e19),
          N: Float64Array.of(1e8, 2e8, 1e8, 2e8, 3e8),
        },
        loss: Float64Array.of(3, 3.1, 2.9, 2.8, 2.9),
      }),
    /budget C = 1\.000e\+18 has 2 runs: a parabola needs three or more/,
  );
});

test("isoflop warns of a vertex outside its budget's sizes, off-centre sampling and a downward parabola", () => {
  const off = fitLaw(isoflop, parabolas(0.5, 0.2, 1.5), { intervals: "none" });
  assert.ok(off.warnings.some((w) => w.code === "vertex-outside"));
  const centreShift = fitLaw(isoflop, parabolas(0.5, 0.2, 0.8), { intervals: "none" });
  assert.ok(centreShift.warnings.some((w) => w.code === "off-centre"));
  const flipped = fitLaw(isoflop, parabolas(0.5, 0.2, 0, 2), { intervals: "none" });
  const notConvex = flipped.warnings.filter((w) => w.code === "not-convex");
  assert.equal(notConvex.length, 1);
  assert.match(notConvex[0]!.message, /budget C = 1\.00e\+19: the parabola opens downwards/);
  // The power law is through the four convex budgets: still exact.
  assert.ok(Math.abs(flipped.derived.aN!.value - 0.5) < 1e-9);
});

test("the bootstrap of isoflop redraws runs within each budget (every budget keeps its seven runs)", () => {
  const data = { ...parabolas(0.5, 0.2), run: Array.from({ length: 35 }, (_, i) => `r${i}`) };
  const law = isoflopLaw(groupBudgets(data));
  const units = resamplingUnits(data, "runs", 10, law.strata!(data));
  const perStratum = new Map<number, number>();
  for (const s of units.stratum) perStratum.set(s, (perStratum.get(s) ?? 0) + 1);
  assert.deepEqual([...perStratum.values()], [7, 7, 7, 7, 7]);
});

test(
  "on Llama 3's isoFLOP points, isoflop reproduces Open-Athena's Approach 2: a = 0.4632, N* = 393.3B and D* = 16.1T at 3.8e25",
  { skip: existsSync(llama3) ? false : "no ../shared/datasets" },
  async () => {
    const { observations } = loadObservations(llama3, isoflop);
    const fit = fitLaw(isoflop, observations, { bootstrap: 200, seed: 1 });
    // Open-Athena/scaling-law-analysis, results/experiments/exp11/compute_allocation_errors.txt: a = 0.4632, b = 0.5368.
    assert.ok(Math.abs(fit.derived.aN!.value - 0.4632) < 5e-5, `aN ${fit.derived.aN!.value}`);
    assert.ok(Math.abs(fit.derived.aD!.value - 0.5368) < 5e-5);
    // Dubey et al. 2024, §3.2.1: (α, A) = (0.53, 0.29) for the optimal number of tokens.
    assert.ok(Math.abs(fit.derived.kD!.value - 0.2994) < 5e-4, `kD ${fit.derived.kD!.value}`);
    const [lo, hi] = fit.derived.aN!.interval!;
    // Runs redrawn within budgets and the budgets redrawn (measured [0.4037, 0.5215], 200 refits: the ten
    // vertices scatter about the line).
    assert.ok(lo < 0.4632 && 0.4632 < hi && hi - lo < 0.15, `aN interval [${lo}, ${hi}]`);
    assert.equal(fit.law.params.length, 30);
    // The saved fit rebuilds its budgets and answers optimize --compute 3.8e25.
    const artifact = JSON.parse(JSON.stringify(fitToArtifact(fit, { dataDigest: "llama3" })));
    assert.equal(artifact.lawSpec.budgets.length, 10);
    assert.equal(artifact.budgets[0].C, 6e18);
    assert.ok(Math.abs(artifact.budgets[0].Nstar / 2.26842e8 - 1) < 1e-5);
    const back = await fitFromArtifact(artifact);
    assert.equal(back.law.params.length, 30);
    const { writeFileSync, mkdtempSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "scalefit-isoflop-"));
    try {
      writeFileSync(join(dir, "fit.json"), JSON.stringify(artifact));
      const run = await runCli("optimize", "--fit", join(dir, "fit.json"), "--compute", "3.8e25", "--json");
      assert.equal(run.code, 0, run.stderr);
      const answer = JSON.parse(run.stdout);
      // Open-Athena's Approach 2 at 3.8e25: N* 393.3B, D* 16.1T.
      assert.ok(Math.abs(answer.N / 393.3e9 - 1) < 5e-4, `N* ${answer.N}`);
      assert.ok(Math.abs(answer.D / 16.1e12 - 1) < 3e-3, `D* ${answer.D}`);
      assert.ok(answer.intervals.N[0] < answer.N && answer.N < answer.intervals.N[1]);
      assert.ok(answer.extrapolationDecades > 3.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("resolveLaw(isoflop) takes --budget-tolerance and refuses a bad one", async () => {
  const law = await resolveLaw("isoflop", { "budget-tolerance": 0 });
  assert.equal(law.bind!(parabolas(0.5, 0.2)).params.length, 15);
  await assert.rejects(resolveLaw("isoflop", { "budget-tolerance": 2 }), /invalid --budget-tolerance: 2/);
});

test("isoflop on data/fixtures/isoflop-chinchilla.csv: the interval of aN holds Chinchilla's true 0.4516", () => {
  // The file is drawn from Hoffmann et al.'s law (examples/isoflopData.ts): N* ∝ C^(0.28/0.62) = C^0.4516.
  const { observations } = loadObservations("data/fixtures/isoflop-chinchilla.csv", isoflop);
  const fit = fitLaw(isoflop, observations, { bootstrap: 200, seed: 1 });
  const [lo, hi] = fit.derived.aN!.interval!;
  assert.ok(lo < 0.28 / 0.62 && 0.28 / 0.62 < hi, `aN ${fit.derived.aN!.value} [${lo}, ${hi}]`);
  assert.ok(Math.abs(fit.derived.aN!.value - 0.4442) < 1e-3, `aN ${fit.derived.aN!.value}`); // measured, seed 7 noise
  assert.equal(fit.law.params.length, 21);
});

test("the analytic gradients of isoflop and envelope match central differences", async () => {
  const { checkGradient } = await import("../../_lawChecks.js");
  const { envelope } = await import("../../../src/fit/laws/envelope.js");
  const bound = isoflopLaw({
    budgets: [1e18, 1e19],
    centers: [Math.log(2e8), Math.log(6e8)],
    tolerance: 0.02,
  });
  const p = { c0_1: 3, c1_1: -0.02, c2_1: 0.04, c0_2: 2.8, c1_2: 0.01, c2_2: 0.05 };
  checkGradient(bound, p, [
    { C: 1e18, N: 1e8 },
    { C: 1e19, N: 2e9 },
  ]);
  checkGradient(envelope, { kN: 0.3, aN: 0.46 }, [
    { C: 1e18, N: 1 },
    { C: 3e21, N: 1 },
  ]);
});

test("frontierLaw redraws the budgets for a bootstrap draw (four or more), never at the fit itself", async () => {
  const { frontierLaw } = await import("../../../src/fit/laws/isoflopFrontier.js");
  // Five budgets whose vertices ln N*_k = 0.5·ln C_k + (−2, 0.1, −0.1, 0.05, 0): not on one line.
  const budgets = [1e18, 1e19, 1e20, 1e21, 1e22];
  const offsets = [-0.2, 0.1, -0.1, 0.05, 0];
  const p: Record<string, number> = {};
  budgets.forEach((_, k) =>
    Object.assign(p, { [`c0_${k + 1}`]: 3, [`c1_${k + 1}`]: 0, [`c2_${k + 1}`]: 0.05 }),
  );
  const spec = { budgets, centers: budgets.map((C, k) => 0.5 * Math.log(C) + offsets[k]!) };
  const atFit = frontierLaw(spec, p);
  assert.equal(frontierLaw(spec, p).aN, atFit.aN);
  const draws = Array.from({ length: 20 }, (_, b) => frontierLaw(spec, p, b).aN);
  assert.ok(new Set(draws.map((a) => a.toFixed(9))).size > 5, "the budgets are redrawn");
  assert.equal(frontierLaw(spec, p, 3).aN, frontierLaw(spec, p, 3).aN); // seeded by the draw
  const three = { budgets: budgets.slice(0, 3), centers: spec.centers.slice(0, 3) };
  assert.equal(frontierLaw(three, p, 3).aN, frontierLaw(three, p).aN); // too few budgets to redraw
});
