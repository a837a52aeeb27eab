/**
 * Property tests with seeded generated inputs: the CSV/TSV and JSONL readers give back exactly the cells and
 * line numbers that were written, and import → export (CSV, Parquet, Arrow) → import keeps every run, its
 * metadata and every point bit for bit.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readTable } from "../../src/data/readTable.js";
import { randomSource, type RandomSource } from "../../src/random.js";
import { openStore, rows } from "../../src/store/duckdb.js";
import { exportTable } from "../../src/store/exportTable.js";
import { importFiles } from "../../src/store/importFiles.js";
import { scratch } from "../_store.js";

const pick = <T>(random: RandomSource, items: readonly T[]): T => items[random.int(items.length)]!;
const chance = (random: RandomSource, p: number) => random.uniform() < p;

/** A double in any of the ways people write numbers: integers, decimals, exponents, negative, tiny, huge. */
function randomNumber(random: RandomSource): number {
  switch (random.int(5)) {
    case 0:
      return random.int(100000) - 50000;
    case 1:
      return Math.round((random.uniform() - 0.5) * 1e6) / 1000;
    case 2:
      return (random.uniform() + 0.01) * 10 ** (random.int(40) - 20);
    case 3:
      return -random.uniform() * 10 ** (random.int(10) - 5);
    default:
      return random.uniform();
  }
}

/** Text with the characters that break naive CSV writers and readers. */
function randomText(random: RandomSource, { edges = true } = {}): string {
  const alphabet = [
    "a",
    "b",
    "Z",
    "7",
    "_",
    "-",
    "/",
    ".",
    "é",
    "π",
    "東",
    "🙂",
    ",",
    '"',
    "'",
    ";",
    "\t",
    "\n",
    " ",
    "\r\n",
  ];
  const length = 1 + random.int(8);
  let text = "";
  for (let i = 0; i < length; i++)
    text += chance(random, 0.6) ? pick(random, alphabet.slice(0, 10)) : pick(random, alphabet);
  if (!edges) text = text.trim();
  return text === "" ? "x" : text;
}

/** A CSV/TSV cell as a careful writer puts it: quoted when it holds the delimiter, quotes, line breaks or edge spaces. */
function csvCell(value: string, delimiter: string): string {
  const needs = value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim();
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}

function numberText(random: RandomSource, x: number): string {
  if (!Number.isInteger(x) && chance(random, 0.3)) return x.toExponential();
  return String(x);
}

test("CSV and TSV: 300 generated files (quoting, line breaks in cells, CRLF, BOM, blank lines) read back cell for cell and line for line", () => {
  const { dir } = scratch("prop-csv");
  const random = randomSource(20261127);
  for (let k = 0; k < 300; k++) {
    const delimiter = chance(random, 0.7) ? "," : "\t";
    const newline = chance(random, 0.5) ? "\n" : "\r\n";
    const width = 1 + random.int(6);
    const columns: string[] = [];
    while (columns.length < width) {
      const name = `${pick(random, ["loss", "step", "N", "run", "col", "x y", "a,b", 'q"t'])}${columns.length}`;
      columns.push(name);
    }
    const height = 1 + random.int(25);
    const expected: Record<string, (string | undefined)[]> = Object.fromEntries(columns.map((c) => [c, []]));
    const lines: number[] = [];
    let text = chance(random, 0.2) ? "\uFEFF" : "";
    text += columns.map((c) => csvCell(c, delimiter)).join(delimiter) + newline;
    let line = 2;
    for (let r = 0; r < height; r++) {
      while (chance(random, 0.1)) {
        text += newline;
        line++;
      }
      const cells = columns.map((): string | undefined => {
        const kind = random.int(4);
        if (kind === 0) return undefined;
        if (kind === 1) return randomText(random);
        return numberText(random, randomNumber(random));
      });
      // A row whose every cell is empty is a blank line to the reader: give it one value.
      if (!cells.some((c) => c !== undefined)) cells[0] = "0";
      cells.forEach((cell, c) => expected[columns[c]!]!.push(cell));
      lines.push(line);
      const written = cells
        .map((cell) => (cell === undefined ? "" : csvCell(cell, delimiter)))
        .join(delimiter);
      text += written;
      line += 1 + (written.match(/\r\n|\r|\n/g)?.length ?? 0);
      if (r < height - 1 || chance(random, 0.7)) text += newline;
    }
    const file = join(dir, `t${k}.${delimiter === "," ? "csv" : "tsv"}`);
    writeFileSync(file, text);
    const table = readTable(file);
    assert.deepEqual(table.columns, columns, `case ${k}: columns`);
    assert.deepEqual(table.lines, lines, `case ${k}: line numbers`);
    for (const c of columns) assert.deepEqual(table.cells[c], expected[c], `case ${k}: column ${c}`);
  }
});

test("JSONL: 300 generated files (missing keys, nulls, numbers and strings, blank lines, CRLF) read back cell for cell", () => {
  const { dir } = scratch("prop-jsonl");
  const random = randomSource(42);
  for (let k = 0; k < 300; k++) {
    const keys = Array.from(
      { length: 1 + random.int(5) },
      (_, i) => `${pick(random, ["loss", "step", "run", "N", 'weird key,"x"', "é"])}${i}`,
    );
    const newline = chance(random, 0.5) ? "\n" : "\r\n";
    const columns: string[] = [];
    const records: Record<string, unknown>[] = [];
    const lines: number[] = [];
    let text = "";
    let line = 1;
    const height = 1 + random.int(20);
    for (let r = 0; r < height; r++) {
      while (chance(random, 0.1)) {
        text += newline;
        line++;
      }
      const record: Record<string, unknown> = {};
      for (const key of keys) {
        const kind = random.int(5);
        if (kind === 0) continue;
        record[key] = kind === 1 ? null : kind === 2 ? randomText(random) : randomNumber(random);
      }
      for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
      records.push(record);
      lines.push(line);
      text += JSON.stringify(record) + newline;
      line++;
    }
    if (columns.length === 0) continue;
    const file = join(dir, `t${k}.jsonl`);
    writeFileSync(file, text);
    const table = readTable(file);
    assert.deepEqual(table.columns, columns, `case ${k}: columns`);
    assert.deepEqual(table.lines, lines, `case ${k}: line numbers`);
    for (const c of columns) {
      const want = records.map((record) => {
        const v = record[c];
        return v === null || v === undefined || v === "" ? undefined : v;
      });
      assert.deepEqual(table.cells[c], want, `case ${k}: column ${c}`);
    }
  }
});

interface GeneratedRun {
  readonly name: string;
  readonly meta: Record<string, number | string>;
  readonly points: Record<string, number | undefined>[];
}

/** Runs as a training team logs them: increasing steps with gaps, train loss and LR, eval loss now and then. */
function generateRuns(random: RandomSource): GeneratedRun[] {
  const names = new Set<string>();
  while (names.size < 1 + random.int(6)) names.add(randomText(random, { edges: false }));
  return [...names].map((name) => {
    const meta: Record<string, number | string> = {};
    if (chance(random, 0.8)) meta.N = Math.round(10 ** (6 + 3 * random.uniform()));
    if (chance(random, 0.5)) meta.D = (1 + random.uniform()) * 10 ** (8 + random.int(4));
    if (chance(random, 0.5)) meta.kind = pick(random, ["lm", "encdec", "qat", "ab,c", 'q"uote']);
    if (chance(random, 0.3)) meta.B = 2 ** (10 + random.int(10));
    const points: Record<string, number | undefined>[] = [];
    let step = random.int(3);
    const batch = 256 + random.int(4096);
    const withTokens = chance(random, 0.5);
    for (let i = 0, n = 1 + random.int(40); i < n; i++) {
      const hasTrain = chance(random, 0.85);
      points.push({
        step,
        tokens: withTokens ? (step + 1) * batch + random.int(batch) : undefined,
        flops: chance(random, 0.2) ? randomNumber(random) ** 2 + 1 : undefined,
        lr: hasTrain && chance(random, 0.3) ? undefined : random.uniform() * 1e-3,
        train_loss: hasTrain ? 2 + 3 * random.uniform() : undefined,
        eval_loss: chance(random, 0.25) ? 2 + 3 * random.uniform() : undefined,
      });
      step += 1 + random.int(100);
    }
    return { name, meta, points };
  });
}

/** Writes generated runs as CSV or JSONL, rows of all runs interleaved or one run after another. */
function writeRuns(random: RandomSource, runs: GeneratedRun[], file: string): void {
  const metaKeys = [...new Set(runs.flatMap((r) => Object.keys(r.meta)))];
  const pointKeys = ["step", "tokens", "flops", "lr", "train_loss", "eval_loss"];
  const records: Record<string, unknown>[] = runs.flatMap((run) =>
    run.points.map((p) => ({ run: run.name, ...p, ...run.meta })),
  );
  if (chance(random, 0.5)) {
    // Interleave runs (each run's own order kept): the store must not rely on a run's rows being together.
    records.sort((a, b) => (a.step as number) - (b.step as number));
  }
  if (file.endsWith(".jsonl")) {
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    return;
  }
  const header = ["run", ...pointKeys, ...metaKeys];
  const cell = (v: unknown) =>
    v === undefined ? "" : typeof v === "number" ? String(v) : csvCell(String(v), ",");
  writeFileSync(
    file,
    [
      header.join(","),
      ...records.map((r) => header.map((h) => cell((r as Record<string, unknown>)[h])).join(",")),
    ].join("\n") + "\n",
  );
}

/** Everything a store holds about runs and points, by run name (ids may differ between stores). */
async function contents(path: string): Promise<unknown> {
  const store = await openStore(path, { readOnly: true });
  try {
    const runs = await rows(
      store,
      "SELECT name, n, n_nonembedding, ne, nd, d, batch_size, seq_len, peak_lr, schedule, bits, qat_start, seed, backend, kind, status FROM runs ORDER BY name",
    );
    const points = await rows(
      store,
      "SELECT r.name, p.step, p.tokens, p.flops, p.lr, p.train_loss, p.eval_loss FROM points p JOIN runs r USING (run_id) ORDER BY r.name, p.step",
    );
    return { runs, points };
  } finally {
    store.close();
  }
}

test("import → export (CSV, Parquet, Arrow) → import: 8 generated stores come back run for run and point for point", async () => {
  const random = randomSource(7);
  for (let k = 0; k < 8; k++) {
    const { dir, db } = scratch(`prop-roundtrip-${k}`);
    const runs = generateRuns(random);
    const source = join(dir, chance(random, 0.5) ? "runs.csv" : "runs.jsonl");
    writeRuns(random, runs, source);
    const store = await openStore(db("source.duckdb"));
    const [imported] = await importFiles(store, [source]);
    assert.equal(imported!.runsAdded, runs.length, `case ${k}: runs`);
    assert.equal(
      imported!.pointsAdded,
      runs.reduce((n, r) => n + r.points.length, 0),
      `case ${k}: points`,
    );
    store.close();
    const original = await contents(db("source.duckdb"));
    // The stored values are the generated ones, exactly.
    const stored = original as { points: Record<string, unknown>[]; runs: Record<string, unknown>[] };
    const expected: Record<string, unknown>[] = runs
      .flatMap((r) => r.points.map((p) => ({ name: r.name, step: p.step!, point: p })))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.step - b.step))
      .map((e) => ({ name: e.name, ...e.point }));
    stored.points.forEach((p, i) => {
      for (const key of ["step", "tokens", "flops", "lr", "train_loss", "eval_loss"] as const)
        assert.equal(p[key] ?? undefined, expected[i]![key], `case ${k}: point ${i} ${key}`);
    });
    for (const format of ["csv", "parquet", "arrow"]) {
      const exported = join(dir, `points.${format}`);
      const reader = await openStore(db("source.duckdb"), { readOnly: true });
      await exportTable(reader, "points", exported);
      reader.close();
      const copy = await openStore(db(`copy-${format}.duckdb`));
      await importFiles(copy, [exported]);
      copy.close();
      assert.deepEqual(
        await contents(db(`copy-${format}.duckdb`)),
        original,
        `case ${k}: ${format} round trip`,
      );
    }
    // An export imported back into its own store adds nothing: every step is already there, equal.
    const again = await openStore(db("source.duckdb"));
    const [merged] = await importFiles(again, [join(dir, `points.${["csv", "parquet", "arrow"][k % 3]}`)]);
    again.close();
    assert.equal(merged!.pointsAdded, 0, `case ${k}: re-import adds nothing`);
    assert.equal(merged!.runsAdded, 0);
    assert.deepEqual(await contents(db("source.duckdb")), original, `case ${k}: source unchanged`);
  }
});
