/**
 * hparams (optimal LR and batch size): recovery from exact bowls by both methods, the Jacobians against finite
 * differences, Step Law's released grid (the near-optimal method reproduces the OLS constants of its data, the
 * bowl beside it with intervals), saved fits answering optimize --at and predict --hparams, and bad grids.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Observations, Params } from "../../../src/dataTypes.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { resolveLaw } from "../../../src/fit/laws/index.js";
import { bowlVertex } from "../../../src/fit/laws/hparamsBowl.js";
import { runCli } from "../../_cli.js";

const steplaw = "../shared/datasets/steplaw";

/** The truth of the synthetic grids: lr* = 0.5·N^−0.5·D^0.2, B* = 0.3·D^0.6 (tokens per step). */
const lrStar = (N: number, D: number) => 0.5 * N ** -0.5 * D ** 0.2;
const BStar = (D: number) => 0.3 * D ** 0.6;

/**
 * An LR × batch grid over six cells (N 1e8, 3e8, 1e9 × D 2e9, 2e10): seven LRs e^(0.35j + shift)·lr* and five
 * batch sizes e^(0.4m + shift)·B*, loss L*_k + 0.03u² + 0.02v² + 0.01uv in u = ln(lr/lr*), v = ln(B/B*).
 */
function grid(shift = 0): Observations & { run: string[] } {
  const cols = { N: [] as number[], D: [] as number[], lr: [] as number[], B: [] as number[] };
  const loss: number[] = [];
  const run: string[] = [];
  for (const N of [1e8, 3e8, 1e9])
    for (const D of [2e9, 2e10])
      for (let j = -3; j <= 3; j++)
        for (let m = -2; m <= 2; m++) {
          const u = 0.35 * j + shift;
          const v = 0.4 * m + shift;
          cols.N.push(N);
          cols.D.push(D);
          cols.lr.push(lrStar(N, D) * Math.exp(u));
          cols.B.push(BStar(D) * Math.exp(v));
          loss.push(
            3 - 0.1 * Math.log10(N) - 0.05 * Math.log10(D) + 0.03 * u * u + 0.02 * v * v + 0.01 * u * v,
          );
          run.push(`r${run.length}`);
        }
  return {
    inputs: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v)])),
    loss: Float64Array.from(loss),
    run,
  };
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("the bowl method on exact bowls gives back lr* = 0.5·N^−0.5·D^0.2 and B* = 0.3·D^0.6", async () => {
  const law = await resolveLaw("hparams", { method: "bowl", band: 0.5 });
  // Off-centre grids (shift 0.2): the vertex is found between runs, not at one.
  const fit = fitLaw(law, grid(0.2), { intervals: "none" });
  close(fit.derived.lrN!.value, -0.5, 1e-9, "lrN");
  close(fit.derived.lrD!.value, 0.2, 1e-9, "lrD");
  close(fit.derived.lrK!.value, 0.5, 1e-8, "lrK");
  close(fit.derived.BD!.value, 0.6, 1e-9, "BD");
  close(fit.derived.BK!.value, 0.3, 1e-8, "BK");
  close(fit.derived.lrstar_1!.value, lrStar(1e8, 2e9), 1e-9, "lr*_1");
  assert.equal(fit.law.params.length, 36); // six coefficients per cell
  assert.deepEqual(fit.options.loss, "linear");
  assert.ok(!fit.warnings.some((w) => w.code === "not-convex" || w.code === "vertex-outside"));
  // The vertex of 0.03u² + 0.02v² + 0.01uv − 0.1u: ∇ = 0 at (du, dv) = (1.7391, −0.43478).
  const v = bowlVertex([0, -0.1, 0, 0.03, 0.02, 0.01]);
  close(v.du, 0.1 / (0.06 - 0.01 ** 2 / 0.04), 1e-12, "du");
  close(v.dv, (-0.01 * v.du) / 0.04, 1e-12, "dv");
  assert.ok(Number.isNaN(bowlVertex([0, 0, 0, 0.01, -0.01, 0]).du)); // a saddle has no optimum
});

test("the near-optimal method on grids centred on the optimum gives back the exponents", async () => {
  // Centred grids: each cell's kept set is symmetric about (lr*, B*) in logs, so OLS through it is exact.
  for (const tolerance of [0, 0.0025, 0.01]) {
    const law = await resolveLaw("hparams", { tolerance });
    const fit = fitLaw(law, grid(0), { intervals: "none" });
    close(fit.params.lrN!, -0.5, 1e-9, `lrN (tolerance ${tolerance})`);
    close(fit.params.lrD!, 0.2, 1e-9, "lrD");
    close(fit.params.BD!, 0.6, 1e-9, "BD");
    close(fit.params.BK!, 0.3, 1e-8, "BK");
  }
  // DeepSeek's form: lr* and B* in C = 6ND (the truth is no power law in C: the fit still runs and reports).
  const inC = await resolveLaw("hparams", { "lr-in": ["C"], "batch-in": ["C"] });
  const fit = fitLaw(inC, grid(0), { intervals: "none" });
  assert.deepEqual(Object.keys(fit.params).sort(), ["BC", "BK", "lrC", "lrK"]);
});

test("the analytic Jacobians of both methods match central differences", async () => {
  const data = grid(0.1);
  for (const method of ["near-optimal", "bowl"]) {
    const law = await resolveLaw("hparams", { method, ...(method === "bowl" ? { band: 0.5 } : {}) });
    const fit = fitLaw(law, data, { intervals: "none" });
    const bound = fit.law;
    const points = bound.prepare!(data);
    const n = points.loss.length;
    const analytic = bound.params.map(() => new Float64Array(n));
    const evaluate = (p: Params) => {
      const out = new Float64Array(n);
      if (bound.evaluate) bound.evaluate(p, points, out);
      else
        for (let i = 0; i < n; i++)
          out[i] = bound.predict(p, Object.fromEntries(bound.inputs.map((k) => [k, points.inputs[k]![i]!])));
      return out;
    };
    if (bound.jacobian) bound.jacobian(fit.params, points, analytic);
    else
      for (let i = 0; i < n; i++) {
        const g = bound.gradient!(
          fit.params,
          Object.fromEntries(bound.inputs.map((k) => [k, points.inputs[k]![i]!])),
        );
        g.forEach((v, j) => (analytic[j]![i] = v));
      }
    bound.params.forEach((s, j) => {
      const h = 1e-6 * Math.max(1, Math.abs(fit.params[s.name]!));
      const up = evaluate({ ...fit.params, [s.name]: fit.params[s.name]! + h });
      const down = evaluate({ ...fit.params, [s.name]: fit.params[s.name]! - h });
      for (let i = 0; i < n; i += 7) {
        const numeric = (up[i]! - down[i]!) / (2 * h);
        assert.ok(
          Math.abs(numeric - analytic[j]![i]!) <= 1e-5 * Math.max(1, Math.abs(numeric)),
          `${method} d/d${s.name} at ${i}: ${analytic[j]![i]} vs ${numeric}`,
        );
      }
    });
  }
});

/** Step Law's released dense grid as the law's columns: B in tokens (bs sequences × 2048), the smoothed loss. */
function steplawGrid(): string {
  const [header, ...lines] = readFileSync(join(steplaw, "raw", "dense_lr_bs_loss.csv"), "utf8")
    .trim()
    .split("\n");
  const col = Object.fromEntries(header!.split(",").map((name, i) => [name, i]));
  const rows = lines.map((line) => {
    const f = line.split(",");
    return [
      f[col.exp_name!],
      f[col.N!],
      f[col.D!],
      f[col.lr!],
      Number(f[col.bs!]) * 2048,
      f[col["smooth loss"]!],
    ];
  });
  return ["run,N,D,lr,B,loss", ...rows.map((r) => r.join(","))].join("\n") + "\n";
}

test(
  "on Step Law's released grid the near-optimal method reproduces its OLS constants, the bowl beside it",
  { skip: existsSync(steplaw) ? false : "no ../shared/datasets" },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalefit-hparams-"));
    try {
      const file = join(dir, "grid.csv");
      writeFileSync(file, steplawGrid());
      const run = await runCli(
        "fit",
        "--law",
        "hparams",
        "--data",
        file,
        "--json",
        "--out",
        join(dir, "no.json"),
      );
      assert.equal(run.code, 0, run.stderr);
      const near = JSON.parse(run.stdout);
      // ../shared/datasets/steplaw/reference_ols.json (the authors' fit_tool.py method on the released CSV, numpy):
      // lr = 77.6866·N^−0.766228·D^0.197006, bs = 0.208522·D^0.612529, 129 near-optimal runs.
      const ref = JSON.parse(readFileSync(join(steplaw, "reference_ols.json"), "utf8"));
      close(near.derived.lrK.value, ref.lr.coef, 1e-6, "lrK");
      close(near.derived.lrN.value, ref.lr.exp_N, 1e-6, "lrN");
      close(near.derived.lrD.value, ref.lr.exp_D, 1e-6, "lrD");
      close(near.derived.BK.value, ref.bs.coef, 1e-6, "BK");
      close(near.derived.BD.value, ref.bs.exp_D, 1e-6, "BD");
      assert.equal(near.points, 2 * ref.points); // each kept run gives its LR and its batch size
      assert.equal(near.cells.length, 17);
      const [lo, hi] = near.derived.lrN.interval;
      assert.ok(lo < ref.lr.exp_N && ref.lr.exp_N < hi, `lrN interval [${lo}, ${hi}]`);
      // The bowl (1 % band): measured 2026-12-02, lr* = 131.17·N^−0.8346·D^0.2259, B* = 0.3954·D^0.5851 (numpy
      // lstsq of the same quadratics gives 131.2, −0.835, 0.226, 0.3954, 0.585).
      const bowlRun = await runCli(
        "fit",
        "--law",
        "hparams",
        "--method",
        "bowl",
        "--data",
        file,
        "--bootstrap",
        "200",
        "--json",
        "--out",
        join(dir, "bowl.json"),
      );
      assert.equal(bowlRun.code, 0, bowlRun.stderr);
      const bowl = JSON.parse(bowlRun.stdout);
      close(bowl.derived.lrN.value, -0.8346, 1e-3, "bowl lrN");
      close(bowl.derived.lrD.value, 0.2259, 1e-3, "bowl lrD");
      close(bowl.derived.BD.value, 0.5851, 1e-3, "bowl BD");
      for (const key of ["lrK", "lrN", "lrD", "BK", "BD"]) assert.equal(bowl.derived[key].interval.length, 2);
      // The saved fits answer a planned run of 1e9 parameters on 1e11 tokens.
      const opt = JSON.parse(
        (await runCli("optimize", "--fit", join(dir, "no.json"), "--at", "N=1e9,D=1e11", "--json")).stdout,
      );
      close(opt.lr, 77.6866 * 1e9 ** -0.766228 * 1e11 ** 0.197006, 1e-5, "lr* at 1e9, 1e11");
      assert.ok(opt.intervals.lr[0] < opt.lr && opt.lr < opt.intervals.lr[1]);
      const pen = await runCli(
        "predict",
        "--fit",
        join(dir, "bowl.json"),
        "--at",
        "N=1e9,D=1e11",
        "--hparams",
        "lr=3e-3,B=2e6",
        "--json",
      );
      assert.equal(pen.code, 0, pen.stderr);
      const penalty = JSON.parse(pen.stdout);
      assert.ok(
        penalty.penalty > 0 && penalty.interval[0] < penalty.penalty && penalty.penalty < penalty.interval[1],
      );
      const refused = await runCli(
        "predict",
        "--fit",
        join(dir, "no.json"),
        "--at",
        "N=1e9,D=1e11",
        "--hparams",
        "lr=3e-3,B=2e6",
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the near-optimal method fits no loss surface/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("bad grids and options get one-line messages and exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalefit-hparams-"));
  const write = (name: string, data: Observations) => {
    const file = join(dir, name);
    const keys = ["N", "D", "lr", "B"];
    const lines = Array.from(data.loss, (L, i) => [...keys.map((k) => data.inputs[k]![i]), L].join(","));
    writeFileSync(file, ["N,D,lr,B,loss", ...lines].join("\n") + "\n");
    return file;
  };
  try {
    const g = grid(0);
    const oneLr = write("one-lr.csv", {
      ...g,
      inputs: { ...g.inputs, lr: g.inputs.lr!.map((_, i) => 1e-3 * (1 + (g.inputs.N![i]! % 7))) },
    });
    const oneCell = write("one-cell.csv", {
      inputs: Object.fromEntries(Object.entries(g.inputs).map(([k, v]) => [k, v.slice(0, 35)])),
      loss: g.loss.slice(0, 35),
    });
    const cases: Array<[string[], RegExp]> = [
      [["--data", oneLr], /has one learning rate \(lr = [^)]+\): an optimum needs a grid of several/],
      [["--data", oneCell], /cannot determine a power law in N, D \(--lr-in\)/],
      [
        ["--data", write("g.csv", g), "--method", "bowl", "--band", "0.0001"],
        /a bowl needs six or more over three or more of each \(widen --band\)/,
      ],
      [["--data", join(dir, "g.csv"), "--band", "0.02"], /--band is for --method bowl/],
      [
        ["--data", join(dir, "g.csv"), "--method", "vertex"],
        /invalid --method vertex \(expected near-optimal or bowl\)/,
      ],
      [["--data", join(dir, "g.csv"), "--lr-in", "N,D,C"], /--lr-in cannot take N, D and C together/],
      [["--data", join(dir, "g.csv"), "--tolerance", "2"], /invalid --tolerance: 2/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli("fit", "--law", "hparams", ...args);
      assert.equal(run.code, 1, args.join(" "));
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the trainer's own LR × batch grid (data/sweeps/kjv-lr-batch): optima at the grid's edge, exponents not identified", async () => {
  const run = await runCli(
    "fit",
    "--law",
    "hparams",
    "--data",
    "data/sweeps/kjv-lr-batch/final.csv",
    "--intervals",
    "none",
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const fit = JSON.parse(run.stdout);
  // data/sweeps/kjv-lr-batch/SOURCE.md: every cell's best run at B = 512 tokens; lr* 0.004 in three cells, 0.016 in one.
  assert.deepEqual(
    fit.cells.map((c: { keptLr: number[]; keptB: number[] }) => [c.keptLr[0], c.keptB[0]]),
    [
      [0.004, 512],
      [0.016, 512],
      [0.004, 512],
      [0.004, 512],
    ],
  );
  const codes = fit.warnings.map((w: { code: string }) => w.code);
  assert.equal(codes.filter((c: string) => c === "optimum-at-edge").length, 4);
  assert.ok(codes.includes("not-identified"));
  for (const key of ["lrN", "lrD", "BD"]) assert.equal(fit.derived[key].identified, false, key);
});

test("a bowl is refused on a cross-shaped design (an LR sweep at one batch plus a batch sweep at one LR)", async () => {
  // Three cells, each: five LRs at B = 1e5 and five batch sizes at lr = 1e-3 (u·v = 0 at every run).
  const cols = { N: [] as number[], D: [] as number[], lr: [] as number[], B: [] as number[] };
  const loss: number[] = [];
  for (const [N, D] of [
    [1e8, 1e9],
    [1e9, 1e10],
    [1e8, 1e10],
  ] as const)
    for (let j = -2; j <= 2; j++)
      for (const [lr, B] of [
        [1e-3 * 2 ** j, 1e5],
        [1e-3, 1e5 * 2 ** j],
      ] as const) {
        cols.N.push(N);
        cols.D.push(D);
        cols.lr.push(lr);
        cols.B.push(B);
        loss.push(3 + 0.01 * Math.log(lr / 1e-3) ** 2 + 0.01 * Math.log(B / 1e5) ** 2);
      }
  const data = {
    inputs: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Float64Array.from(v)])),
    loss: Float64Array.from(loss),
  };
  const law = await resolveLaw("hparams", { method: "bowl", band: 0.5 });
  assert.throws(
    () => fitLaw(law, data, { intervals: "none" }),
    /cannot fix a bowl \(its six terms are not independent/,
  );
});
