/**
 * Fuzz (issue 16): seeded command lines of every command, mutated from valid ones, and seeded custom
 * formulas. Bad input is always a user error (exit 1, one line on stderr, no stack trace), never an internal
 * error (exit 2); a formula either compiles or throws a `UserError` of one line. Every case is cheap: the
 * data are files of a few rows in a temporary folder (the working directory while the fuzz runs, so that
 * relative output paths land there), bootstrap refits stay few, and the commands that train (train, sweep)
 * and the demo are stopped by an invalid option read just before their work starts.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArgs, type Command, type OptionValues } from "../../src/cli/_command.js";
import { command as compare } from "../../src/cli/compare.js";
import { command as demo } from "../../src/cli/demo.js";
import { command as exportCommand } from "../../src/cli/export.js";
import { command as fit } from "../../src/cli/fit.js";
import { command as importCommand } from "../../src/cli/import.js";
import { command as laws } from "../../src/cli/laws.js";
import { command as optimize } from "../../src/cli/optimize.js";
import { command as predict } from "../../src/cli/predict.js";
import { command as report } from "../../src/cli/report.js";
import { command as runs } from "../../src/cli/runs.js";
import { command as sweep } from "../../src/cli/sweep.js";
import { command as train } from "../../src/cli/train.js";
import { isUserError } from "../../src/errors.js";
import { customLaw } from "../../src/fit/laws/custom.js";
import { parseDecimal, sizeSuffixes } from "../../src/parseDecimal.js";
import { randomSource } from "../../src/random.js";
import { runCliWith } from "../_cli.js";
import { scratch } from "../_store.js";

const commandLines = 10_000;
const formulaCount = 10_000;

// Each test starts its own seeded sequence: the formulas do not shift when the command lines change.
let random = randomSource(16);
const int = (n: number) => random.int(n);
const chance = (p: number) => random.uniform() < p;
const pick = <T>(items: readonly T[]): T => items[random.int(items.length)]!;

// Fixtures: tiny data, a store, fit artifacts, and files that are broken in the ways users' files are.
const { dir, file, db } = scratch("fuzz");
const rows =
  "1e8,2e9,3.2\n3e8,6e9,2.9\n1e9,2e10,2.6\n3e9,6e10,2.4\n1e10,2e11,2.25\n2e8,1e10,2.95\n5e8,4e9,2.85\n";
const good = file("good.csv", `N,D,loss\n${rows}`);
/** One dense curve: the LR at every step 0..600, the loss every 100 steps. */
const curves = file(
  "curves.csv",
  [
    "run,step,lr,loss",
    ...Array.from(
      { length: 601 },
      (_, t) =>
        `a,${t},${t < 100 ? (1e-3 * t) / 99 : 1e-3},${t > 0 && t % 100 === 0 ? (2 + 30 / Math.sqrt(t)).toFixed(5) : ""}`,
    ),
  ].join("\n"),
);
const adir = join(dir, "adir");
mkdirSync(adir);
const missing = join(dir, "missing", "nothing.csv");
const dataFiles = [
  good,
  good,
  curves,
  file("empty.csv", ""),
  file("header.csv", "N,D,loss\n"),
  file("junk.csv", "a,b\n1,2\n,,\n\n"),
  file("odd.csv", "N,D,loss\n0x10,2e9,3\n1e400,1e9,NaN\n-1,,2\n"),
  file("bom.csv", `\uFEFFN,D,loss\n${rows}`),
  file("dup.csv", `N,N,loss\n${rows}`),
  file("proto.csv", `__proto__,constructor,loss\n${rows}`),
  file("runs.jsonl", '{"N":1e8,"D":2e9,"loss":3.2}\n{"N":3e8,"D":6e9,"loss":2.9}\n'),
  file("bad.jsonl", '{"N":1e8,"D":2e9,"loss":3.2}\n{bad\n[1,2]\nnull\n{"__proto__":{"N":1}}\n'),
  file("runs.tsv", `N\tD\tloss\n${rows.replaceAll(",", "\t")}`),
  file("fake.parquet", "not parquet"),
  file("fake.arrow", "not arrow"),
  adir,
  missing,
];
const store = db("store.duckdb");
const importDb = db("import.duckdb");
const notDb = file("notdb.duckdb", "not a database");
const dbs = [
  store,
  store,
  store,
  importDb,
  notDb,
  adir,
  join(dir, "missing", "x.duckdb"),
  "fresh.duckdb",
  "",
];

/** Runs the CLI in-process and returns the exit code and both streams. */
const cli = (argv: readonly string[], env: Record<string, string> = {}) => runCliWith(env, ...argv);

const cwd = process.cwd();
process.chdir(dir);
for (const argv of [
  ["import", "--db", store, good],
  ["import", "--db", store, curves, "--run", "a"],
  ["fit", "--law", "chinchilla", "--data", good, "--intervals", "covariance", "--out", "fit.json"],
  ["fit", "--law", "lr-anneal", "--data", curves, "--intervals", "none", "--out", "curve.json"],
]) {
  const run = await cli(argv);
  assert.equal(run.code, 0, `${argv.join(" ")}: ${run.stderr}`);
}
process.chdir(cwd);
const fitFile = join(dir, "fit.json");
const curveFit = join(dir, "curve.json");
const artifact = JSON.parse(readFileSync(fitFile, "utf8")) as Record<string, unknown>;
const fitFiles = [
  fitFile,
  fitFile,
  fitFile,
  curveFit,
  file("broken.json", "{"),
  file("null.json", "null"),
  file("array.json", "[]"),
  file("object.json", "{}"),
  file("law-proto.json", JSON.stringify({ ...artifact, law: "__proto__" })),
  file("law-constructor.json", JSON.stringify({ ...artifact, law: "constructor" })),
  file("no-params.json", JSON.stringify({ ...artifact, params: {} })),
  file("string-params.json", JSON.stringify({ ...artifact, params: { E: "x", A: null } })),
  file("proto-params.json", JSON.stringify({ ...artifact, params: { __proto__: 1, toString: 2 } })),
  file("no-intervals.json", JSON.stringify({ ...artifact, intervals: null })),
  file("level.json", JSON.stringify({ ...artifact, level: "high" })),
  good,
  adir,
  missing,
];
const otherFiles = [
  file("meta.json", '{"N": 1e8, "kind": "lm"}'),
  file("meta-runs.json", '{"runs": {"a": {"N": "x"}, "__proto__": {"N": 1}}}'),
  file("schedules.json", '{"a": "cosine:peak=1e-3,floor=1e-4,steps=600"}'),
  file("schedules-bad.json", '{"a": "cosine:peak=0x10", "constructor": 1}'),
  file("sched.csv", "step,lr\n0,1e-3\n1,1e-3\n2,5e-4\n3,1e-4\n"),
  file("sweep.json", JSON.stringify({ name: "tiny", data: "markov", grid: { dModel: [8], steps: [2] } })),
  file("sweep-bad.json", '{"name": "x", "grid": {"dModel": ["0x10"], "__proto__": [1]}}'),
  file("sweep-broken.json", "{"),
  fitFile,
  good,
  adir,
  missing,
];
const outputs = [
  "out.csv",
  "out.parquet",
  "out.arrow",
  "out.json",
  "out.txt",
  "out",
  "report",
  file("taken.txt", "a file, not a folder"),
  adir,
  join(dir, "missing", "out.csv"),
  "",
  " ",
];

// Values: numbers in odd forms, odd strings, and the shapes each option reads.
const oddNumbers = [
  ...["0", "1", "-1", "-0", "+0", "2", "3", "0.5", ".5", "5.", "1e3", "1E3", "1e-3", "3e-4", "0.95", "1.0"],
  ...["1e400", "-1e400", "1e-400", "1e308", "1.8e308", "9007199254740993", "99999999999999999999", "1e21"],
  ...["0x10", "0X10", "0b11", "0o7", "1_000", "1,5", "1.5.3", "NaN", "-NaN", "Infinity", "-Infinity", "inf"],
  ...["", "  ", " 1 ", "1e", "e3", "-", "+", ".", "70B", "1.4T", "1e300P", "2Q", "1k", "1K", "00012", "-5"],
  ...["\u0663", "\uff11", "1\u00a0", "1/2", "\u00bd", "1e+3", "100000", "20"],
];
const oddStrings = [
  ...["", "  ", "a=b=c", ",,", ",", "N>=", "=", "==", "a=", "=1", "__proto__", "constructor", "toString"],
  ...["__proto__=1", "constructor=1", "valueOf=2", "hasOwnProperty", "prototype", "\u00e9", "\u{1F600}"],
  ...["\u0000", "\t", "a\nb", "line\r\nbreak", "x".repeat(5000), "-", "--", "-x", "--json", "*", "%s", "'"],
  ...['"', "\\", "${x}", "null", "undefined", "true", "false", "[]", "{}", '{"a":1}', "N", "D", "loss"],
  ...["run", "kind=lm", "a,b,,c", "N=1,N=2", "N=1,,D=2", " N = 1 ", "-h"],
];
const odd = () => (chance(0.5) ? pick(oddNumbers) : pick(oddStrings));
const names = [
  ...["N", "D", "C", "E", "A", "B", "alpha", "beta", "a", "b", "lambda", "P", "Ppost", "lr", "bits", "step"],
  ...["__proto__", "constructor", "toString", "valueOf", "", " N", "1x", "\u00e9", "N-1", "loss", "run"],
];
const list = (item: () => string, max = 4) => Array.from({ length: 1 + int(max) }, item).join(",");
const assignment = () =>
  chance(0.1) ? odd() : `${pick(names)}${pick(["=", "=", "=", ":", "==", ""])}${pick(oddNumbers)}`;
const bounds = () => `${pick(names)}=${chance(0.8) ? pick(oddNumbers) : ""}:${pick(oddNumbers)}`;
const grid = () =>
  `${pick(names)}=${pick(oddNumbers)}:${pick(oddNumbers)}:${pick(["1", "2", "3", "0", "-1", "1.5", "1001", "x", "", "1e400", "0x3"])}`;
const where = () =>
  `${pick(["run", "kind", "N", "D", "C", "step", "loss", "__proto__", "constructor", "", "x"])}${pick(["=", "~", ">=", "<=", ">", "<", "!=", "==", "=>", ""])}${chance(0.5) ? pick(oddNumbers) : pick(["a", "a,b", "a,,b", "*", "a*", "lm", "", "25M/*"])}`;
/** Schedule texts, with steps few enough that a curve predicted for one stays cheap. */
const steps = ["0", "1", "10", "100", "200", "-1", "1.5", "0x10", "1e400", "1e12", "", "x"];
const scheduleText = () =>
  `${pick(["cosine", "wsd", "linear", "constant", "step", "inverse-sqrt", "__proto__", "constructor", "", "x"])}:${list(
    () =>
      `${pick(["peak", "floor", "steps", "warmup", "decay", "decayStart", "shape", "milestones", "gamma", "__proto__", "constructor", ""])}=${chance(0.3) ? pick(steps) : pick(oddNumbers)}`,
    5,
  )}`;
const validSchedule = "cosine:peak=1e-3,floor=1e-4,steps=100";
// The laws a fuzzed line names: cheap to fit on the fuzz's tiny files (the -n curve laws are left out), and junk.
const lawNames = [
  "power",
  "chinchilla",
  "kaplan",
  "kaplan-steps",
  "lr-anneal",
  "multipower",
  "encdec",
  "qat",
  "precision",
  "data-constrained",
  "bcrit",
  "isoflop",
  "envelope",
  "hparams",
  "custom",
  "__proto__",
  "constructor",
  "",
];
const formulas = [
  "E + A/N^alpha + B/D^beta",
  "E + A/N^alpha",
  "A*N^b",
  "E + A/N^0x10",
  "E + 0b11*A/N^alpha",
  "E + A*tanh(N*B)",
  "A*log2(N) + B",
  "E + A*N^(B^C)",
  "constructor(N)",
  "toString(N) + A",
  "__proto__ + N",
  "A*N; B",
  "A*N\n+ B",
  "E + A/(N^",
  "E + A/N^alpha)",
  "",
  " ",
  "1e400*N + A",
  "A*N + true",
];
const lineHelp = () => pick(["--help", "-h"]);

/** A value for option `name` of `command`: mostly of its shape, sometimes anything. */
function valueFor(command: string, name: string): string {
  if (chance(0.12) && !["out", "parquet", "bootstrap", "steps"].includes(name)) return odd();
  switch (name) {
    case "data":
      return command === "train" ? pick(["kjv", "markov", ...dataFiles, ...oddStrings]) : pick(dataFiles);
    case "db":
      return pick(dbs);
    case "fit":
      return pick(fitFiles);
    case "out":
    case "parquet":
      return pick(outputs);
    case "meta":
    case "schedules":
    case "file":
      return pick(otherFiles);
    case "law":
      return chance(0.8) ? pick(lawNames) : list(() => pick(lawNames), 3);
    case "laws":
      return list(() => pick(lawNames), 3);
    case "formula":
      return pick(formulas);
    case "fix":
    case "init":
    case "at":
    case "set":
    case "hparams":
    case "plan":
      return list(assignment);
    case "bounds":
      return list(bounds, 2);
    case "grid":
      return list(grid, 2);
    case "where":
      return where();
    case "schedule":
      if (command === "fit") return `${pick(["a", "", "__proto__", "a=b"])}=${scheduleText()}`;
      if (command === "train") return chance(0.5) ? pick(["constant", "cosine", "wsd", "x"]) : scheduleText();
      return chance(0.3) ? pick([validSchedule, ...otherFiles]) : scheduleText();
    case "holdout":
      return `${pick(["C", "N", "D", "x", "", "__proto__"])}${pick([":", ":", "=", ""])}${pick(oddNumbers)}`;
    case "shard":
      return `${pick(oddNumbers)}/${pick(oddNumbers)}`;
    case "map":
      return list(() => `${pick(names)}=${pick(names)}`, 3);
    case "conventions":
      return list(
        () =>
          `${pick(["params", "flops", "lossUnit", "__proto__", "x", ""])}=${pick(["total", "non-embedding", "6ND", "exact", "bits/byte", "nats/token", "", "x"])}`,
        3,
      );
    case "log":
    case "profile":
    case "free":
    case "runs":
    case "inputs":
    case "lr-in":
    case "batch-in":
      return list(() => pick(names), 3);
    case "targets":
    case "compute":
    case "total-params":
      return list(() => pick(oddNumbers), 3);
    case "intervals":
      return pick(["none", "covariance", "bootstrap", "None", "", "__proto__"]);
    case "bootstrap":
      return pick(["0", "2", "20", "-1", "1.5", "0x3", "0b11", "1e8", "1e400", "", "x", "NaN", "100001"]);
    case "steps":
      return command === "predict" ? list(() => pick([...steps, "all", "50"]), 3) : pick(steps);
    case "loss":
      return pick(["huber", "linear", "softL1", "cauchy", "Huber", "", "__proto__"]);
    case "space":
      return pick(["log", "linear", "both", ""]);
    case "x":
      return pick(["N", "D", "C", "S", "", "constructor"]);
    case "method":
      return pick(["near-optimal", "bowl", "x"]);
    case "format":
      return pick(["csv", "jsonl", "parquet", "arrow", "hf", "wandb", "tensorboard", "CSV", "__proto__", ""]);
    case "table":
      return pick(["runs", "points", "fits", "Runs", "__proto__", ""]);
    case "loss-kind":
      return pick(["train", "eval", "test", ""]);
    case "step-base":
      return pick(["0", "1", "2", "-0", "0x1", "", "x"]);
    case "family":
      return pick(["wsd", "cosine", "linear", "constant", "__proto__", ""]);
    case "preset":
      return pick(["smoke", "markov", "kjv-chinchilla", "__proto__", "constructor", ""]);
    case "backend":
      return pick(["auto", "wasm", "cpu", "webgpu", "x", "__proto__"]);
    case "gelu":
      return pick(["tanh", "erf", "x"]);
    case "qat-granularity":
      return pick(["channel", "tensor", "x"]);
    default:
      return chance(0.7) ? pick(oddNumbers) : pick(oddStrings);
  }
}

const commands: Readonly<Record<string, Command>> = {
  fit,
  predict,
  optimize,
  compare,
  laws,
  import: importCommand,
  runs,
  export: exportCommand,
  train,
  sweep,
  report,
  demo,
};
const commandOf = (name: string | undefined) =>
  name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
const allOptions = [...new Set(Object.values(commands).flatMap((c) => Object.keys(c.options)))];

/** Valid command lines of every command (the fuzz mutates them), and how often each is drawn. */
const templates: { weight: number; argv: string[] }[] = [
  { weight: 8, argv: ["fit", "--law", "chinchilla", "--data", good, "--intervals", "none"] },
  { weight: 4, argv: ["fit", "--law", "power", "--x", "N", "--data", good, "--intervals", "covariance"] },
  { weight: 1, argv: ["fit", "--law", "kaplan", "--data", good, "--intervals", "none", "--json"] },
  {
    weight: 2,
    argv: [
      "fit",
      "--law",
      "custom",
      "--formula",
      "E + A/N^alpha + B/D^beta",
      "--log",
      "E,A,B",
      "--data",
      good,
    ],
  },
  {
    weight: 2,
    argv: ["fit", "--law", "chinchilla", "--db", store, "--where", "N>=1e8", "--intervals", "none"],
  },
  { weight: 2, argv: ["fit", "--law", "chinchilla", "--data", good, "--bootstrap", "20", "--seed", "3"] },
  { weight: 2, argv: ["fit", "--law", "chinchilla", "--data", good, "--holdout", "C:0.5", "--level", "0.9"] },
  {
    weight: 6,
    argv: [
      ...["fit", "--law", "chinchilla", "--data", good, "--fix", "E=1.5", "--bounds", "alpha=0:2"],
      ...[
        "--grid",
        "beta=0.1:1:3",
        "--init",
        "A=400",
        "--loss",
        "linear",
        "--delta",
        "1e-3",
        "--space",
        "log",
      ],
    ],
  },
  {
    weight: 1,
    argv: [
      ...["fit", "--law", "chinchilla", "--data", good, "--intervals", "none", "--sensitivity"],
      ...["--compute", "1e21", "--at", "N=1e9,D=1e10"],
    ],
  },
  {
    weight: 2,
    argv: ["fit", "--law", "chinchilla", "--data", good, "--map", "loss=loss", "--drop-highest", "1"],
  },
  {
    weight: 2,
    argv: ["fit", "--law", "chinchilla", "--data", good, "--profile", "alpha", "--out", "o.json"],
  },
  {
    weight: 2,
    argv: ["fit", "--law", "lr-anneal", "--data", curves, "--intervals", "none", "--step-base", "0"],
  },
  {
    weight: 2,
    argv: ["fit", "--law", "lr-anneal", "--data", curves, "--schedule", `a=${validSchedule}`, "--runs", "a"],
  },
  { weight: 2, argv: ["fit", "--law", "bcrit", "--data", good, "--targets", "3,2.6"] },
  { weight: 2, argv: ["fit", "--law", "hparams", "--data", good, "--method", "bowl", "--lr-in", "N,D"] },
  { weight: 8, argv: ["predict", "--fit", fitFile, "--at", "N=7e10,D=1.4e12"] },
  {
    weight: 4,
    argv: ["predict", "--fit", fitFile, "--at", "N=70B,D=1.4T", "--level", "0.9", "--widen", "2"],
  },
  { weight: 2, argv: ["predict", "--fit", fitFile, "--batch", "262144", "--steps", "1000"] },
  { weight: 4, argv: ["predict", "--fit", curveFit, "--schedule", validSchedule, "--steps", "10,50"] },
  {
    weight: 2,
    argv: ["predict", "--fit", curveFit, "--schedule", join(dir, "sched.csv"), "--step-base", "1"],
  },
  { weight: 6, argv: ["optimize", "--fit", fitFile, "--compute", "1e21,1e23"] },
  { weight: 2, argv: ["optimize", "--fit", fitFile, "--total-params", "1e9", "--json"] },
  { weight: 2, argv: ["optimize", "--fit", curveFit, "--steps", "100", "--family", "wsd", "--warmup", "10"] },
  { weight: 4, argv: ["optimize", "--law", "qat", "--tokens", "2e10", "--params", "1e9", "--bits", "4"] },
  { weight: 2, argv: ["optimize", "--law", "qat", "--tokens", "2e10", "--memory", "5e8"] },
  { weight: 2, argv: ["optimize", "--law", "precision", "--compute", "1e21", "--params", "1e9"] },
  { weight: 2, argv: ["compare", "--laws", "chinchilla,kaplan", "--data", good] },
  {
    weight: 1,
    argv: ["compare", "--laws", "power,chinchilla", "--x", "N", "--data", good, "--holdout", "C:0.5"],
  },
  {
    weight: 1,
    argv: [
      "compare",
      "--laws",
      "chinchilla,custom",
      "--formula",
      "E + A/N^alpha",
      "--data",
      good,
      "--compute",
      "1e21",
    ],
  },
  { weight: 4, argv: ["laws"] },
  { weight: 2, argv: ["laws", "--json"] },
  { weight: 1, argv: ["import", "--db", importDb, good] },
  { weight: 1, argv: ["import", "--db", importDb, "--file", good, "--set", "N=1e8,kind=lm", "--run", "r1"] },
  {
    weight: 1,
    argv: [
      ...["import", "--db", importDb, curves, "--conventions", "params=total", "--map", "loss=loss"],
      ...["--format", "csv", "--loss-kind", "eval", "--meta", otherFiles[0]!],
    ],
  },
  { weight: 1, argv: ["runs", "--db", store] },
  { weight: 1, argv: ["runs", "--db", store, "--where", "kind=lm", "--where", "N>=1e8", "--json"] },
  { weight: 1, argv: ["export", "--db", store, "out.csv"] },
  {
    weight: 1,
    argv: ["export", "--db", store, "--table", "runs", "--out", "runs.parquet", "--where", "N>=1e8"],
  },
  {
    weight: 6,
    argv: [
      ...["train", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2"],
      ...["--steps", "2", "--schedule", "cosine", "--warmup", "0.1", "--lr", "1e-3", "--data", "markov"],
    ],
  },
  {
    weight: 4,
    argv: [
      ...[
        "train",
        "--qat-bits",
        "4",
        "--qat-fraction",
        "0.5",
        "--qat-granularity",
        "tensor",
        "--gelu",
        "erf",
      ],
      ...["--untied", "--seed", "1", "--log-every", "1", "--eval-every", "1", "--weight-decay", "0"],
      ...["--schedule", validSchedule, "--backend", "cpu"],
    ],
  },
  { weight: 4, argv: ["sweep", "--preset", "smoke", "--db", "sweep.duckdb"] },
  {
    weight: 4,
    argv: ["sweep", otherFiles[5]!, "--db", "sweep.duckdb", "--shard", "0/2", "--parquet", "s.parquet"],
  },
  { weight: 1, argv: ["report", "--db", store, "--out", "report", "--title", "t"] },
  {
    weight: 1,
    argv: [
      ...["report", "--db", store, "--out", "report", "--law", "chinchilla", "--bootstrap", "20"],
      ...["--fit", fitFile, "--where", "N>=1e8", "--holdout", "C:0.5"],
    ],
  },
  { weight: 4, argv: ["demo", "--bootstrap", "20", "--json"] },
  { weight: 2, argv: ["--help"] },
  { weight: 2, argv: ["--version"] },
];
const totalWeight = templates.reduce((sum, t) => sum + t.weight, 0);
function template(): string[] {
  let r = int(totalWeight);
  for (const t of templates) {
    r -= t.weight;
    if (r < 0) return [...t.argv];
  }
  return [...templates[0]!.argv];
}

/** An option token: mostly the command's own, else another command's, misspelt, or a built-in name. */
function optionToken(command: Command | undefined): string {
  const own = command ? Object.keys(command.options) : allOptions;
  const r = int(20);
  if (r < 11) return `--${pick(own)}`;
  if (r < 13) return `--${pick(allOptions)}`;
  if (r < 15) {
    const name = pick(own);
    const at = int(name.length);
    return `--${chance(0.5) ? name.slice(0, at) + name.slice(at + 1) : name.slice(0, at) + pick(["x", "-", "_", name[at] ?? ""]) + name.slice(at)}`;
  }
  return pick([
    ...["--__proto__", "--constructor", "--toString", "--hasOwnProperty", "--valueOf", "--", "-", "--="],
    ...[
      "--=x",
      "---law",
      "-x",
      "-hx",
      "-j",
      "--LAW",
      "--no-json",
      "--json=true",
      "--json=",
      "",
      " ",
      "--law=",
    ],
    ...["--\u00e9", "-\u00e9", "--__proto__=1", "--constructor=x"],
  ]);
}

/** One mutation of a command line in place: values, options, positionals, order, length. */
function mutate(argv: string[]): void {
  const command = commandOf(argv[0]);
  const name = argv[0]!;
  const at = 1 + int(argv.length);
  switch (int(10)) {
    case 0:
    case 1: {
      // Replace the value of an option.
      const options = argv.flatMap((token, i) =>
        i > 0 && token.startsWith("--") && i + 1 < argv.length && !argv[i + 1]!.startsWith("--") ? [i] : [],
      );
      if (options.length) {
        const i = pick(options);
        argv[i + 1] = valueFor(name, argv[i]!.slice(2));
        return;
      }
      argv.splice(at, 0, optionToken(command));
      return;
    }
    case 2:
    case 3: {
      // Insert an option with a value (or without one).
      const token = optionToken(command);
      const option = command?.options[token.slice(2)];
      const value = option?.type === "boolean" ? chance(0.2) : chance(0.9);
      argv.splice(at, 0, ...(value ? [token, valueFor(name, token.slice(2))] : [token]));
      return;
    }
    case 4:
      // Delete a token.
      if (argv.length > 1) argv.splice(1 + int(argv.length - 1), 1);
      return;
    case 5: {
      // Repeat an option with its value, or with another value.
      const options = argv.flatMap((token, i) => (i > 0 && token.startsWith("--") ? [i] : []));
      if (!options.length) return;
      const i = pick(options);
      const value = i + 1 < argv.length && !argv[i + 1]!.startsWith("--") ? argv[i + 1]! : undefined;
      const again = value === undefined ? [] : [chance(0.5) ? value : valueFor(name, argv[i]!.slice(2))];
      argv.splice(at, 0, argv[i]!, ...again);
      return;
    }
    case 6: {
      // --name value → --name=value.
      const options = argv.flatMap((token, i) =>
        i > 0 && token.startsWith("--") && i + 1 < argv.length ? [i] : [],
      );
      if (!options.length) return;
      const i = pick(options);
      argv.splice(i, 2, `${argv[i]}=${chance(0.8) ? argv[i + 1] : ""}`);
      return;
    }
    case 7:
      // A positional argument.
      argv.splice(at, 0, chance(0.5) ? odd() : pick([...dataFiles, ...otherFiles, ...outputs]));
      return;
    case 8:
      // Swap two tokens, or cut the line short.
      if (argv.length > 2 && chance(0.5)) {
        const i = 1 + int(argv.length - 1);
        const j = 1 + int(argv.length - 1);
        [argv[i], argv[j]] = [argv[j]!, argv[i]!];
      } else argv.length = Math.max(1, int(argv.length + 1));
      return;
    default:
      // Another command (or none), or a help flag.
      if (chance(0.3)) argv.splice(at, 0, lineHelp());
      else if (chance(0.5))
        argv[0] = pick([
          ...Object.keys(commands),
          "help",
          "-v",
          "Fit",
          "__proto__",
          "constructor",
          "toString",
          "",
          " ",
          "--json",
        ]);
      else argv.splice(at, 0, "--", odd());
  }
}

/** Whether a number option's text is refused by `check`, as the CLI reads it. */
function refused(text: unknown, check: (v: number) => boolean): boolean {
  const value = parseDecimal(String(text), sizeSuffixes);
  return typeof value !== "number" || !check(value);
}
const positiveInteger = (v: number) => Number.isInteger(v) && v > 0;

/**
 * The command line made cheap, or undefined when it would do expensive work: train and sweep stop at an
 * invalid --threads (read after everything else, just before training), the demo at an invalid --seed,
 * fits without an interval method get none, few bootstrap refits, few grid cells, curves of few steps.
 */
function cheap(argv: string[]): string[] | undefined {
  const [name, ...rest] = argv;
  const command = commandOf(name);
  if (!command || rest.includes("--help") || rest.includes("-h")) return argv;
  let values: OptionValues;
  try {
    ({ values } = parseCommandArgs(command, rest));
  } catch {
    return argv;
  }
  const stop = (option: string, text: string, check: (v: number) => boolean) =>
    values[option] === undefined ? [name!, text, ...rest] : refused(values[option], check) ? argv : undefined;
  if (name === "train" || name === "sweep") return stop("threads", "--threads=0", positiveInteger);
  if (name === "demo") return stop("seed", "--seed=0.5", Number.isInteger);
  if (values.bootstrap !== undefined && !refused(values.bootstrap, (v) => v > 20)) return undefined;
  const cells = [values.grid ?? []]
    .flat()
    .flatMap((item) => String(item).split(","))
    .map((item) => parseDecimal(item.split(":")[2] ?? "", sizeSuffixes))
    .reduce<number>((product, count) => product * (typeof count === "number" ? Math.max(count, 1) : 1), 1);
  if (cells > 1000) return undefined;
  if (name === "optimize" && values.steps !== undefined && !refused(values.steps, (v) => v > 1000))
    return undefined;
  if (name === "fit" && values.bootstrap === undefined) {
    if (values.intervals === undefined) return [name, "--intervals=none", ...rest];
    if (values.intervals === "bootstrap") return [name, "--bootstrap=20", ...rest];
  }
  if (name === "report" && values.bootstrap === undefined) return [name, "--bootstrap=20", ...rest];
  return argv;
}

/** A seeded command line: a valid one mutated one to four times, or now and then one made of junk. */
function commandLine(): string[] {
  if (chance(0.01))
    return Array.from({ length: int(4) }, () => (chance(0.5) ? odd() : optionToken(undefined)));
  const argv = template();
  const count = 1 + int(4);
  for (let i = 0; i < count; i++) mutate(argv);
  return argv;
}

const stackFrame = /\n\s+at \S/;

test(`${commandLines} seeded command lines of every command: exit 0 or 1, one line on stderr for 1, no stack trace`, async (t) => {
  const failures: { severity: number; text: string }[] = [];
  const codes = new Map<number, number>();
  const byCommand = new Map<string, { count: number; ms: number }>();
  let slowest = { ms: 0, argv: [] as string[] };
  const writes = process.stderr.write;
  const started = performance.now();
  process.chdir(dir);
  try {
    let done = 0;
    while (done < commandLines) {
      const argv = cheap(commandLine());
      if (!argv) continue;
      done++;
      const begun = performance.now();
      // Anything written to the process's own stderr (a warning, a stray console.error) is caught too.
      let stray = "";
      process.stderr.write = ((chunk: string | Uint8Array) => {
        stray += String(chunk);
        return true;
      }) as typeof process.stderr.write;
      let run;
      try {
        run = await cli(argv);
      } catch (error) {
        run = { code: -1, stdout: "", stderr: `main threw: ${(error as Error).stack}` };
      } finally {
        process.stderr.write = writes;
      }
      const ms = performance.now() - begun;
      if (ms > slowest.ms) slowest = { ms, argv };
      const key = argv[0] ?? "";
      const entry = byCommand.get(key) ?? { count: 0, ms: 0 };
      byCommand.set(key, { count: entry.count + 1, ms: entry.ms + ms });
      codes.set(run.code, (codes.get(run.code) ?? 0) + 1);
      const lines = run.stderr.replace(/\n$/, "").split("\n");
      // `scalefit` alone prints the overview on stdout and exits 1.
      const [severity, problem] =
        argv.length === 0 && run.code === 1 && run.stderr === ""
          ? [0]
          : run.code !== 0 && run.code !== 1
            ? [3, `exit ${run.code}`]
            : stackFrame.test(run.stderr) || stackFrame.test(run.stdout) || stackFrame.test(stray)
              ? [2, "a stack trace"]
              : run.code === 1 && (lines.length !== 1 || lines[0] === "" || !run.stderr.endsWith("\n"))
                ? [1, `exit 1 with ${lines.length} lines on stderr`]
                : [0];
      if (problem) {
        // An internal error again, with its stack trace for the report.
        const shown = run.code === 2 ? (await cli(argv, { SCALEFIT_DEBUG: "1" })).stderr : run.stderr;
        failures.push({
          severity,
          text: `${problem}: ${JSON.stringify(argv)}\n${(shown + stray).slice(0, 1500)}`,
        });
      }
    }
  } finally {
    process.chdir(cwd);
  }
  t.diagnostic(
    `${commandLines} command lines in ${((performance.now() - started) / 1000).toFixed(1)} s; exits ${JSON.stringify(Object.fromEntries(codes))}; slowest ${slowest.ms.toFixed(0)} ms: ${JSON.stringify(slowest.argv).slice(0, 300)}`,
  );
  t.diagnostic(
    [...byCommand]
      .filter(([name]) => Object.hasOwn(commands, name))
      .map(([name, { count, ms }]) => `${name} ${count} in ${(ms / 1000).toFixed(1)} s`)
      .join(", "),
  );
  // The worst first: internal errors, then stack traces, then messages of several lines.
  const worst = failures.sort((a, b) => b.severity - a.severity).map((f) => f.text);
  assert.deepEqual(worst.slice(0, 12), [], `${failures.length} failing command lines`);
});

// Formulas: random trees over the inputs, parameters, constants and functions, and junk.
const inputs = ["N", "D", "C", "S", "step", "lr", "tokens", "bits"];
const params = ["E", "A", "B", "alpha", "beta", "a1", "k_2", "phi", "\u00e9", "i"];
const constants = [
  ...["1", "2", "0.5", ".5", "5.", "1e3", "2.5e-3", "1e-400", "0", "e", "pi", "1e308", "6"],
  ...["1e400", "0x10", "0b11", "0o7", "0xffi8", "0x1.8", "1_000", "NaN", "Infinity", "1i", "2 cm"],
];
const junkLeaves = [
  ...["constructor", "__proto__", "toString", "prototype", "valueOf", "true", "null", "undefined"],
  ...['"s"', "'s'", "[N]", "{a: 1}", "N.x", "A[1]", "#", "@", "$", "?", "end", "", "."],
];
const functions = ["exp", "log", "log10", "log2", "sqrt", "cbrt", "abs", "sin", "cos", "tan", "tanh"];
const junkFunctions = [
  ...["foo", "gamma", "sec", "sech", "constructor", "__proto__", "toString", "valueOf", "eval", "Function"],
  ...["import", "require", "f", "derivative", "N", "A", "e"],
];
const operators = ["+", "-", "*", "/", "^", "+", "-", "*", "/", "^"];
const junkOperators = [
  ...["%", " mod ", "==", "<", "&", "|", " xor ", " and ", "!", "'", ":", ";", "\n", " ", ",", "=", "**"],
  ...["?", " to ", ".*", "./", "<<", "++", "--"],
];

/** A leaf: an input, a parameter or a constant; with `junk`, now and then anything. */
function leaf(junk: boolean): string {
  const r = int(20);
  if (r < 8) return pick(inputs);
  if (r < 15) return pick(params);
  if (r < 18 || !junk) return pick(junk ? constants : constants.slice(0, 13));
  return pick(junkLeaves);
}

/**
 * A random expression tree of at most `depth` levels: arithmetic and the documented functions, and with
 * `junk` also unknown functions and operators, calls of the wrong arity and long sums or products.
 */
function expression(depth: number, junk: boolean): string {
  if (depth <= 0 || chance(0.25)) return leaf(junk);
  const r = int(junk ? 20 : 17);
  const sub = () => expression(depth - 1, junk);
  if (r < 9) return `${sub()}${pick(operators)}${sub()}`;
  if (r < 11) return `-${sub()}`;
  if (r < 15) return `${pick(functions)}(${sub()})`;
  if (r < 17) return `(${sub()})`;
  if (r < 18) return `${sub()}${pick(junkOperators)}${sub()}`;
  if (r < 19) {
    const args = Array.from({ length: int(3) }, sub);
    return `${chance(0.5) ? pick(junkFunctions) : pick(functions)}(${args.join(", ")})`;
  }
  // A long sum or product of leaves.
  return Array.from({ length: 2 + int(18) }, () => leaf(junk)).join(pick(["+", "*", "-", "/"]));
}

/** A seeded formula: a random tree, sometimes deeply nested, a tower, or mutated as text. */
function formula(): string {
  const r = int(40);
  let text: string;
  if (r === 0) text = `${"(".repeat(40 + int(40))}N${")".repeat(40 + int(40))}*A`;
  else if (r === 1) text = Array.from({ length: 2 + int(30) }, () => pick([...inputs, ...params])).join("^");
  else if (r === 2) text = `E + A*${"-".repeat(int(80))}N`;
  else if (r === 3) text = pick(["", " ", "\n", "()", "(", ")", "N", "A", "0x10", "toString(N)", "N^1e400"]);
  else if (r === 4) text = `E + A/N^alpha + ${"x".repeat(int(2) ? 20 : 10_001)}`;
  else {
    // Mostly inside a term with an input and a parameter, so that most trees are formulas of a law.
    const tree = expression(1 + int(6), chance(0.4));
    text = pick([tree, `E + ${tree}`, `(${tree})*A/N^alpha`, `A*D^(${tree}) + B`, `${tree} - B/N`]);
  }
  if (chance(0.15)) {
    // Mutated as text: a character dropped, inserted or doubled, or the text cut short.
    const at = int(text.length + 1);
    const m = int(4);
    if (m === 0) text = text.slice(0, at) + text.slice(at + 1);
    else if (m === 1)
      text =
        text.slice(0, at) + pick(["(", ")", "^", ",", "0x", "e", "\u0000", "\u{1F600}"]) + text.slice(at);
    else if (m === 2) text = text.slice(0, at) + text.slice(at - 1);
    else text = text.slice(0, at);
  }
  return text;
}

function formulaOptions(): { inputs?: string[]; log?: string[] } {
  if (!chance(0.2)) return {};
  return {
    ...(chance(0.5)
      ? { inputs: pick([["N"], ["x"], ["N", "D"], ["__proto__"], ["constructor"], ["A"]]) }
      : {}),
    ...(chance(0.5) ? { log: pick([["E"], ["A", "B"], ["zz"], ["constructor"], ["__proto__"], ["N"]]) } : {}),
  };
}

/** Three data points for every input a law reads. */
function dataFor(names: readonly string[]) {
  return {
    inputs: Object.fromEntries(names.map((name) => [name, Float64Array.of(1e8, 3e9, 0.5)])),
    loss: Float64Array.of(3, 2.5, 2),
  };
}

/** Every how many compiled formulas one is also differentiated and evaluated (the derivatives are costly). */
const analysedEvery = 30;

/**
 * What differentiating a compiled formula may refuse: derivatives too large to simplify, or a constant they
 * fold to infinity (`A*N/0`). Anything else (an unknown function in a derivative, a function mathjs cannot
 * differentiate) means an allowed formula cannot be fitted.
 */
const refusedDerivatives =
  /is too costly to differentiate|^unsupported constant (Infinity|-Infinity|NaN) in formula$|its derivative is complex/;

test(`${formulaCount} seeded formulas: each compiles or throws a UserError of one line`, async (t) => {
  random = randomSource(16);
  const failures: string[] = [];
  let compiled = 0;
  let differentiated = 0;
  let slowest = { ms: 0, text: "" };
  const started = performance.now();
  const check = (text: string, stage: string, error: unknown, allowed = /./) => {
    if (!isUserError(error) || /[\r\n]/.test(error.message) || !allowed.test(error.message))
      failures.push(`${stage} ${JSON.stringify(text)}: ${(error as Error)?.stack ?? String(error)}`);
  };
  for (let k = 0; k < formulaCount; k++) {
    const text = formula();
    const begun = performance.now();
    let law;
    try {
      law = await customLaw(text, formulaOptions());
    } catch (error) {
      check(text, "customLaw", error);
      continue;
    }
    if (++compiled % analysedEvery === 0) {
      differentiated++;
      const p = Object.fromEntries(law.params.map((q, j) => [q.name, 0.3 + 0.1 * j]));
      const x = Object.fromEntries(law.inputs.map((name) => [name, 1e9]));
      const data = dataFor(law.inputs);
      try {
        law.predict(p, x);
        void law.linear;
        law.gradient!(p, x);
        law.evaluate!(p, data, new Float64Array(3));
        law.jacobian!(
          p,
          data,
          law.params.map(() => new Float64Array(3)),
        );
      } catch (error) {
        check(text, "differentiating", error, refusedDerivatives);
      }
    }
    const ms = performance.now() - begun;
    if (ms > slowest.ms) slowest = { ms, text };
  }
  t.diagnostic(
    `${formulaCount} formulas in ${((performance.now() - started) / 1000).toFixed(1)} s: ${compiled} compiled, ${differentiated} differentiated and evaluated; slowest ${slowest.ms.toFixed(0)} ms: ${JSON.stringify(slowest.text.slice(0, 100))}`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failing formulas`);
});

test("a formula's hex, binary and octal constants are refused, naming the literal", async () => {
  for (const [text, literal] of [
    ["E + A/N^0x10", "0x10"],
    ["E + 0b11*A/N^alpha", "0b11"],
    ["E + A*N^0o7", "0o7"],
    ["E + A/N^alpha + 0xffi8", "0xffi8"],
  ] as const) {
    await assert.rejects(customLaw(text), (error: Error) => {
      assert.ok(isUserError(error), String(error));
      assert.match(error.message, new RegExp(`\\b${literal} is not a decimal number`));
      return true;
    });
  }
  // Names that merely contain such a text are symbols, as mathjs reads them.
  const law = await customLaw("E + a0x1/N^alpha");
  assert.deepEqual(
    law.params.map((p) => p.name),
    ["E", "a0x1", "alpha"],
  );
});
