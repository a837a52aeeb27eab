/**
 * Large CSV/TSV/JSONL files (≥ 64 MiB) are read by DuckDB's readers, small ones in JS (csv-parse, JSON.parse). Forcing
 * the DuckDB path on small files (`streamFrom: 0`), both must store the same runs and points and refuse a bad
 * file with the same one-line message naming the same file line (issue 16: "CSV/TSV/JSONL read as streams,
 * in bounded memory, with the same row-level checks and line numbers"). The 1e7-row figure is in
 * `npm run bench` (bench/store.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { randomSource } from "../../src/random.js";
import { openStore, rows } from "../../src/store/duckdb.js";
import { importFiles, type ImportOptions } from "../../src/store/importFiles.js";
import { recordLine } from "../../src/store/recordLine.js";
import { scratch } from "../_store.js";

const { file, db } = scratch("streamed");
let stores = 0;

/** Imports into a fresh store; the error message, or the stored points in a canonical order. */
async function imported(path: string, options: ImportOptions): Promise<{ error?: string; points?: string }> {
  const store = await openStore(db(`s${++stores}.duckdb`));
  try {
    await importFiles(store, [path], options);
    const points = await rows(
      store,
      `SELECT r.name, r.n, r.kind, p.step, p.tokens, p.flops, p.lr, p.train_loss, p.eval_loss
       FROM points p JOIN runs r USING (run_id) ORDER BY r.name, p.step NULLS FIRST`,
    );
    return { points: JSON.stringify(points, (_, v) => (typeof v === "bigint" ? Number(v) : v)) };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    store.close();
  }
}

const lines = (...l: string[]) => l.join("\n") + "\n";
// Each case: a file, options, and the message both readers must give (undefined: it imports).
const cases: [string, string, ImportOptions, RegExp | undefined][] = [
  [
    "curves.csv",
    lines("run,step,tokens,loss,lr", "a,1,4096,3.5,1e-4", "a,2,8192,3.25,2e-4", "b,1,4096,3.6,"),
    {},
    undefined,
  ],
  [
    "final.csv",
    lines("N,D,loss,kind", "1e8,2e9,3.2,lm", " 3e8 , 6e9 , 2.9 ,lm", "1e9,2e10,2.6,"),
    {},
    undefined,
  ],
  ["quoted.csv", lines("run,step,loss", '"a\nb",1,3', '"a\nb",2,2.9', "", "", 'c,1,"2.5"'), {}, undefined],
  ["tabs.tsv", lines("run\tstep\teval_loss", "x y\t1\t3.1", "x y\t5\t2.7"), {}, undefined],
  ["crlf.csv", "run,step,loss\r\na,1,3\r\na,2,2.8\r\n", {}, undefined],
  [
    "mapped.csv",
    lines("name,it,val", "a,1,3", "a,2,2.9"),
    { map: { run: "name", step: "it", loss: "val" } },
    undefined,
  ],
  ["named.csv", lines("step,loss", "1,3", "2,2.9"), { run: "given", lossKind: "eval" }, undefined],
  [
    "signs.csv",
    lines("run,step,loss,lr", "a,1,3,-1e+5"),
    {},
    /signs.csv line 2, column lr: learning rate -100000 is negative/,
  ],
  [
    "nan.csv",
    lines("run,step,loss", "a,1,3", "a,2,NaN"),
    {},
    /^\S+nan.csv line 3, column loss: NaN is not a positive finite loss$/,
  ],
  ["inf.csv", lines("run,step,loss", "a,1,inf"), {}, /inf.csv line 2, column loss: "inf" is not a number$/],
  [
    "infinity.csv",
    lines("run,step,loss", "a,1,Infinity"),
    {},
    /infinity.csv line 2, column loss: Infinity is not a positive finite loss/,
  ],
  ["hex.csv", lines("run,step,loss", "a,0x10,3"), {}, /hex.csv line 2, column step: "0x10" is not a number$/],
  [
    "underscore.csv",
    lines("run,step,loss", "a,1_000,3"),
    {},
    /underscore.csv line 2, column step: "1_000" is not a number$/,
  ],
  [
    "plusminus.csv",
    lines("run,step,loss", "a,1,+-3"),
    {},
    /plusminus.csv line 2, column loss: "\+-3" is not a number$/,
  ],
  [
    "overflow.csv",
    lines("run,step,loss", "a,1,1e400"),
    {},
    /overflow.csv line 2, column loss: Infinity is not a positive finite loss/,
  ],
  [
    "negative.csv",
    lines("run,step,loss", "a,1,3", "", '"b\nc",1,-3'),
    {},
    /negative.csv line 4, column loss: -3 is not a positive finite loss/,
  ],
  [
    "back.csv",
    lines("run,step,loss", '"q\nr",2,3', "", '"q\nr",1,2.9'),
    {},
    /back.csv line 5, column step: step 1 of run q\nr comes after step 2/,
  ],
  [
    "emptyrun.csv",
    lines("run,step,loss", "a,1,3", ",1,3"),
    {},
    /emptyrun.csv line 3, column run: empty value$/,
  ],
  [
    "meta.csv",
    lines("run,step,loss,N", "a,1,3,1e8", "a,2,2.9,2e8"),
    {},
    /meta.csv line 3, column N: run a has N = 100000000 on its first row and 200000000 here/,
  ],
  [
    "units.csv",
    lines("run,step,tokens,loss", "a,100,100,3", "a,200,50,2.9"),
    {},
    /units.csv line 3, column tokens: 50 tokens at step 200: fewer tokens than steps/,
  ],
  ["noloss.csv", lines("run,step,acc", "a,1,3"), {}, /noloss.csv has no loss column/],
  ["both.csv", lines("run,step,loss,train_loss", "a,1,3,3"), {}, /both.csv has both loss and train_loss/],
  [
    "nomap.csv",
    lines("run,step,loss", "a,1,3"),
    { map: { loss: "val" } },
    /--map loss=val: \S+nomap.csv has no column val/,
  ],
  ["twice.csv", lines("run,loss,loss", "a,1,3"), {}, /twice.csv line 1: column loss appears twice/],
  [
    "numbers.csv",
    lines("1,2,3", "a,1,3"),
    {},
    /numbers.csv line 1: the first line must be a header of column names, found numbers/,
  ],
  // JSONL, read by DuckDB's read_json_objects.
  [
    "curves.jsonl",
    lines(
      '{"run": "a", "step": 1, "loss": 3.5, "lr": 1e-4}',
      "",
      '  {"run": "a", "step": "2", "loss": "3.25"}\r',
      '{"step": 1, "run": "b", "loss": 3.6, "lr": null, "N": 1.5e8}',
    ),
    {},
    undefined,
  ],
  [
    "final.jsonl",
    lines('{"N": 1e8, "D": 2e9, "loss": 3.2, "kind": "lm"}', '{"N": "3e8", "D": 6e9, "loss": 2.9}'),
    {},
    undefined,
  ],
  [
    "invalid.jsonl",
    lines('{"run": "a", "step": 1, "loss": 3}', "", '{"run": "a", "step": 2, loss: 2}'),
    {},
    /^\S+invalid.jsonl line 3: invalid JSON \(/,
  ],
  [
    "array.jsonl",
    lines('{"run": "a", "step": 1, "loss": 3}', "[1, 2]"),
    {},
    /array.jsonl line 2: expected a JSON object with one key per column$/,
  ],
  [
    "nested.jsonl",
    lines('{"run": "a", "step": 1, "loss": 3}', '{"run": "a", "step": 2, "loss": {"v": 2}}'),
    {},
    /nested.jsonl line 2, column loss: expected a number or a string, found \{"v":2\}$/,
  ],
  [
    "tight.jsonl",
    lines('{"run":"a","step":1,"loss":3}', '{"run":"a","step":2,"loss":{"v":2}}'),
    {},
    /tight.jsonl line 2, column loss: expected a number or a string, found \{"v":2\}$/,
  ],
  [
    "tab.jsonl",
    lines('{"run":"a","step":1,"loss":3}', '{"run":"a","loss":{}\t,"step":2}'),
    {},
    /tab.jsonl line 2, column loss: expected a number or a string, found \{\}$/,
  ],
  [
    "comma.jsonl",
    lines('{"run":"a","step":1,"loss":3}', '{"run":"a","loss":{"v":2},"step":2}'),
    {},
    /comma.jsonl line 2, column loss: expected a number or a string, found \{"v":2\}$/,
  ],
  [
    "empty.jsonl",
    lines('{"run":"a","step":1,"loss":3}', "{}"),
    {},
    /empty.jsonl line 2, column run: empty value$/,
  ],
  [
    "boolean.jsonl",
    lines('{"run":"a","step":1,"loss":3}', '{"run":"a","step":2,"loss":true}'),
    {},
    /boolean.jsonl line 2, column loss: expected a number or a string, found true$/,
  ],
  // The first column (in order of first appearance) with such a value is named, at its first line.
  [
    "columns.jsonl",
    lines(
      '{"run":"a","step":1,"loss":3}',
      '{"run":"a","step":2,"loss":[3]}',
      '{"run":"a","step":false,"loss":3}',
    ),
    {},
    /columns.jsonl line 3, column step: expected a number or a string, found false$/,
  ],
  [
    "brackets.jsonl",
    lines('{"run":"true [x] {y},","step":1,"loss":3}', '{"run":"false}}","step":2,"loss":2.9}'),
    {},
    undefined,
  ],
  // The first line's keys are only a guess at every line's: a first line that is not JSON, or `{}`.
  [
    "firstbad.jsonl",
    lines("{bad", '{"run":"a","step":1,"loss":3}'),
    {},
    /^\S+firstbad.jsonl line 1: invalid JSON \(/,
  ],
  [
    "firstempty.jsonl",
    lines("{}", '{"run":"a","step":1,"loss":3}', '{"step":2,"loss":2.9,"run":"a"}'),
    {},
    /firstempty.jsonl line 1, column run: empty value$/,
  ],
  [
    "reordered.jsonl",
    lines(
      '{"run":"a","step":1,"loss":3}',
      '{"loss":2.9,"step":2,"run":"a","lr":1e-3}',
      '{"run":"b","step":1,"loss":3.1}',
    ),
    {},
    undefined,
  ],
  [
    "hex.jsonl",
    lines('{"run": "a", "step": "0x10", "loss": 3}'),
    {},
    /hex.jsonl line 1, column step: "0x10" is not a number$/,
  ],
  [
    "nan.jsonl",
    lines("", '{"run": "a", "step": 1, "loss": "NaN"}'),
    {},
    /nan.jsonl line 2, column loss: NaN is not a positive finite loss$/,
  ],
  [
    "blankrun.jsonl",
    lines('{"run": " ", "step": 1, "loss": 3}'),
    {},
    /blankrun.jsonl line 1, column run: empty value$/,
  ],
  [
    "back.jsonl",
    lines('{"run": "a", "step": 2, "loss": 3}', "", '{"run": "a", "step": 1, "loss": 2.9}'),
    {},
    /back.jsonl line 3, column step: step 1 of run a comes after step 2/,
  ],
];

for (const [name, text, options, message] of cases) {
  test(`${name}: the DuckDB reader and the JS reader agree${message ? " on the message" : " on every stored point"}`, async () => {
    const path = file(name, text);
    const js = await imported(path, options);
    const duck = await imported(path, { ...options, streamFrom: 0 });
    if (message) {
      assert.match(js.error ?? "", message, `JS reader: ${js.error}`);
      assert.equal(duck.error, js.error);
    } else {
      assert.equal(js.error, undefined);
      assert.equal(duck.error, undefined);
      assert.equal(duck.points, js.points);
    }
  });
}

// The one difference: a line of spaces only is skipped by the JS reader, refused by DuckDB's (strict mode).
test("a row with too many cells, an unclosed quote or only spaces: one line from each reader, naming the file", async () => {
  for (const text of [
    lines("run,step,loss", "a,1,3", "a,2,2.9,7"),
    lines("run,step,loss", 'a,1,"3'),
    lines("run,step,loss", "a,1,3", "   ", "a,2,2.9"),
  ]) {
    const path = file("ragged.csv", text);
    for (const streamFrom of [undefined, 0]) {
      const { error } = await imported(path, streamFrom === undefined ? {} : { streamFrom });
      if (text.includes("   ") && streamFrom === undefined) {
        assert.equal(error, undefined);
        continue;
      }
      assert.match(error ?? "", /ragged.csv( line \d+)?: malformed CSV \(/, error);
      assert.equal(error!.split("\n").length, 1, error);
    }
  }
});

test("recordLine finds where each of 2000 generated records starts (quoted line breaks, blank lines, CRLF)", () => {
  const random = randomSource(20261202);
  let text = "run,step,loss\r\n";
  let line = 2;
  const starts: number[] = [];
  for (let r = 0; r < 2000; r++) {
    while (random.uniform() < 0.1) {
      text += random.uniform() < 0.5 ? "\n" : "  \r\n";
      line++;
    }
    starts.push(line);
    const broken = random.uniform() < 0.2;
    text += `${broken ? '"a\r\nb"' : "a"},${r},3\n`;
    line += broken ? 2 : 1;
  }
  const path = file("records.csv", text);
  assert.equal(recordLine(path, ",", 0), 1);
  for (const r of [0, 1, 17, 999, 1999])
    assert.equal(recordLine(path, ",", r + 1), starts[r], `record ${r + 1}`);
  assert.equal(recordLine(path, ",", 2001), undefined);
});
