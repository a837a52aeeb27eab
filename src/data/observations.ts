import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import type { Observations } from "../dataTypes.js";
import { cellNumber } from "./cellNumber.js";
import type { Table } from "./readTable.js";

/**
 * Column roles (README.md's command-line tour): the names a data file's columns take (directly or through `--map`).
 * `weight` weighs points in the fit.
 * @example roles.includes("loss") // true
 */
export const roles = [
  "run", "N", "D", "C", "Ne", "Nd", "step", "tokens", "lr", "loss", "B", "S", "bits", "Dfp", "Dqat", "U", "K", "weight",
  "train_loss", "eval_loss", "flops", "kind", "seqLen", "peakLr", "seed", "backend", "status", "schedule", "qatStart", "Nnonembedding",
] as const;

/**
 * Parses `--map loss=val_loss,N=params` (role=column pairs, comma-separated, repeatable). A target is a role
 * or any input a law declares (a custom formula's `--inputs`): `checkMapTargets` checks it once the law is known.
 * @example parseMap(["loss=val_loss,N=params"]) // {loss: "val_loss", N: "params"}
 */
export function parseMap(values: readonly string[]): Record<string, string> {
  // In a Map, `--map __proto__=N` is kept (an own key of the record, refused by `checkMapTargets`), not lost.
  const map = new Map<string, string>();
  for (const item of values.flatMap((v) => v.split(","))) {
    const match = /^\s*([^=\s]+)\s*=\s*(.+?)\s*$/.exec(item);
    if (!match) throw new UserError(`invalid --map ${item} (expected role=column, e.g. loss=val_loss)`);
    const [, role, column] = match;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(role!))
      throw new UserError(`invalid --map target ${role} (expected a role or an input name)`);
    map.set(role!, column!);
  }
  return Object.fromEntries(map);
}

/**
 * Refuses a `--map` target that is neither a column role nor an input of the law the data are for.
 * @example checkMapTargets({size: "params"}, ["size"]) // ok: a custom formula's input
 */
export function checkMapTargets(map: Readonly<Record<string, string>>, inputs: readonly string[]): void {
  for (const role of Object.keys(map))
    if (!(roles as readonly string[]).includes(role) && !inputs.includes(role))
      throw new UserError(
        `unknown --map target ${role} (the law's inputs: ${inputs.join(", ")}; roles: ${roles.join(", ")})`,
      );
}

/**
 * Renames columns to roles: `{loss: "val_loss"}` makes column val_loss the loss. The target role's own
 * column, if the file has one, is shadowed.
 * @example mapColumns(table, {loss: "val_loss"}).columns // [..., "loss"]
 */
export function mapColumns(table: Table, map: Readonly<Record<string, string>>): Table {
  const cells = new Map(Object.entries(table.cells));
  const columns = [...table.columns];
  for (const [role, source] of Object.entries(map)) {
    if (!table.columns.includes(source)) {
      throw new UserError(`--map ${role}=${source}: ${table.file} has no column ${source} (columns: ${table.columns.join(", ")})`);
    }
    cells.set(role, table.cells[source]!);
    if (!columns.includes(role)) columns.push(role);
  }
  return { ...table, columns, cells: Object.fromEntries(cells) };
}

/** How the observations were built: derived columns, for the conventions of a fit. */
export interface ObservationNotes {
  /** Columns computed from others, e.g. `D = C / (6 N)`. */
  readonly derived: readonly string[];
}

/**
 * Observations for a law from a table: the inputs it needs (deriving D = C/(6N), C = 6ND or N = C/(6D)
 * when a column is missing and the others are there: the 6ND convention of Kaplan et al. 2020, §2.1),
 * the loss, and the optional `run` labels and `weight`s. Every cell is checked: a message names the file,
 * line, column and value at fault.
 * @example tableToObservations(readTable("data/chinchilla/epoch.csv"), ["N", "D"], "lawname")
 */
export function tableToObservations(
  table: Table,
  inputs: readonly string[],
  lawName: string,
  zeroInputs: readonly string[] = [],
  checkPoint?: (x: Record<string, number>) => string | undefined,
): { observations: Observations; notes: ObservationNotes } {
  const has = (name: string) => table.columns.includes(name);
  const derived: string[] = [];
  type Rule = { from: [string, string]; text: string; make: (a: number, b: number) => number };
  // Columns derived from others, the first rule whose sources the file has.
  const derivable: Record<string, Rule[]> = {
    D: [
      { from: ["C", "N"], text: "D = C / (6 N)", make: (c, n) => c / (6 * n) },
      { from: ["Dfp", "Dqat"], text: "D = Dfp + Dqat", make: (f, q) => f + q },
    ],
    C: [{ from: ["N", "D"], text: "C = 6 N D", make: (n, d) => 6 * n * d }],
    N: [
      { from: ["Ne", "Nd"], text: "N = Ne + Nd", make: (e, d) => e + d },
      { from: ["C", "D"], text: "N = C / (6 D)", make: (c, d) => c / (6 * d) },
    ],
    Dfp: [{ from: ["D", "Dqat"], text: "Dfp = D − Dqat", make: (d, q) => d - q }],
  };
  const ruleFor = (name: string) => ownEntry(derivable, name)?.find((rule) => rule.from.every(has));
  const needed = [...inputs, "loss"];
  const missing = needed.filter((name) => !has(name) && !ruleFor(name));
  if (missing.length > 0) {
    throw new UserError(
      `${table.file} has no column ${missing.join(", ")}: law ${lawName} needs ${needed.join(", ")} ` +
        `(columns: ${table.columns.join(", ")}; --map ${missing[0]}=<column> renames one)`,
    );
  }
  const zero = new Set(zeroInputs);
  const column = (name: string): Float64Array => {
    if (has(name)) return numericColumn(table, name, { allowZero: zero.has(name) });
    const rule = ruleFor(name)!;
    const [a, b] = rule.from.map((source) => numericColumn(table, source, { allowZero: zero.has(source) }));
    derived.push(rule.text);
    const values = a!.map((v, i) => rule.make(v, b![i]!));
    const bad = values.findIndex((v) => !(zero.has(name) ? v >= 0 : v > 0));
    if (bad >= 0) {
      throw new UserError(
        `${table.file} ${table.rowWord ?? "line"} ${table.lines[bad]}: ${rule.text} = ${values[bad]} is ${zero.has(name) ? "negative" : "not positive"} (${rule.from[0]} = ${a![bad]}, ${rule.from[1]} = ${b![bad]})`,
      );
    }
    return values;
  };
  const values: Record<string, Float64Array> = {};
  for (const name of inputs) values[name] = column(name);
  const loss = numericColumn(table, "loss");
  const run = has("run")
    ? table.cells.run!.map((v, i) => {
        if (v === undefined)
          throw new UserError(`${table.file} ${table.rowWord ?? "line"} ${table.lines[i]}, column run: empty value`);
        return String(v);
      })
    : undefined;
  const weight = has("weight") ? numericColumn(table, "weight", { allowZero: true }) : undefined;
  if (checkPoint) {
    const x: Record<string, number> = {};
    for (let i = 0; i < loss.length; i++) {
      for (const name of inputs) x[name] = values[name]![i]!;
      const problem = checkPoint(x);
      if (problem) throw new UserError(`${table.file} ${table.rowWord ?? "line"} ${table.lines[i]}: ${problem}`);
    }
  }
  return {
    observations: { inputs: values, loss, ...(run ? { run } : {}), ...(weight ? { weight } : {}) },
    notes: { derived },
  };
}

/**
 * A column as numbers, every cell checked (finite, and positive unless `allowZero`), naming file, line and
 * column of a bad cell.
 * @example numericColumn(readTable("runs.csv"), "loss")
 */
export function numericColumn(table: Table, name: string, { allowZero = false } = {}): Float64Array {
  const cells = table.cells[name]!;
  const out = new Float64Array(cells.length);
  cells.forEach((cell, i) => {
    const where = `${table.file} ${table.rowWord ?? "line"} ${table.lines[i]}, column ${name}`;
    if (cell === undefined) throw new UserError(`${where}: empty value`);
    const value = cellNumber(cell);
    if (typeof cell === "string" && (cell.trim() === "" || Number.isNaN(value)) && !/^nan$/i.test(cell.trim())) {
      throw new UserError(`${where}: ${JSON.stringify(cell)} is not a number`);
    }
    if (!Number.isFinite(value)) throw new UserError(`${where}: ${cell} is not a finite number`);
    if (allowZero ? value < 0 : value <= 0) {
      throw new UserError(`${where}: ${cell} is not ${allowZero ? "non-negative" : "positive"}`);
    }
    out[i] = value;
  });
  return out;
}

/**
 * Drops the `count` points with the highest loss (Besiroglu et al. 2024 drop the 5 highest-loss runs
 * of the Chinchilla data as outliers).
 * @example dropHighestLoss(observations, 5).loss.length // 240 for the 245 Chinchilla points
 */
export function dropHighestLoss(data: Observations, count: number): Observations {
  if (count <= 0) return data;
  if (count >= data.loss.length) {
    throw new UserError(`--drop-highest ${count} would drop all ${data.loss.length} points`);
  }
  const order = Array.from(data.loss.keys()).sort((a, b) => data.loss[b]! - data.loss[a]! || a - b);
  const dropped = new Set(order.slice(0, count));
  const keep = Array.from(data.loss.keys()).filter((i) => !dropped.has(i));
  const pick = (column: Float64Array) => Float64Array.from(keep, (i) => column[i]!);
  return {
    inputs: Object.fromEntries(Object.entries(data.inputs).map(([name, column]) => [name, pick(column)])),
    loss: pick(data.loss),
    ...(data.run ? { run: keep.map((i) => data.run![i]!) } : {}),
    ...(data.weight ? { weight: pick(data.weight) } : {}),
  };
}
