import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../_cli.js";

const dir = mkdtempSync(join(tmpdir(), "scalefit-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const good = file(
  "good.csv",
  "N,D,loss\n1e8,2e9,3.2\n3e8,6e9,2.9\n1e9,2e10,2.6\n3e9,6e10,2.4\n1e10,2e11,2.25\n2e8,1e10,2.95\n5e8,4e9,2.85\n",
);
const fit = file("fit.json", "{}");

/** Each bad input: the arguments, the message expected on stderr. Every one must exit 1 with one line and no stack. */
const cases: [string, string[], RegExp][] = [
  [
    "NaN loss",
    ["fit", "--law", "power", "--x", "N", "--data", file("nan.csv", "N,loss\n1e8,3\n1e9,NaN\n")],
    /nan.csv line 3, column loss: NaN is not a finite number/,
  ],
  [
    "infinite loss",
    ["fit", "--law", "power", "--x", "N", "--data", file("inf.csv", "N,loss\n1e8,Infinity\n")],
    /inf.csv line 2, column loss: Infinity is not a finite number/,
  ],
  [
    "zero loss",
    ["fit", "--law", "power", "--x", "N", "--data", file("zero.csv", "N,loss\n1e8,3\n1e9,0\n")],
    /zero.csv line 3, column loss: 0 is not positive/,
  ],
  [
    "negative loss",
    ["fit", "--law", "power", "--x", "N", "--data", file("neg.csv", "N,loss\n1e8,-2.5\n")],
    /neg.csv line 2, column loss: -2.5 is not positive/,
  ],
  [
    "negative size",
    ["fit", "--law", "power", "--x", "N", "--data", file("negn.csv", "N,loss\n-1e8,3\n")],
    /negn.csv line 2, column N: -1e8 is not positive/,
  ],
  [
    "zero size",
    ["fit", "--law", "chinchilla", "--data", file("zerod.csv", "N,D,loss\n1e8,0,3\n")],
    /zerod.csv line 2, column D: 0 is not positive/,
  ],
  [
    "infinite size",
    ["fit", "--law", "power", "--x", "N", "--data", file("infn.csv", "N,loss\nInfinity,3\n")],
    /infn.csv line 2, column N: Infinity is not a finite number/,
  ],
  [
    "text in a number column",
    ["fit", "--law", "power", "--x", "N", "--data", file("text.csv", "N,loss\n1e8,low\n")],
    /text.csv line 2, column loss: "low" is not a number/,
  ],
  [
    "empty cell",
    ["fit", "--law", "power", "--x", "N", "--data", file("cell.csv", "N,loss\n1e8,\n")],
    /cell.csv line 2, column loss: empty value/,
  ],
  [
    "missing loss column",
    ["fit", "--law", "power", "--x", "N", "--data", file("noloss.csv", "N,val\n1e8,3\n")],
    /noloss.csv has no column loss: law power needs N, loss/,
  ],
  [
    "law needs D, data have only N",
    ["fit", "--law", "chinchilla", "--data", file("onlyn.csv", "N,loss\n1e8,3\n")],
    /onlyn.csv has no column D: law chinchilla needs N, D, loss \(columns: N, loss/,
  ],
  [
    "unknown --map target",
    ["fit", "--law", "chinchilla", "--data", good, "--map", "size=N"],
    /unknown --map target size/,
  ],
  [
    "--map from a column that does not exist",
    ["fit", "--law", "chinchilla", "--data", good, "--map", "loss=val_loss"],
    /--map loss=val_loss: .*good.csv has no column val_loss \(columns: N, D, loss\)/,
  ],
  [
    "fewer points than free parameters",
    [
      "fit",
      "--law",
      "chinchilla",
      "--data",
      file("three.csv", "N,D,loss\n1e8,1e9,3\n1e9,1e10,2.5\n1e10,1e11,2.2\n"),
    ],
    /fewer points than free parameters: 3 points, 5 free parameters of law chinchilla/,
  ],
  [
    "unknown law",
    ["fit", "--law", "chinchila", "--data", good],
    /unknown law: chinchila \(expected one of power, chinchilla, kaplan, kaplan-steps, lr-anneal, multipower, lr-anneal-n, multipower-n, encdec, data-constrained, qat, precision, bcrit, isoflop, envelope, hparams, custom\)/,
  ],
  [
    "unknown option",
    ["fit", "--law", "chinchilla", "--data", good, "--bootstrapp", "10"],
    /unknown option --bootstrapp for scalefit fit \(see scalefit fit --help\)/,
  ],
  ["option without its value", ["fit", "--data", good, "--law"], /option --law needs a value/],
  [
    "stray argument",
    ["fit", "--law", "chinchilla", "--data", good, "extra"],
    /unexpected argument extra for scalefit fit/,
  ],
  [
    "unknown parameter name",
    ["fit", "--law", "chinchilla", "--data", good, "--fix", "gamma=1"],
    /unknown parameter gamma in --fix: law chinchilla has E, A, B, alpha, beta/,
  ],
  [
    "unknown parameter in bounds",
    ["fit", "--law", "chinchilla", "--data", good, "--bounds", "delta=0:1"],
    /unknown parameter delta in --bounds: law chinchilla has E, A, B, alpha, beta/,
  ],
  [
    "unparsable formula",
    ["fit", "--law", "custom", "--formula", "E + A/(N^", "--data", good],
    /invalid formula "E \+ A\/\(N\^": Unexpected end of expression/,
  ],
  [
    "formula with an unknown function",
    ["fit", "--law", "custom", "--formula", "E + gamma(N)", "--data", good],
    /unknown function gamma in formula/,
  ],
  ["custom without a formula", ["fit", "--law", "custom", "--data", good], /law custom needs a formula/],
  [
    "--x on a law that has no x",
    ["fit", "--law", "chinchilla", "--x", "N", "--data", good],
    /--x is only for law power, not chinchilla/,
  ],
  ["empty file", ["fit", "--law", "chinchilla", "--data", file("empty.csv", "")], /empty.csv is empty/],
  [
    "header without rows",
    ["fit", "--law", "chinchilla", "--data", file("header.csv", "N,D,loss\n")],
    /header.csv has no data rows/,
  ],
  [
    "malformed CSV",
    ["fit", "--law", "chinchilla", "--data", file("ragged.csv", "N,D,loss\n1e8,2e9,3\n1e9,2e10\n")],
    /ragged.csv line 3: malformed CSV/,
  ],
  [
    "malformed JSONL",
    [
      "fit",
      "--law",
      "chinchilla",
      "--data",
      file("bad.jsonl", '{"N": 1e8, "D": 2e9, "loss": 3}\n{"N": 1e9,\n'),
    ],
    /bad.jsonl line 2: invalid JSON/,
  ],
  [
    "unsupported format",
    ["fit", "--law", "chinchilla", "--data", file("runs.xlsx", "x")],
    /unsupported data format .xlsx/,
  ],
  [
    "missing data file",
    ["fit", "--law", "chinchilla", "--data", join(dir, "nope.csv")],
    /cannot read .*nope.csv: no such file/,
  ],
  ["missing --law", ["fit", "--data", good], /scalefit fit needs --law/],
  [
    "invalid number",
    ["fit", "--law", "chinchilla", "--data", good, "--bootstrap", "many"],
    /invalid --bootstrap: many/,
  ],
  [
    "invalid level",
    ["fit", "--law", "chinchilla", "--data", good, "--level", "95"],
    /invalid --level: 95 \(expected a number between 0 and 1\)/,
  ],
  ["invalid loss", ["fit", "--law", "chinchilla", "--data", good, "--loss", "l1"], /invalid loss: l1/],
  [
    "invalid holdout",
    ["fit", "--law", "chinchilla", "--data", good, "--holdout", "C:2"],
    /invalid holdout: C:2/,
  ],
  [
    "drop more than there is",
    ["fit", "--law", "chinchilla", "--data", good, "--drop-highest", "7"],
    /--drop-highest 7 would drop all 7 points/,
  ],
  ["unknown command", ["fitt"], /unknown command fitt/],
  [
    "fit file that is not JSON",
    ["predict", "--fit", file("notjson.json", "{oops"), "--at", "N=1e9,D=2e10"],
    /notjson.json is not valid JSON/,
  ],
  [
    "fit file that is not a fit",
    ["predict", "--fit", fit, "--at", "N=1e9,D=2e10"],
    /fit.json is not a scalefit fit artifact: missing law/,
  ],
  [
    "predict without --at",
    ["predict", "--fit", fit],
    /scalefit predict needs --at|not a scalefit fit artifact/,
  ],
  ["optimize without --fit", ["optimize", "--compute", "1e23"], /scalefit optimize needs --fit/],
  [
    "compare with one law",
    ["compare", "--laws", "chinchilla", "--data", good],
    /compare needs at least two laws/,
  ],
];

for (const [name, argv, message] of cases) {
  test(`scalefit ${argv[0]} with ${name}: exit 1 and one line naming the problem`, async () => {
    const run = await runCli(...argv);
    assert.equal(run.code, 1, `exit ${run.code}; stderr: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(run.stdout, "");
  });
}

test("predict and optimize refuse inputs the fit's law does not have", async () => {
  const out = join(dir, "power.json");
  const fitted = await runCli(
    "fit",
    "--law",
    "power",
    "--x",
    "N",
    "--data",
    good,
    "--intervals",
    "none",
    "--out",
    out,
  );
  assert.equal(fitted.code, 0, fitted.stderr);
  const lacks = await runCli("predict", "--fit", out, "--at", "D=1e9");
  assert.equal(lacks.code, 1);
  assert.match(lacks.stderr, /--at D=1e9 lacks N: law power needs N/);
  const optimize = await runCli("optimize", "--fit", out, "--compute", "1e23");
  assert.equal(optimize.code, 1);
  assert.match(optimize.stderr, /optimize --compute needs a law in N and D; law power has inputs N/);
  const negative = await runCli("optimize", "--fit", out, "--compute=-5");
  assert.match(negative.stderr, /invalid --compute: -5/);
  const dashed = await runCli("optimize", "--fit", out, "--compute", "-5");
  assert.match(
    dashed.stderr,
    /option --compute is followed by a value that starts with a dash: write --compute=<value>/,
  );
});

test("a W&B export over 256 MiB is refused before it is read, naming the limit of formats read whole", async () => {
  // A sparse file: 300 MiB long, no disk used; the size is checked before any byte is read.
  const big = join(dir, "wandb-big.csv");
  writeFileSync(big, "");
  truncateSync(big, 300 * 2 ** 20);
  const run = await runCli("import", "--db", join(dir, "big.duckdb"), big, "--format", "wandb");
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    `scalefit import: ${big} is 315 MB: --format wandb files are read whole, up to 256 MiB (CSV, TSV, JSONL and Parquet files of any size are read in bounded memory)\n`,
  );
  rmSync(big);
});
