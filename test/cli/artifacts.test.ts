/**
 * Hand-edited fit artifacts (issue 16: "11 hand-edited artifacts … give NaN or different intervals with exit
 * 0"): each is refused by `predict` and `optimize` with one line naming the file and the field at fault,
 * checked against the layout `fitToArtifact` writes (src/fit/artifactSchema.ts), whose version a reader
 * also checks. The unedited artifact still predicts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FitArtifact } from "../../src/types.js";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { file } = scratch("artifacts");
const original = file("fit.json", "");
const fitted = await runCli(
  "fit",
  "--law",
  "chinchilla",
  "--data",
  join(root, "data/chinchilla/epoch.csv"),
  "--bootstrap",
  "40",
  "--out",
  original,
);
assert.equal(fitted.code, 0, fitted.stderr);
const artifact = JSON.parse(readFileSync(original, "utf8")) as FitArtifact & Record<string, unknown>;

type Edit = (a: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
const cases: [string, Edit, RegExp][] = [
  ["level 5", (a) => (a.level = 5), /level must be a number between 0 and 1, not 5$/],
  ["level 0", (a) => (a.level = 0), /level must be a number between 0 and 1, not 0$/],
  [
    "draws of unequal length",
    (a) => (a.draws.alpha = a.draws.alpha.slice(0, 20)),
    /draws of alpha have 20 values, others 40$/,
  ],
  [
    "draws as strings",
    (a) => (a.draws.beta = a.draws.beta.map(String)),
    /draws of beta must be numbers \(or null\), found "/,
  ],
  ["a parameter's draws missing", (a) => delete a.draws.B, /draws lack parameter B$/],
  ["draws not an object", (a) => (a.draws = [1, 2]), /draws must be an object$/],
  [
    "identified draws missing a parameter",
    (a) => {
      a.identifiedDraws = { ...a.draws };
      delete a.identifiedDraws.alpha;
    },
    /identifiedDraws lack parameter alpha$/,
  ],
  [
    "an inverted dataRange",
    (a) => (a.dataRange.N = [1e10, 1e8]),
    /dataRange.N must be two finite numbers \[low, high\], not \[10000000000,100000000\]$/,
  ],
  [
    "a dataRange that is text",
    (a) => (a.dataRange.D = "big"),
    /dataRange.D must be two finite numbers \[low, high\], not "big"$/,
  ],
  [
    "options.space unknown",
    (a) => (a.options.space = "cubic"),
    /options.space must be log or linear, not "cubic"$/,
  ],
  [
    "options.loss unknown",
    (a) => (a.options.loss = "bogus"),
    /options.loss must be one of linear, huber, softL1, cauchy, not "bogus"$/,
  ],
  ["alpha = -5", (a) => (a.params.alpha = -5), /parameter alpha = -5 is below its bound 0$/],
  [
    "E = -1",
    (a) => (a.params.E = -1),
    /parameter E = -1 must not be negative \(it is fitted as a logarithm\)$/,
  ],
  ["residuals as text", (a) => (a.residuals = ["x"]), /residuals must be an array of numbers$/],
  [
    "an interval of one number",
    (a) => (a.intervals.E = [1]),
    /the interval of E must be two numbers \[low, high\]$/,
  ],
  [
    "a newer artifact version",
    (a) => (a.artifactVersion = 99),
    /artifact version 99, written by a newer scalefit; this one reads up to version 1$/,
  ],
  [
    "artifactVersion 0",
    (a) => (a.artifactVersion = 0),
    /artifactVersion must be a whole number from 1, not 0$/,
  ],
];

test("the artifact carries its layout version", () => {
  assert.equal(artifact.artifactVersion, 1);
});

for (const [name, edit, message] of cases) {
  test(`an artifact with ${name}: predict and optimize exit 1 with one line naming the file and field`, async () => {
    const edited = structuredClone(artifact);
    edit(edited);
    const path = file(`${name.replace(/\W+/g, "-")}.json`, JSON.stringify(edited));
    for (const argv of [
      ["predict", "--fit", path, "--at", "N=7e10,D=1.4e12"],
      ["optimize", "--fit", path, "--compute", "5.76e23"],
    ]) {
      const run = await runCli(...argv);
      assert.equal(run.code, 1, `${argv[0]}: exit ${run.code} ${run.stdout}${run.stderr}`);
      assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
      assert.ok(run.stderr.includes(path), run.stderr);
      assert.match(run.stderr.trimEnd(), message);
    }
  });
}

test("alpha = 0 predicts (A N^0 is a constant) but has no compute-optimal allocation: one line", async () => {
  const edited = structuredClone(artifact) as Record<string, unknown>;
  edited.params = { ...artifact.params, alpha: 0 };
  const path = file("alpha0.json", JSON.stringify(edited));
  assert.equal((await runCli("predict", "--fit", path, "--at", "N=7e10,D=1.4e12")).code, 0);
  const run = await runCli("optimize", "--fit", path, "--compute", "5.76e23");
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stderr, /alpha = 0, .*\) give no compute-optimal allocation at C = 5.76e\+23\n$/);
});

test("the unedited artifact predicts and optimizes", async () => {
  for (const argv of [
    ["predict", "--fit", original, "--at", "N=7e10,D=1.4e12"],
    ["optimize", "--fit", original, "--compute", "5.76e23"],
  ])
    assert.equal((await runCli(...argv)).code, 0);
});

test("report --fit of a covariance fit whose intervals have no ends (7 points, 5 parameters): the report is written", async () => {
  const { db: store, file: write, dir } = scratch("artifacts-report");
  const data = write(
    "seven.csv",
    "N,D,loss\n1e8,2e9,3.2\n3e8,6e9,2.9\n1e9,2e10,2.6\n3e9,6e10,2.4\n1e10,2e11,2.25\n2e8,1e10,2.95\n5e8,4e9,2.85\n",
  );
  const out = join(dir, "fit.json");
  assert.equal(
    (await runCli("fit", "--law", "chinchilla", "--data", data, "--intervals", "covariance", "--out", out))
      .code,
    0,
  );
  assert.equal((await runCli("import", "--db", store(), data)).code, 0);
  const run = await runCli("report", "--db", store(), "--fit", out, "--out", join(dir, "report"));
  assert.equal(run.code, 0, run.stderr);
});
