import assert from "node:assert/strict";
import { test } from "node:test";
import { loadObservations } from "../../../src/data/loadObservations.js";
import { chinchillaDataPath } from "../../../src/demo.js";
import { UserError } from "../../../src/errors.js";
import { fitLaw } from "../../../src/fit/fitLaw.js";
import { chinchilla } from "../../../src/fit/laws/chinchilla.js";
import { customLaw } from "../../../src/fit/laws/custom.js";
import { epochData } from "../../_epoch.js";
import { checkGradient } from "../../_lawChecks.js";

test("customLaw finds inputs, parameters, linear parameters and exponents of a formula", async () => {
  const law = await customLaw("E + A/N^alpha + B/D^beta");
  assert.deepEqual(law.inputs, ["N", "D"]);
  assert.deepEqual(
    law.params.map((p) => p.name),
    ["E", "A", "alpha", "B", "beta"],
  );
  assert.deepEqual(law.linear, ["E", "A", "B"]);
  assert.ok(law.params.find((p) => p.name === "alpha")!.grid!.length > 10);
  const kaplanLike = await customLaw("(Nc/N)^aN + (Sc/S)^aS");
  assert.deepEqual(kaplanLike.linear, []);
});

test("customLaw's symbolic gradient matches central differences", async () => {
  const law = await customLaw("L0 + A*exp(-k*sqrt(N)) + log(1 + C/D)^2 / c", { inputs: ["N", "D"] });
  checkGradient(law, { L0: 1.5, A: 2, k: 0.01, C: 1e3, c: 4 }, [
    { N: 10, D: 100 },
    { N: 2500, D: 7 },
  ]);
});

test("a custom formula equal to chinchilla fits Epoch's data exactly as the built-in law", async () => {
  const custom = await customLaw("E + A/N^alpha + B/D^beta", {
    log: ["E", "A", "B"],
    params: { alpha: { min: 0 }, beta: { min: 0 } },
  });
  // The fit runs through the compiled columns (columnProgram), as the built-in law's does.
  assert.ok(custom.evaluate && custom.jacobian);
  const data = epochData();
  const a = fitLaw(custom, data, { intervals: "none" });
  const b = fitLaw(chinchilla, data, { intervals: "none" });
  assert.ok(Math.abs(a.objective / b.objective - 1) < 1e-9, `${a.objective} vs ${b.objective}`);
  for (const name of ["E", "A", "B", "alpha", "beta"])
    assert.ok(Math.abs(a.params[name]! / b.params[name]! - 1) < 1e-5, name);
});

test("fitLaw(customLaw(chinchilla's formula), data/chinchilla/epoch.csv) with default specs reaches chinchilla's objective", async () => {
  // All 245 rows of the file, as `scalefit fit --law custom --formula ... --data data/chinchilla/epoch.csv` reads
  // them; both objectives were 0.0018260105230693 there (scalefit 0.1.0, whole-process runs of either law).
  const custom = await customLaw("E + A/N^alpha + B/D^beta");
  const data = loadObservations(chinchillaDataPath, custom).observations;
  const a = fitLaw(custom, data, { intervals: "none" });
  const b = fitLaw(chinchilla, data, { intervals: "none" });
  assert.ok(Math.abs(a.objective / b.objective - 1) < 1e-9, `${a.objective} vs ${b.objective}`);
  assert.ok(Math.abs(b.objective / 0.0018260105230693 - 1) < 1e-9, `${b.objective}`);
});

test("customLaw rejects what it cannot compile, with a message naming it (and never evaluates code)", async () => {
  const cases: [string, RegExp, object?][] = [
    ["E + A/(N^", /invalid formula "E \+ A\/\(N\^": Unexpected end of expression/],
    ["E + foo(N)", /unknown function foo in formula/],
    ["A + B", /uses no input/],
    ["N^2", /has no parameter to fit/],
    ["E + A*N > 2", /unsupported operator > in formula/],
    ["f(x) = x", /unsupported expression/],
    ["process.exit(1) + N", /unsupported expression|unknown/],
    ["E + A/N^alpha", /unknown parameter B: formula/, { log: ["B"] }],
  ];
  for (const [formula, message, options] of cases) {
    await assert.rejects(
      customLaw(formula, options ?? {}),
      (e: unknown) => e instanceof UserError && message.test(e.message),
      formula,
    );
  }
  // Found by test/cli/fuzz.test.ts: mathjs folds log(-4) into a complex number when differentiating (-4)^phi.
  const complex = await customLaw("E + A/N^alpha * (1-5)^phi");
  assert.throws(
    () => complex.linear,
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        'cannot differentiate formula "E + A/N^alpha * (1-5)^phi" with respect to phi: its derivative is complex (a negative number raised to a power, or the logarithm or root of one)',
  );
});

test("--map renames a column to any input a custom formula declares (--inputs size)", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { runCli } = await import("../../_cli.js");
  const dir = mkdtempSync(join(tmpdir(), "scalefit-map-"));
  try {
    // Exact E + A·size^−a with E 2, A 300, a 0.3 at five sizes (known parameters).
    const rows = [1e8, 2e8, 4e8, 8e8, 1.6e9].map((n) => `${n},${2 + 300 * n ** -0.3}`);
    const file = join(dir, "m.csv");
    writeFileSync(file, ["params,val", ...rows].join("\n") + "\n");
    const args = ["fit", "--law", "custom", "--formula", "E + A*size^-a", "--log", "A", "--data", file];
    const run = await runCli(
      ...args,
      "--inputs",
      "size",
      "--map",
      "size=params,loss=val",
      "--intervals",
      "none",
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    const fit = JSON.parse(run.stdout);
    assert.ok(Math.abs(fit.params.a - 0.3) < 1e-6, `a ${fit.params.a}`);
    const refused = await runCli(...args, "--inputs", "size", "--map", "width=params,loss=val");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unknown --map target width \(the law's inputs: size; roles: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
