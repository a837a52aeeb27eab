import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadObservations } from "../../src/data/loadObservations.js";
import { checkMapTargets, dropHighestLoss, mapColumns, parseMap, tableToObservations } from "../../src/data/observations.js";
import { readTable } from "../../src/data/readTable.js";
import { chinchillaDataPath } from "../../src/demo.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";

const dir = mkdtempSync(join(tmpdir(), "scalefit-data-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("readTable reads the bundled Chinchilla CSV: 245 rows of N, D, loss with their line numbers", () => {
  const table = readTable(chinchillaDataPath);
  assert.deepEqual(table.columns, ["N", "D", "loss"]);
  assert.equal(table.lines.length, 245);
  assert.equal(table.lines[0], 2);
  assert.match(table.digest, /^sha256:[0-9a-f]{64}$/);
});

test("readTable reads TSV and JSONL the same way as CSV", () => {
  const csv = readTable(file("a.csv", "N,D,loss\n1e8,2e9,3.1\n1e9,2e10,2.7\n"));
  const tsv = readTable(file("a.tsv", "N\tD\tloss\n1e8\t2e9\t3.1\n1e9\t2e10\t2.7\n"));
  const jsonl = readTable(file("a.jsonl", '{"N": 1e8, "D": 2e9, "loss": 3.1}\n\n{"N": 1e9, "D": 2e10, "loss": 2.7}\n'));
  for (const table of [csv, tsv, jsonl]) {
    const { observations } = tableToObservations(table, ["N", "D"], "chinchilla");
    assert.deepEqual(Array.from(observations.loss), [3.1, 2.7]);
    assert.deepEqual(Array.from(observations.inputs.N!), [1e8, 1e9]);
  }
  assert.deepEqual(jsonl.lines, [1, 3]);
});

test("tableToObservations derives D = C/(6N) when the file has C and N, and says so", () => {
  const table = readTable(file("c.csv", "N,C,loss\n1e8,6e17,3\n"));
  const { observations, notes } = tableToObservations(table, ["N", "D"], "chinchilla");
  assert.equal(observations.inputs.D![0], 1e9);
  assert.deepEqual(notes.derived, ["D = C / (6 N)"]);
});

test("mapColumns renames columns to roles; parseMap checks the roles", () => {
  const table = mapColumns(readTable(file("m.csv", "params,tokens_seen,val_loss\n1e8,2e9,3\n")), parseMap(["N=params,D=tokens_seen", "loss=val_loss"]));
  const { observations } = tableToObservations(table, ["N", "D"], "chinchilla");
  assert.equal(observations.loss[0], 3);
  // A target is a role or an input the law declares (custom formulas' --inputs); others are refused at load.
  assert.deepEqual(parseMap(["size=params"]), { size: "params" });
  assert.throws(() => checkMapTargets({ size: "params" }, ["N", "D"]), /unknown --map target size \(the law's inputs: N, D; roles: run, N, D/);
  checkMapTargets({ size: "params" }, ["size"]);
  assert.throws(() => parseMap(["1x=params"]), /invalid --map target 1x/);
  assert.throws(() => mapColumns(table, { loss: "nope" }), /--map loss=nope: .*m.csv has no column nope \(columns: params, tokens_seen, val_loss/);
});

test("cells are checked one by one: the message names file, line, column and value", () => {
  const cases: [string, RegExp][] = [
    ["N,D,loss\n1e8,2e9,3\n1e9,2e10,NaN\n", /bad.csv line 3, column loss: NaN is not a finite number/],
    ["N,D,loss\n1e8,2e9,inf\n", /line 2, column loss: "inf" is not a number/],
    ["N,D,loss\n1e8,2e9,Infinity\n", /line 2, column loss: Infinity is not a finite number/],
    ["N,D,loss\n1e8,2e9,0\n", /line 2, column loss: 0 is not positive/],
    ["N,D,loss\n-1e8,2e9,3\n", /line 2, column N: -1e8 is not positive/],
    ["N,D,loss\n1e8,,3\n", /line 2, column D: empty value/],
    ["N,D,loss\n1e8,abc,3\n", /line 2, column D: "abc" is not a number/],
    // Decimal and exponent forms only (issue 16): Number() would read 0x10 as 16 and 0b11 as 3.
    ["N,D,loss\n0x10,2e9,3\n", /line 2, column N: "0x10" is not a number/],
    ["N,D,loss\n1e8,0b11,3\n", /line 2, column D: "0b11" is not a number/],
    ["N,D,loss\n1e8,2e9,1e400\n", /line 2, column loss: 1e400 is not a finite number/],
    ["N,loss\n1e8,3\n", /has no column D: law chinchilla needs N, D, loss \(columns: N, loss; --map D=<column> renames one\)/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => tableToObservations(readTable(file("bad.csv", text)), ["N", "D"], "chinchilla"), message, text);
  }
});

test("malformed files are refused with the file and line", () => {
  assert.throws(() => readTable(file("empty.csv", "")), /empty.csv is empty/);
  assert.throws(() => readTable(file("header.csv", "N,D,loss\n")), /header.csv has no data rows/);
  assert.throws(() => readTable(file("ragged.csv", "N,D,loss\n1,2,3\n4,5\n")), /ragged.csv line 3: malformed CSV/);
  assert.throws(() => readTable(file("dup.csv", "N,N,loss\n1,2,3\n")), /dup.csv line 1: column N appears twice/);
  assert.throws(() => readTable(file("noheader.csv", "1,2,3\n4,5,6\n")), /must be a header/);
  assert.throws(() => readTable(file("bad.jsonl", '{"N": 1}\n{"N": \n')), /bad.jsonl line 2: invalid JSON/);
  assert.throws(() => readTable(file("list.jsonl", "[1, 2]\n")), /list.jsonl line 1: expected a JSON object/);
  assert.throws(() => readTable(file("data.xlsx", "x")), /unsupported data format .xlsx/);
  assert.throws(() => readTable(join(dir, "missing.csv")), /cannot read .*missing.csv: no such file/);
});

test("loadObservations with dropHighest removes the highest losses (Epoch: 245 → 240 points, max loss below 3.6)", () => {
  const { observations, provenance } = loadObservations(chinchillaDataPath, chinchilla, { dropHighest: 5 });
  assert.equal(observations.loss.length, 240);
  assert.equal(provenance.rows, 245);
  const all = loadObservations(chinchillaDataPath, chinchilla).observations;
  const sorted = Array.from(all.loss).sort((a, b) => b - a);
  assert.equal(Math.max(...observations.loss), sorted[5]);
  assert.throws(() => dropHighestLoss(all, 245), /would drop all 245 points/);
});
