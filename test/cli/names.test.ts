/**
 * Names users give are looked up among a table's own keys only (issue 16): a command, law, parameter, column,
 * formula symbol, `--where` field or `--set` key named after a JavaScript built-in (`constructor`,
 * `__proto__`, `toString`, …) is refused in one line with exit 1, never reaches the built-in.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasOwnName, isBuiltinName, ownEntry } from "../../src/names.js";
import { runCli } from "../_cli.js";

const dir = mkdtempSync(join(tmpdir(), "scalefit-names-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rows =
  "1e8,2e9,3.2\n3e8,6e9,2.9\n1e9,2e10,2.6\n3e9,6e10,2.4\n1e10,2e11,2.25\n2e8,1e10,2.95\n5e8,4e9,2.85\n";
const good = file("good.csv", `N,D,loss\n${rows}`);
const params = "law chinchilla has E, A, B, alpha, beta";

/** Writes a fit artifact: the fit of `good.csv` by chinchilla with some fields replaced. */
async function artifact(name: string, replace: Record<string, unknown>): Promise<string> {
  const out = join(dir, `${name}.base.json`);
  const fit = await runCli("fit", "--law", "chinchilla", "--data", good, "--intervals", "none", "--out", out);
  assert.equal(fit.code, 0, fit.stderr);
  return file(`${name}.json`, JSON.stringify({ ...JSON.parse(readFileSync(out, "utf8")), ...replace }));
}

/** Asserts exit 1, one line on stderr matching `message`, no stack and nothing on stdout. */
function assertRefused(run: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(run.code, 1, `exit ${run.code}; stderr: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
  assert.equal(run.stdout, "");
}

const custom = (formula: string) => ["fit", "--law", "custom", "--formula", formula, "--data", good];

/** Each case: its name, the arguments, the one line expected on stderr. */
const cases: [string, string[], RegExp][] = [
  [
    "command constructor",
    ["constructor"],
    /^scalefit: unknown command constructor \(commands: fit, predict, /,
  ],
  ["command __proto__", ["__proto__"], /^scalefit: unknown command __proto__ \(commands: fit, /],
  ["command toString", ["toString"], /^scalefit: unknown command toString \(commands: fit, /],
  ["command hasOwnProperty", ["hasOwnProperty"], /^scalefit: unknown command hasOwnProperty \(commands: /],
  [
    "--law constructor",
    ["fit", "--law", "constructor", "--data", good],
    /^scalefit fit: unknown law: constructor \(expected one of power, chinchilla, /,
  ],
  [
    "--law __proto__",
    ["fit", "--law", "__proto__", "--data", good],
    /^scalefit fit: unknown law: __proto__ \(expected one of /,
  ],
  [
    "--laws with constructor",
    ["compare", "--laws", "chinchilla,constructor", "--data", good],
    /^scalefit compare: unknown law: constructor \(expected one of /,
  ],
  [
    "--bounds __proto__",
    ["fit", "--law", "chinchilla", "--data", good, "--bounds", "__proto__=0:1"],
    new RegExp(`^scalefit fit: unknown parameter __proto__ in --bounds: ${params}$`, "m"),
  ],
  [
    "--bounds constructor",
    ["fit", "--law", "chinchilla", "--data", good, "--bounds", "constructor=0:1"],
    new RegExp(`unknown parameter constructor in --bounds: ${params}`),
  ],
  [
    "--init toString",
    ["fit", "--law", "chinchilla", "--data", good, "--init", "toString=1"],
    new RegExp(`^scalefit fit: unknown parameter toString in --init: ${params}$`, "m"),
  ],
  [
    "--fix __proto__",
    ["fit", "--law", "chinchilla", "--data", good, "--fix", "__proto__=1"],
    new RegExp(`unknown parameter __proto__ in --fix: ${params}`),
  ],
  [
    "--grid constructor",
    ["fit", "--law", "chinchilla", "--data", good, "--grid", "constructor=0.1:1:3"],
    new RegExp(`unknown parameter constructor in --grid: ${params}`),
  ],
  [
    "--log valueOf",
    ["fit", "--law", "chinchilla", "--data", good, "--log", "valueOf"],
    new RegExp(`unknown parameter valueOf in --log: ${params}`),
  ],
  [
    "--bounds __proto__ in compare",
    ["compare", "--laws", "chinchilla,kaplan", "--data", good, "--bounds", "__proto__=0:1"],
    /unknown parameter __proto__ in --bounds: law chinchilla has/,
  ],
  [
    "--map __proto__",
    ["fit", "--law", "chinchilla", "--data", good, "--map", "__proto__=N"],
    /^scalefit fit: unknown --map target __proto__ \(the law's inputs: N, D; roles: /,
  ],
  [
    "--map constructor",
    ["fit", "--law", "chinchilla", "--data", good, "--map", "constructor=N"],
    /unknown --map target constructor/,
  ],
  [
    "formula symbol constructor",
    custom("E + A/N^alpha + constructor"),
    /^scalefit fit: unknown symbol constructor in formula "E \+ A\/N\^alpha \+ constructor" \(a JavaScript built-in name/,
  ],
  [
    "formula symbol __proto__",
    custom("E + A/N^__proto__"),
    /unknown symbol __proto__ in formula "E \+ A\/N\^__proto__"/,
  ],
  ["formula symbol valueOf", custom("valueOf + A/N^alpha"), /unknown symbol valueOf in formula/],
  [
    "formula function toString",
    custom("E + A/N^alpha + toString(N)"),
    /^scalefit fit: unknown function toString in formula \(allowed: exp, log, /,
  ],
  [
    "formula function hasOwnProperty",
    custom("E + A/N^alpha + hasOwnProperty(N)"),
    /unknown function hasOwnProperty in formula \(allowed: exp, /,
  ],
  ["formula function constructor", custom("E + A*constructor(N)"), /unknown function constructor in formula/],
];

for (const [name, argv, message] of cases) {
  test(`${name}: exit 1 and one line naming the name`, async () => {
    assertRefused(await runCli(...argv), message);
  });
}

test("a refused parameter name leaves Object.prototype as it was", async () => {
  const given = [
    ["--bounds", "__proto__=0:1"],
    ["--grid", "__proto__=0:1:3"],
    ["--init", "__proto__=1"],
    ["--log", "__proto__"],
  ];
  for (const [flag, value] of given) {
    const run = await runCli("fit", "--law", "chinchilla", "--data", good, flag!, value!);
    assert.equal(run.code, 1, run.stderr);
  }
  for (const key of ["min", "max", "grid", "value", "log"]) assert.equal(key in {}, false, key);
});

test('a fit artifact with "law": "__proto__" or "constructor" is refused naming the file', async () => {
  for (const law of ["__proto__", "constructor", "toString"]) {
    const path = await artifact(`law-${law}`, { law });
    const run = await runCli("predict", "--fit", path, "--at", "N=1e9,D=2e10");
    assertRefused(
      run,
      new RegExp(`^scalefit predict: .*law-${law}\\.json: unknown law: ${law} \\(expected one of `),
    );
  }
});

test("a fit artifact whose custom formula uses a built-in name is refused, never evaluated", async () => {
  const path = await artifact("formula-constructor", {
    law: "custom",
    formula: "E + A/N^alpha + constructor",
    lawSpec: { formula: "E + A/N^alpha + constructor", inputs: ["N"], log: [] },
    params: { E: 1.7, A: 400, alpha: 0.3, constructor: 1 },
  });
  const run = await runCli("predict", "--fit", path, "--at", "N=1e9");
  assertRefused(
    run,
    /formula-constructor\.json: unknown symbol constructor in formula "E \+ A\/N\^alpha \+ constructor"/,
  );
  const called = await artifact("formula-tostring", {
    law: "custom",
    lawSpec: { formula: "E + A/N^alpha + toString(N)" },
  });
  assertRefused(
    await runCli("predict", "--fit", called, "--at", "N=1e9"),
    /formula-tostring\.json: unknown function toString in formula/,
  );
});

test("predict --at refuses an input named after a built-in", async () => {
  const path = await artifact("plain", {});
  for (const name of ["__proto__", "constructor"])
    assertRefused(
      await runCli("predict", "--fit", path, "--at", `N=1e9,D=2e10,${name}=1`),
      new RegExp(`--at N=1e9,D=2e10,${name}=1: law chinchilla has no input ${name} \\(inputs: N, D\\)`),
    );
});

test("--where constructor=1 and import --set __proto__=1 are refused in one line", async () => {
  const db = join(dir, "runs.duckdb");
  const imported = await runCli("import", "--db", db, good);
  assert.equal(imported.code, 0, imported.stderr);
  for (const field of ["constructor", "toString"]) {
    assertRefused(
      await runCli("runs", "--db", db, "--where", `${field}=1`),
      new RegExp(`^scalefit runs: invalid --where ${field}=1: unknown field ${field} \\(fields: run, kind, `),
    );
  }
  assertRefused(
    await runCli("fit", "--law", "chinchilla", "--db", db, "--where", "constructor=1"),
    /^scalefit fit: invalid --where constructor=1: unknown field constructor/,
  );
  for (const key of ["__proto__", "constructor"]) {
    const other = file(`set-${key}.csv`, `N,D,loss\n${rows.replace(/3\.2/, "3.3")}`);
    assertRefused(
      await runCli("import", "--db", db, other, "--set", `${key}=1`),
      new RegExp(`^scalefit import: --set for .*set-${key}\\.csv: unknown run metadata ${key} \\(known: N, `),
    );
  }
});

test("legitimate names still work: --law chinchilla, --bounds alpha=0:2, a custom formula with exp and log", async () => {
  const out = join(dir, "custom.json");
  const fit = await runCli(
    "fit",
    "--law",
    "chinchilla",
    "--data",
    good,
    "--bounds",
    "alpha=0:2",
    "--intervals",
    "none",
    "--json",
  );
  assert.equal(fit.code, 0, fit.stderr);
  const doc = JSON.parse(fit.stdout) as { law: string; params: Record<string, number> };
  assert.equal(doc.law, "chinchilla");
  assert.ok(doc.params.alpha! >= 0 && doc.params.alpha! <= 2, String(doc.params.alpha));
  const initialised = await runCli(
    "fit",
    "--law",
    "chinchilla",
    "--data",
    good,
    "--init",
    "E=1.5",
    "--fix",
    "beta=0.3",
    "--intervals",
    "none",
  );
  assert.equal(initialised.code, 0, initialised.stderr);
  const formula = "exp(E) + A*exp(-alpha*log(N)) + B/D^beta";
  const fitted = await runCli(
    ...custom(formula),
    "--intervals",
    "none",
    "--bounds",
    "alpha=0:2",
    "--out",
    out,
  );
  assert.equal(fitted.code, 0, fitted.stderr);
  const predicted = await runCli("predict", "--fit", out, "--at", "N=1e9,D=2e10", "--json");
  assert.equal(predicted.code, 0, predicted.stderr);
  const loss = (JSON.parse(predicted.stdout) as { predictions: { loss: number }[] }).predictions[0]!.loss;
  assert.equal(typeof loss, "number");
  assert.ok(loss > 2 && loss < 3.5, String(loss));
  const text = await runCli("predict", "--fit", out, "--at", "N=1e9,D=2e10");
  assert.doesNotMatch(text.stdout, /function|native code/);
});

test("names helpers: own keys only", () => {
  const table = { exp: 1 };
  assert.equal(ownEntry(table, "exp"), 1);
  for (const name of ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"]) {
    assert.equal(ownEntry(table, name), undefined, name);
    assert.equal(hasOwnName(table, name), false, name);
    assert.equal(isBuiltinName(name), true, name);
  }
  assert.equal(isBuiltinName("alpha"), false);
  assert.equal(ownEntry(undefined, "exp"), undefined);
  const record: Record<string, number> = Object.fromEntries(new Map([["__proto__", 1]]));
  assert.deepEqual(Object.keys(record), ["__proto__"]);
  assert.equal(ownEntry(record, "__proto__"), 1);
});
