import { basename, extname } from "node:path";
import { UserError } from "../../errors.js";
import { cellNumber } from "../../data/cellNumber.js";
import type { Table } from "../../data/readTable.js";
import { runColumns } from "../schema.js";
import type { StagedRows } from "../staging.js";

/** Which loss a plain `loss` column is. */
export type LossKind = "train" | "eval";

/** Role names that are per-point numbers, and their staging columns. */
export const pointRoles: Record<string, keyof Omit<StagedRows, "sourceRow" | "run" | "meta">> = {
  step: "step",
  tokens: "tokens",
  flops: "flops",
  C: "flops",
  lr: "lr",
  train_loss: "train_loss",
  eval_loss: "eval_loss",
};

/**
 * Staged rows from a table (CSV, TSV, JSONL, or Arrow/Parquet read into columns) whose columns carry roles:
 * `run`, `step`, `tokens`, `flops` (or `C`), `lr`, `loss` (train or eval, per `lossKind`), `train_loss`,
 * `eval_loss`, and run metadata (`N`, `D`, `kind`, `B`, …). Without a `run` column the file is one run
 * named after it — or, when there is no `step` column either (a final-loss table like Chinchilla's), each
 * row is its own run, `<file>-<row>`. Every numeric cell is checked here, naming line and column.
 * @example tableToStaged(readTable("runs.csv"), {lossKind: "train"})
 */
export function tableToStaged(
  table: Table,
  { lossKind = "train", rowWord = "line" }: { lossKind?: LossKind; rowWord?: "line" | "row" } = {},
): StagedRows {
  const n = table.lines.length;
  const has = (name: string) => table.columns.includes(name);
  const stem = basename(table.file, extname(table.file));
  const target = lossTarget(table.file, table.columns, lossKind);
  const where = (i: number, column: string) => `${table.file} ${rowWord} ${table.lines[i]}, column ${column}`;
  const numbers = (column: string): Float64Array => {
    const out = new Float64Array(n).fill(NaN);
    if (!has(column)) return out;
    const cells = table.cells[column]!;
    for (let i = 0; i < n; i++) {
      const cell = cells[i];
      if (cell !== undefined) out[i] = stagedNumber(cell, column, () => where(i, column));
    }
    return out;
  };
  const columns: Record<string, Float64Array> = {};
  for (const column of ["step", "tokens", "flops", "lr", "train_loss", "eval_loss"])
    columns[column] = new Float64Array(n).fill(NaN);
  for (const [role, column] of Object.entries(pointRoles)) if (has(role)) columns[column] = numbers(role);
  if (has("loss")) columns[target] = numbers("loss");
  const meta: Record<string, (number | string | undefined)[]> = {};
  for (const [column, spec] of Object.entries(runColumns)) {
    if (!has(spec.role)) continue;
    if (spec.type === "VARCHAR")
      meta[column] = table.cells[spec.role]!.map((v) => (v === undefined ? undefined : String(v)));
    else meta[column] = Array.from(numbers(spec.role), (v) => (Number.isNaN(v) ? undefined : v));
  }
  let run: string[];
  if (has("run")) {
    run = table.cells.run!.map((v, i) => {
      if (v === undefined || String(v).trim() === "") throw new UserError(`${where(i, "run")}: empty value`);
      return String(v);
    });
  } else if (has("step")) run = new Array<string>(n).fill(stem);
  else run = Array.from({ length: n }, (_, i) => `${stem}-${i + 1}`);
  return {
    sourceRow: Float64Array.from(table.lines),
    run,
    step: columns.step!,
    tokens: columns.tokens!,
    flops: columns.flops!,
    lr: columns.lr!,
    train_loss: columns.train_loss!,
    eval_loss: columns.eval_loss!,
    meta,
  };
}

/**
 * The staging column a plain `loss` column fills (`train_loss`, or `eval_loss` for eval losses), once the
 * columns are checked: some loss (or a learning rate) is there, and not both `loss` and that column.
 * @example lossTarget("runs.csv", ["run", "step", "loss"], "train") // "train_loss"
 */
export function lossTarget(
  file: string,
  columns: readonly string[],
  lossKind: LossKind,
): "train_loss" | "eval_loss" {
  const has = (name: string) => columns.includes(name);
  if (!has("loss") && !has("train_loss") && !has("eval_loss") && !has("lr"))
    throw new UserError(
      `${file} has no loss column (loss, train_loss or eval_loss; columns: ${columns.join(", ")}; --map loss=<column> renames one)`,
    );
  const target = lossKind === "eval" ? "eval_loss" : "train_loss";
  if (has("loss") && has(target))
    throw new UserError(`${file} has both loss and ${target}: map one of them elsewhere`);
  return target;
}

/**
 * A cell of a number column as staged: decimal and exponent forms only (`cellNumber`); anything else, and a
 * NaN written in the file (NaN marks a missing value in staged rows), refused naming `where()`.
 * @example stagedNumber("2.5", "loss", () => "runs.csv line 2, column loss") // 2.5
 */
export function stagedNumber(cell: string | number, column: string, where: () => string): number {
  const value = cellNumber(cell);
  if (!Number.isNaN(value)) return value;
  if (typeof cell === "string" && !/^nan$/i.test(cell.trim()))
    throw new UserError(`${where()}: ${JSON.stringify(cell)} is not a number`);
  throw new UserError(
    `${where()}: NaN is not ${/loss/.test(column) ? "a positive finite loss" : "a finite number"}`,
  );
}

/**
 * Column roles for a Weights & Biases history export (`_step`, `train/loss`, `eval/loss`,
 * `train/learning_rate`, …): the `--map` that a W&B CSV needs, guessed from its header.
 * @example wandbMap(["_step", "train/loss", "eval/loss", "_runtime"]) // {step: "_step", train_loss: "train/loss", eval_loss: "eval/loss"}
 */
export function wandbMap(columns: readonly string[]): Record<string, string> {
  const find = (test: RegExp) => columns.find((c) => test.test(c));
  const map: Record<string, string> = {};
  // The trainer's own step counter when logged, else W&B's log counter.
  const step = find(/^(train\/global_step|global_step|trainer\/global_step)$/) ?? find(/^(_step|step)$/);
  if (step) map.step = step;
  const train = find(/^(train[/_])?loss$/i);
  if (train) map.train_loss = train;
  const evaluation = find(/^(eval|val|valid|validation)[/_]loss$/i);
  if (evaluation) map.eval_loss = evaluation;
  const lr = find(/^(train[/_])?(learning_rate|lr)$/i);
  if (lr) map.lr = lr;
  const tokens = find(/^(train[/_])?(tokens|num_tokens|tokens_seen|num_input_tokens_seen)$/i);
  if (tokens) map.tokens = tokens;
  return map;
}

/** Keeps the rows that carry a loss or a learning rate (W&B and TensorBoard log other metrics on their own rows). */
export function withLossOrLr(staged: StagedRows): StagedRows {
  const keep: number[] = [];
  for (let i = 0; i < staged.run.length; i++) {
    if (
      !Number.isNaN(staged.train_loss[i]!) ||
      !Number.isNaN(staged.eval_loss[i]!) ||
      !Number.isNaN(staged.lr[i]!)
    )
      keep.push(i);
  }
  if (keep.length === staged.run.length) return staged;
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    sourceRow: pick(staged.sourceRow),
    run: keep.map((i) => staged.run[i]!),
    step: pick(staged.step),
    tokens: pick(staged.tokens),
    flops: pick(staged.flops),
    lr: pick(staged.lr),
    train_loss: pick(staged.train_loss),
    eval_loss: pick(staged.eval_loss),
    meta: Object.fromEntries(Object.entries(staged.meta).map(([k, v]) => [k, keep.map((i) => v[i])])),
  };
}

/**
 * Merges rows of the same run and step (W&B logs train and eval metrics in separate rows of one step):
 * values are combined, and two rows giving different values of one metric are an error naming the line.
 */
export function mergeSameSteps(staged: StagedRows, file: string): StagedRows {
  const keyOf = (i: number) => `${staged.run[i]}\u0000${staged.step[i]}`;
  const first = new Map<string, number>();
  const merged: number[] = [];
  const columns = ["tokens", "flops", "lr", "train_loss", "eval_loss"] as const;
  const out = {
    sourceRow: [] as number[],
    run: [] as string[],
    step: [] as number[],
    ...(Object.fromEntries(columns.map((c) => [c, [] as number[]])) as Record<
      (typeof columns)[number],
      number[]
    >),
  };
  for (let i = 0; i < staged.run.length; i++) {
    const key = keyOf(i);
    const at = Number.isNaN(staged.step[i]!) ? undefined : first.get(key);
    if (at === undefined) {
      first.set(key, out.run.length);
      merged.push(i);
      out.sourceRow.push(staged.sourceRow[i]!);
      out.run.push(staged.run[i]!);
      out.step.push(staged.step[i]!);
      for (const c of columns) out[c].push(staged[c][i]!);
      continue;
    }
    for (const c of columns) {
      const value = staged[c][i]!;
      if (Number.isNaN(value)) continue;
      const existing = out[c][at]!;
      if (!Number.isNaN(existing) && existing !== value) {
        throw new UserError(
          `${file} line ${staged.sourceRow[i]}, column ${c === "train_loss" ? "loss" : c}: step ${staged.step[i]} of run ${staged.run[i]} is logged twice with different values`,
        );
      }
      out[c][at] = value;
    }
  }
  return {
    sourceRow: Float64Array.from(out.sourceRow),
    run: out.run,
    step: Float64Array.from(out.step),
    tokens: Float64Array.from(out.tokens),
    flops: Float64Array.from(out.flops),
    lr: Float64Array.from(out.lr),
    train_loss: Float64Array.from(out.train_loss),
    eval_loss: Float64Array.from(out.eval_loss),
    meta: Object.fromEntries(Object.entries(staged.meta).map(([k, v]) => [k, merged.map((i) => v[i])])),
  };
}
