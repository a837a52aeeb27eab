import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule, type Schedule } from "../schedules/schedule.js";
import type { Observations } from "../dataTypes.js";
import { mapColumns } from "./observations.js";
import { readTable, type Table } from "./readTable.js";

/** Options of `loadCurves`. */
export interface CurveLoadOptions {
  /** Column renames, role → file column. */
  readonly map?: Readonly<Record<string, string>>;
  /** Schedules by run (compact text or objects); without one, the file's `lr` column must cover every step. */
  readonly schedules?: Readonly<Record<string, string | Schedule>>;
  /** Keep only these runs; `*` matches any characters (`25M/*`). */
  readonly runs?: readonly string[];
  /** Extra input columns each point carries (e.g. N for fits across model sizes). */
  readonly inputs?: readonly string[];
  /** The file already read (a Parquet or Arrow file read by the store); by default `readTable(file)`. */
  readonly table?: Table;
}

/** Curves ready for a curve law, with provenance. */
export interface LoadedCurves {
  readonly observations: Observations;
  readonly table: Table;
  readonly provenance: {
    readonly file: string;
    readonly runs: readonly string[];
    readonly points: number;
    readonly schedules: Readonly<Record<string, string>>;
  };
}

/**
 * Reads loss curves for the curve laws (`lr-anneal`, `multipower`): columns `run` (default: the file's
 * name), `step`, `loss` and `lr`. The LR must be known at every step from 0 of each run — from the `lr`
 * column (rows with an empty loss are schedule-only) or from a schedule (`schedules`), which is then checked
 * against any `lr` values the file logs. Steps must increase within a run.
 * @example loadCurves("data/multipower/curves.csv", {schedules, runs: ["25M/cosine_24000"]})
 */
export function loadCurves(file: string, options: CurveLoadOptions = {}): LoadedCurves {
  // Every schedule given is checked, also those of runs this file or filter leaves out.
  const parsed = new Map<string, Schedule>();
  for (const [run, given] of Object.entries(options.schedules ?? {})) parsed.set(run, typeof given === "string" ? parseSchedule(given) : given);
  const table = mapColumns(options.table ?? readTable(file), options.map ?? {});
  const has = (name: string) => table.columns.includes(name);
  for (const name of ["step", "loss", ...(options.inputs ?? [])]) {
    if (!has(name)) {
      throw new UserError(`${file} has no column ${name}: a curve law needs run, step, loss and lr (columns: ${table.columns.join(", ")})`);
    }
  }
  const fallback = basename(file, extname(file));
  const patterns = (options.runs ?? []).map((p) => new RegExp(`^${p.split("*").map(escape).join(".*")}$`));
  const keep = (run: string) => patterns.length === 0 || patterns.some((p) => p.test(run));
  const where = (row: number, column: string) =>
    `${file} ${table.rowWord ?? "line"} ${table.lines[row]}, column ${column}`;
  const number = (row: number, column: string): number | undefined => {
    const cell = table.cells[column]?.[row];
    if (cell === undefined) return undefined;
    const value = typeof cell === "number" ? cell : Number(cell);
    if (!Number.isFinite(value)) throw new UserError(`${where(row, column)}: ${JSON.stringify(cell)} is not a finite number`);
    return value;
  };
  type Run = { steps: number[]; losses: number[]; extra: number[][]; lr: Map<number, number>; lastStep: number; lastRow: number };
  const runs = new Map<string, Run>();
  for (let row = 0; row < table.lines.length; row++) {
    const label = has("run") ? String(table.cells.run![row] ?? "") : fallback;
    if (label === "") throw new UserError(`${where(row, "run")}: empty value`);
    if (!keep(label)) continue;
    let run = runs.get(label);
    if (!run) runs.set(label, (run = { steps: [], losses: [], extra: [], lr: new Map(), lastStep: -1, lastRow: -1 }));
    const step = number(row, "step");
    if (step === undefined) throw new UserError(`${where(row, "step")}: empty value`);
    if (!Number.isInteger(step) || step < 0) throw new UserError(`${where(row, "step")}: ${step} is not a whole number of steps`);
    if (step <= run.lastStep) {
      throw new UserError(
        `${where(row, "step")}: step ${step} of run ${label} ${step === run.lastStep ? "is duplicated" : `comes after step ${run.lastStep}`} (steps must increase within a run)`,
      );
    }
    run.lastStep = step;
    run.lastRow = row;
    if (has("lr")) {
      const lr = number(row, "lr");
      if (lr !== undefined) {
        if (lr < 0) throw new UserError(`${where(row, "lr")}: learning rate ${lr} is negative`);
        run.lr.set(step, lr);
      }
    }
    const loss = number(row, "loss");
    if (loss === undefined) continue;
    if (!(loss > 0)) throw new UserError(`${where(row, "loss")}: ${loss} is not positive`);
    run.steps.push(step);
    run.losses.push(loss);
    run.extra.push((options.inputs ?? []).map((name) => {
      const v = number(row, name);
      if (v === undefined || !(v > 0)) throw new UserError(`${where(row, name)}: ${v ?? "empty value"} is not positive`);
      return v;
    }));
  }
  if (runs.size === 0) {
    throw new UserError(`${file}: no runs${patterns.length ? ` match ${options.runs!.join(", ")}` : ""}`);
  }
  // By run label in Maps: a run named `__proto__` or `constructor` is a run like any other.
  const schedules = new Map<string, Float64Array>();
  const texts = new Map<string, string>();
  for (const [label, run] of runs) {
    if (run.steps.length === 0) throw new UserError(`${file}: run ${label} has no logged loss`);
    const last = run.steps[run.steps.length - 1]!;
    const given = ownEntry(options.schedules, label);
    const schedule = parsed.get(label);
    if (given !== undefined && schedule) {
      texts.set(label, typeof given === "string" ? given : JSON.stringify(given));
      const lr = denseSchedule(schedule);
      if (lr.length <= last) {
        throw new UserError(`run ${label}: loss logged at step ${last} but its schedule ends at step ${lr.length - 1}`);
      }
      for (const [step, value] of run.lr) {
        const expected = lr[step];
        if (expected === undefined || Math.abs(value - expected) > 1e-9 * Math.max(Math.abs(expected), 1e-12) + 1e-15) {
          throw new UserError(`run ${label}: the file's learning rate ${value} at step ${step} differs from its schedule's ${expected}`);
        }
      }
      schedules.set(label, lr);
      continue;
    }
    if (run.lr.size === 0) {
      throw new UserError(
        `run ${label} has no learning rates: curve laws need the LR at every step (an lr column, or a schedule such as --schedule ${label}=cosine:peak=3e-4,floor=3e-5,steps=${last + 1})`,
      );
    }
    const lr = new Float64Array(last + 1);
    for (let step = 0; step <= last; step++) {
      const value = run.lr.get(step);
      if (value === undefined) {
        throw new UserError(
          `run ${label}: the learning rate is given at ${run.lr.size} of the ${last + 1} steps up to ${last} (first missing: step ${step}); ` +
            `curve laws need it at every step: add rows with an empty loss, or give a schedule (--schedule ${label}=…)`,
        );
      }
      lr[step] = value;
    }
    schedules.set(label, lr);
    texts.set(label, "lr column");
  }
  const labels = [...runs.keys()];
  const stepColumn: number[] = [];
  const loss: number[] = [];
  const run: string[] = [];
  const extra: number[][] = (options.inputs ?? []).map(() => []);
  for (const label of labels) {
    const r = runs.get(label)!;
    r.steps.forEach((step, k) => {
      stepColumn.push(step);
      loss.push(r.losses[k]!);
      run.push(label);
      r.extra[k]!.forEach((v, c) => extra[c]!.push(v));
    });
  }
  const inputs: Record<string, Float64Array> = { step: Float64Array.from(stepColumn) };
  (options.inputs ?? []).forEach((name, c) => (inputs[name] = Float64Array.from(extra[c]!)));
  return {
    observations: { inputs, loss: Float64Array.from(loss), run, schedules: Object.fromEntries(schedules) },
    table,
    provenance: { file, runs: labels, points: loss.length, schedules: Object.fromEntries(texts) },
  };
}

/**
 * Reads a schedules file: JSON `{run: "kind:…"}` or `{"schedules": {run: "kind:…"}}`.
 * @example readSchedules("data/multipower/schedules.json")["25M/cosine_24000"] // "cosine:peak=3e-4,…"
 */
export function readSchedules(file: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UserError(`cannot read schedules ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  const object = (json && typeof json === "object" && "schedules" in json ? (json as { schedules: unknown }).schedules : json) as unknown;
  if (!object || typeof object !== "object" || Array.isArray(object)) {
    throw new UserError(`${file}: expected {"run": "kind:key=value,…"} or {"schedules": {…}}`);
  }
  const out = new Map<string, string>();
  for (const [run, text] of Object.entries(object)) {
    if (typeof text !== "string") throw new UserError(`${file}: the schedule of ${run} is not a string`);
    out.set(run, text);
  }
  return Object.fromEntries(out);
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Reads a schedule file (columns `step`, `lr`) into the LR at every step 0..T: steps must start at 0 and
 * run without gaps, learning rates must be finite and non-negative.
 * @example readScheduleFile("sched.csv") // Float64Array of T + 1 learning rates
 */
export function readScheduleFile(file: string): Float64Array {
  const table = readTable(file);
  for (const name of ["step", "lr"]) {
    if (!table.columns.includes(name)) throw new UserError(`${file} has no column ${name}: a schedule file needs step and lr (columns: ${table.columns.join(", ")})`);
  }
  const lr = new Float64Array(table.lines.length);
  for (let row = 0; row < table.lines.length; row++) {
    const where = (column: string) => `${file} line ${table.lines[row]}, column ${column}`;
    const step = Number(table.cells.step![row]);
    if (!Number.isInteger(step)) throw new UserError(`${where("step")}: ${JSON.stringify(table.cells.step![row] ?? "")} is not a whole number of steps`);
    if (step !== row) {
      throw new UserError(
        `${where("step")}: expected step ${row}, found ${step} (a schedule gives the LR at every step 0, 1, 2, … in order${step > row ? "; the LR is missing at step " + row : ""})`,
      );
    }
    const value = Number(table.cells.lr![row]);
    if (!Number.isFinite(value)) throw new UserError(`${where("lr")}: ${JSON.stringify(table.cells.lr![row] ?? "")} is not a finite number`);
    if (value < 0) throw new UserError(`${where("lr")}: learning rate ${value} is negative`);
    lr[row] = value;
  }
  return lr;
}
