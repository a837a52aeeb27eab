/**
 * The allocation laws from the command line (DESIGN.md's CLI contract): optimize --total-params for encdec,
 * optimize --law qat without a fit, fit --law bcrit --targets, predict --batch, and their bad inputs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { criticalBatch } from "../../src/fit/laws/bcrit.js";
import { encdecLaw } from "../../src/fit/laws/encdec.js";
import { qatFractionLaw } from "../../src/fit/laws/qatFraction.js";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

const { file } = scratch("cli-allocation");
const csv = (header: string, rows: (string | number)[][]) =>
  [header, ...rows.map((r) => r.join(","))].join("\n") + "\n";

/** Encoder-scaling and decoder-scaling series of a known encdec law (pe 0.22, pd 0.34). */
function encdecFile(): string {
  const law = encdecLaw({ NeRef: 2e8, NdRef: 2e8 });
  const p = { A: 0.9, pe: 0.22, pd: 0.34, Linf: 1.45 };
  const sizes = [2.5e7, 5e7, 1e8, 2e8, 4e8, 8e8];
  const rows: number[][] = [];
  for (const Ne of sizes) rows.push([Ne, 2e8, law.predict(p, { Ne, Nd: 2e8 })]);
  for (const Nd of sizes) rows.push([2e8, Nd, law.predict(p, { Ne: 2e8, Nd })]);
  return file("encdec.csv", csv("Ne,Nd,loss", rows));
}

/** A batch-size sweep: runs at 5 batch sizes whose losses follow Su et al.'s form (Bstar 2e8, alphaB 0.21). */
function sweepFile(): string {
  const rows: (string | number)[][] = [];
  for (const B of [2 ** 18, 2 ** 20, 2 ** 22, 2 ** 23, 2 ** 24]) {
    for (let S = 10; S < 3e6; S = Math.ceil(S * 1.05)) {
      let lo = 2;
      let hi = 20;
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        if (mid - 2 - ((5000 * (1 + criticalBatch(mid, { Bstar: 2e8, alphaB: 0.21 }) / B)) / S) ** 0.6 > 0)
          hi = mid;
        else lo = mid;
      }
      rows.push([`bsz-${B}`, B, S, (lo + hi) / 2]);
      if (lo < 2.25) break;
    }
  }
  return file("sweep.csv", csv("run,B,step,loss", rows));
}

test("optimize --fit encdec.json --total-params P --json gives Ne and Nd at the share pe/(pe+pd)", async () => {
  const fit = file("encdec-fit.json", "");
  const fitted = await runCli(
    "fit",
    "--law",
    "encdec",
    "--data",
    encdecFile(),
    "--intervals",
    "covariance",
    "--out",
    fit,
    "--json",
  );
  assert.equal(fitted.code, 0, fitted.stderr);
  const run = await runCli("optimize", "--fit", fit, "--total-params", "1e9", "--json");
  assert.equal(run.code, 0, run.stderr);
  const answer = JSON.parse(run.stdout) as {
    Ne: number;
    Nd: number;
    loss: number;
    intervals: { Ne: [number, number] };
  };
  // pe/(pe+pd) = 0.22/0.56 = 0.392857 of 1e9 parameters.
  assert.ok(Math.abs(answer.Ne - 3.92857e8) < 1e3, `Ne ${answer.Ne}`);
  assert.ok(Math.abs(answer.Ne + answer.Nd - 1e9) < 1e-3);
  assert.ok(answer.intervals.Ne[0] <= answer.Ne && answer.Ne <= answer.intervals.Ne[1]);
  const text = await runCli("optimize", "--fit", fit, "--total-params", "1e9,4e9");
  assert.match(text.stdout, /P 1\.00e\+9: Ne 3\.93e\+8/);
});

test("optimize --law qat without a fit answers with the published one-parameter law", async () => {
  // S = D/(N·bits/8) = 2e10 / (1e9 · 0.5) = 40 tokens per parameter-byte; f = exp(−6.7297/ln 40) = 0.16133.
  const run = await runCli(
    "optimize",
    "--law",
    "qat",
    "--tokens",
    "2e10",
    "--params",
    "1e9",
    "--bits",
    "4",
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const plan = JSON.parse(run.stdout) as {
    qatFraction: number;
    method: string;
    tokensPerParameterByte: number;
  };
  assert.equal(plan.method, "published");
  assert.equal(plan.tokensPerParameterByte, 40);
  assert.ok(
    Math.abs(plan.qatFraction - qatFractionLaw(40)) < 1e-12 && Math.abs(plan.qatFraction - 0.16133) < 1e-5,
  );
  const text = await runCli("optimize", "--law", "qat", "--tokens", "20B", "--params", "1B", "--bits", "4");
  assert.match(text.stdout, /QAT fraction 0\.1613/);
});

test("fit --law bcrit --data sweep.csv --targets … gives Bstar, alphaB and each target's S_min and E_min; predict --batch gives a trajectory", async () => {
  const out = file("bcrit.json", "");
  const run = await runCli(
    "fit",
    "--law",
    "bcrit",
    "--data",
    sweepFile(),
    "--targets",
    "3.0,2.8,2.6,2.4",
    "--intervals",
    "none",
    "--out",
    out,
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as {
    Bstar: number;
    alphaB: number;
    targets: { loss: number; Smin: number; Emin: number; Bcrit: number }[];
  };
  // The sweep's truth: Bstar 2e8, alphaB 0.21; logged steps 5 % apart put the interpolation error under 1 %.
  assert.ok(Math.abs(doc.Bstar / 2e8 - 1) < 0.02, `Bstar ${doc.Bstar}`);
  assert.ok(Math.abs(doc.alphaB / 0.21 - 1) < 0.02, `alphaB ${doc.alphaB}`);
  assert.deepEqual(
    doc.targets.map((t) => t.loss),
    [3.0, 2.8, 2.6, 2.4],
  );
  for (const t of doc.targets) assert.equal(t.Bcrit, t.Emin / t.Smin);
  const report = await runCli(
    "fit",
    "--law",
    "bcrit",
    "--data",
    sweepFile(),
    "--targets",
    "3.0,2.8,2.6,2.4",
    "--intervals",
    "none",
  );
  assert.match(report.stdout, /loss 3: 5 runs at 5 batch sizes/);
  assert.match(report.stdout, /Bstar: +[\d.]+e\+8/);
  const trajectory = await runCli(
    "predict",
    "--fit",
    out,
    "--batch",
    "1048576",
    "--steps",
    "1000,10000",
    "--json",
  );
  assert.equal(trajectory.code, 0, trajectory.stderr);
  const curve = (JSON.parse(trajectory.stdout) as { curve: { step: number; loss: number }[] }).curve;
  assert.equal(curve.length, 2);
  assert.ok(curve[0]!.loss > curve[1]!.loss);
});

test("bcrit on the published kjv-batch sweep: its steps-to-loss relation is degenerate, so predict --batch refuses with one line", async () => {
  const out = file("bcrit-kjv.json", "");
  const fit = await runCli(
    "fit",
    "--law",
    "bcrit",
    "--data",
    "data/sweeps/kjv-batch/points.csv",
    "--targets",
    "2.2,2.0,1.9",
    "--out",
    out,
  );
  assert.equal(fit.code, 0, fit.stderr);
  // S_min 357, 488, 550 steps at losses 2.2, 2.0, 1.9 (data/sweeps/kjv-batch): the best L = LN + (Sc/S)^alphaS
  // through them has alphaS at its grid's lower end and LN = -32, so B_crit(LN) has no value.
  assert.match(
    fit.stdout,
    /not-identified: the steps-to-loss relation .* LN = -32\.0\d \(not above 0\), alphaS = 0\.02 \(its smallest value/,
  );
  const predicted = await runCli("predict", "--fit", out, "--batch", "1024", "--steps", "1000,3000");
  assert.equal(predicted.code, 1);
  assert.equal(predicted.stdout, "");
  assert.match(
    predicted.stderr,
    /^scalefit predict: no trajectory from this fit: the steps-to-loss relation .*\n$/,
  );
  assert.equal(predicted.stderr.split("\n").length, 2);
});

test("bad inputs of the allocation laws: one line naming the problem, exit 1", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["fit", "--law", "bcrit", "--data", sweepFile(), "--targets", "3.0,1.5"],
      /^scalefit fit: no run reaches target loss 1\.5 \(the lowest loss reached is 2\.2\d+, run bsz-\d+\): choose higher --targets\n$/,
    ],
    [
      ["fit", "--law", "bcrit", "--data", sweepFile()],
      /^scalefit fit: law bcrit needs the target losses: --targets/,
    ],
    // the options every fit checks hold for bcrit too
    [
      ["fit", "--law", "bcrit", "--data", sweepFile(), "--targets", "3.0", "--where", "run=a"],
      /^scalefit fit: --where and --loss-kind read from a database: add --db <file>\n$/,
    ],
    [
      ["fit", "--law", "bcrit", "--db", "sweep.duckdb", "--targets", "3.0", "--loss-kind", "bogus"],
      /^scalefit fit: invalid --loss-kind bogus \(expected train or eval\)\n$/,
    ],
    [
      ["fit", "--law", "bcrit", "--data", sweepFile(), "--targets", "3.0", "--drop-highest", "2"],
      /^scalefit fit: --drop-highest, --schedule\(s\) and --runs are not for law bcrit/,
    ],
    [
      [
        "fit",
        "--law",
        "qat",
        "--data",
        file(
          "bits.csv",
          csv("N,D,Dqat,bits,loss", [
            [1e8, 2e9, 2e8, 4, 3.1],
            [1e8, 2e9, 2e8, 17, 3.0],
          ]),
        ),
      ],
      /^scalefit fit: .*bits\.csv line 3: bits = 17 is outside 1–16 \(16 is full precision\)\n$/,
    ],
    [
      [
        "fit",
        "--law",
        "qat",
        "--data",
        file(
          "dqat.csv",
          csv("N,D,Dqat,bits,loss", [
            [1e8, 2e9, 2e8, 4, 3.1],
            [1e8, 2e9, 3e9, 4, 3.0],
          ]),
        ),
      ],
      /^scalefit fit: .*dqat\.csv line 3: Dfp = D − Dqat = -1000000000 is negative \(D = 2000000000, Dqat = 3000000000\)\n$/,
    ],
    [
      [
        "fit",
        "--law",
        "encdec",
        "--data",
        file(
          "encoder-only.csv",
          csv("Ne,Nd,loss", [
            [1e8, 2e8, 3.0],
            [2e8, 2e8, 2.9],
            [4e8, 2e8, 2.8],
            [8e8, 2e8, 2.75],
          ]),
        ),
      ],
      /^scalefit fit: law encdec: every run has Nd = 200000000: the decoder exponent pd needs runs that vary the decoder size too/,
    ],
    [
      [
        "fit",
        "--law",
        "encdec",
        "--data",
        file(
          "no-decoder.csv",
          csv("Ne,loss", [
            [1e8, 3.0],
            [2e8, 2.9],
          ]),
        ),
      ],
      /^scalefit fit: .*no-decoder\.csv has no column Nd: law encdec needs Ne, Nd, loss/,
    ],
    [
      ["optimize", "--law", "qat", "--tokens", "2e10", "--params", "1e9", "--bits", "0.5"],
      /invalid --bits: 0\.5 \(expected a bit width in 1–16\)/,
    ],
    [
      ["optimize", "--law", "qat", "--tokens", "2e10", "--params", "1e9"],
      /a QAT question needs --tokens, --params and --bits/,
    ],
    [["optimize", "--law", "chinchilla", "--compute", "1e21"], /--law answers without a fit only for qat/],
  ];
  for (const [argv, message] of cases) {
    const run = await runCli(...argv);
    assert.equal(run.code, 1, `${argv.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message, argv.join(" "));
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
});

test("report --law bcrit --targets: the batch sweep from the store, its hyperbolae and B_crit(L) charts", async () => {
  const { db, dir } = scratch("report-bcrit");
  const database = db();
  assert.equal((await runCli("import", "--db", database, sweepFile())).code, 0);
  const out = `${dir}/report`;
  const run = await runCli(
    "report",
    "--db",
    database,
    "--law",
    "bcrit",
    "--targets",
    "3.0,2.8,2.6",
    "--bootstrap",
    "20",
    "--out",
    out,
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const written = JSON.parse(run.stdout) as { files: string[]; fits: number };
  assert.equal(written.fits, 1);
  assert.ok(written.files.some((f) => f.endsWith("bcrit-hyperbolae.png")));
  assert.ok(written.files.some((f) => f.endsWith("bcrit-bcrit.png")));
  const missing = await runCli("report", "--db", database, "--law", "bcrit", "--out", out);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /law bcrit needs the target losses/);
});
