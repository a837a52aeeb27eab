import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule, type Schedule } from "../schedules/schedule.js";
import type { Observations, StepBase, Warning } from "../dataTypes.js";
import { checkTrained, missingLearningRate } from "./_curveChecks.js";
import { chooseStepBase, scheduleMismatch, type RunSteps } from "./_stepBase.js";
import { mapColumns } from "./observations.js";
import { cellNumber } from "./cellNumber.js";
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
  /**
   * Where the file's steps count from (`StepBase`): 0, the laws' own convention, or 1, most trainers'
   * (file step s is then the laws' step s − 1). By default read from the file where only one reading
   * works (a row at step 0; the LR from step 1 and none at 0; logged LRs that match the schedule at only
   * one reading), else 0.
   */
  readonly stepBase?: StepBase;
}

/** Curves ready for a curve law, with provenance. */
export interface LoadedCurves {
  /** Steps counted from 0, whatever the file's step base. */
  readonly observations: Observations;
  readonly table: Table;
  /** Where the file's steps count from: as given, or as read from the file. */
  readonly stepBase: StepBase;
  /** Why the step base was read as it was (`run a has a step 0`), when read from the file. */
  readonly stepBaseDetected?: string;
  /** Soft issues of the file (a step base that was guessed where it matters). */
  readonly warnings: readonly Warning[];
  readonly provenance: {
    readonly file: string;
    readonly runs: readonly string[];
    readonly points: number;
    readonly schedules: Readonly<Record<string, string>>;
    readonly stepBase: StepBase;
  };
}

/**
 * Reads loss curves for the curve laws (`lr-anneal`, `multipower`): columns `run` (default: the file's
 * name), `step`, `loss` and `lr`. The LR must be known at every step of each run, from its first (0, or 1
 * with `stepBase: 1`) — from the `lr` column (rows with an empty loss are schedule-only) or from a schedule
 * (`schedules`), which is then checked against any `lr` values the file logs. Steps must increase within a
 * run. The observations count steps from 0 (`StepBase`).
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
    const value = cellNumber(cell);
    if (!Number.isFinite(value)) throw new UserError(`${where(row, column)}: ${JSON.stringify(cell)} is not a finite number`);
    return value;
  };
  type Run = RunSteps & { steps: number[]; losses: number[]; extra: number[][]; lr: Map<number, number>; firstRow: number; lastStep: number };
  const runs = new Map<string, Run>();
  for (let row = 0; row < table.lines.length; row++) {
    const label = has("run") ? String(table.cells.run![row] ?? "") : fallback;
    if (label === "") throw new UserError(`${where(row, "run")}: empty value`);
    if (!keep(label)) continue;
    const step = number(row, "step");
    if (step === undefined) throw new UserError(`${where(row, "step")}: empty value`);
    if (!Number.isInteger(step) || step < 0) throw new UserError(`${where(row, "step")}: ${step} is not a whole number of steps`);
    let run = runs.get(label);
    if (!run) runs.set(label, (run = { steps: [], losses: [], extra: [], lr: new Map(), firstStep: step, firstRow: row, lastStep: -1 }));
    if (step <= run.lastStep) {
      throw new UserError(
        `${where(row, "step")}: step ${step} of run ${label} ${step === run.lastStep ? "is duplicated" : `comes after step ${run.lastStep}`} (steps must increase within a run)`,
      );
    }
    run.lastStep = step;
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
  const given = new Map<string, Float64Array>();
  const texts = new Map<string, string>();
  for (const label of runs.keys()) {
    const text = ownEntry(options.schedules, label);
    const schedule = parsed.get(label);
    if (text === undefined || !schedule) continue;
    given.set(label, denseSchedule(schedule));
    texts.set(label, typeof text === "string" ? text : JSON.stringify(text));
  }
  const chosen = chooseStepBase(file, runs, given, options.stepBase);
  const base = chosen.stepBase;
  const schedules = new Map<string, Float64Array>();
  for (const [label, run] of runs) {
    if (run.steps.length === 0) throw new UserError(`${file}: run ${label} has no logged loss`);
    if (base === 1 && run.firstStep === 0) {
      throw new UserError(
        `${where(run.firstRow, "step")}: with --step-base 1, step 0 of run ${label} comes before the first update: drop the row, or read the file with --step-base 0`,
      );
    }
    const lastStep = run.steps[run.steps.length - 1]!;
    const last = lastStep - base;
    const lr = given.get(label);
    if (lr) {
      if (lr.length <= last) {
        throw new UserError(
          `run ${label}: loss logged at step ${lastStep} but its schedule ends at step ${lr.length - 1 + base}${base ? " (steps counted from 1)" : ""}`,
        );
      }
      const mismatch = scheduleMismatch(run.lr, lr, base);
      if (mismatch) {
        if (!scheduleMismatch(run.lr, lr, base === 0 ? 1 : 0)) {
          throw new UserError(
            base === 0
              ? `run ${label}: the file's learning rates are its schedule's one step later (the LR of step s is the schedule's at s − 1): its steps count from 1; pass --step-base 1`
              : `run ${label}: the file's learning rates are its schedule's at the same steps: its steps count from 0; pass --step-base 0`,
          );
        }
        throw new UserError(
          `run ${label}: the file's learning rate ${mismatch.value} at step ${mismatch.step} differs from its schedule's ${mismatch.expected}${base ? ` (its step ${mismatch.step - 1}: steps counted from 1)` : ""}`,
        );
      }
      checkTrained(label, run.steps, lr, base);
      schedules.set(label, lr);
      continue;
    }
    if (run.lr.size === 0) {
      throw new UserError(
        `run ${label} has no learning rates: curve laws need the LR at every step (an lr column, or a schedule such as --schedule ${label}=cosine:peak=3e-4,floor=3e-5,steps=${last + 1})`,
      );
    }
    const dense = new Float64Array(last + 1);
    for (let step = 0; step <= last; step++) {
      const value = run.lr.get(step + base);
      if (value === undefined) throw new UserError(missingLearningRate(label, run.lr, base, step + base, lastStep));
      dense[step] = value;
    }
    checkTrained(label, run.steps, dense, base);
    schedules.set(label, dense);
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
      stepColumn.push(step - base);
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
    stepBase: base,
    ...(chosen.detected ? { stepBaseDetected: chosen.detected } : {}),
    warnings: chosen.warnings,
    provenance: { file, runs: labels, points: loss.length, schedules: Object.fromEntries(texts), stepBase: base },
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

/** A schedule file read: the LR of every update, from the laws' step 0, and where the file's steps count from. */
export interface LoadedSchedule {
  readonly lr: Float64Array;
  readonly stepBase: StepBase;
}

/**
 * Reads a schedule file (columns `step`, `lr`; other columns are ignored, so a dense curve file will do)
 * into the LR at every step 0..T: steps must run without gaps from the first, 0 or 1 (`StepBase`; by default
 * the file's first step says which), learning rates must be finite and non-negative.
 * @example loadScheduleFile("sched.csv") // {lr: Float64Array of T + 1 learning rates, stepBase: 0}
 */
export function loadScheduleFile(file: string, { stepBase }: { stepBase?: StepBase } = {}): LoadedSchedule {
  const table = readTable(file);
  for (const name of ["step", "lr"]) {
    if (!table.columns.includes(name)) throw new UserError(`${file} has no column ${name}: a schedule file needs step and lr (columns: ${table.columns.join(", ")})`);
  }
  const first = cellNumber(table.cells.step![0] ?? "");
  const base: StepBase = stepBase ?? (first === 1 ? 1 : 0);
  const lr = new Float64Array(table.lines.length);
  for (let row = 0; row < table.lines.length; row++) {
    const where = (column: string) => `${file} line ${table.lines[row]}, column ${column}`;
    const step = cellNumber(table.cells.step![row] ?? "");
    if (!Number.isInteger(step)) throw new UserError(`${where("step")}: ${JSON.stringify(table.cells.step![row] ?? "")} is not a whole number of steps`);
    if (row === 0 && stepBase !== undefined && step === 1 - stepBase) {
      throw new UserError(
        `${where("step")}: the file's steps start at ${step}, so they count from ${step}, not from ${stepBase} as --step-base ${stepBase} says; pass --step-base ${step}`,
      );
    }
    if (step !== row + base) {
      const from = stepBase === undefined && row === 0 ? "from 0 (or from 1, as most trainers count)" : `${base}, ${base + 1}, ${base + 2}, …`;
      throw new UserError(
        `${where("step")}: expected step ${row + base}, found ${step} (a schedule gives the LR at every step ${from} in order${step > row + base ? "; the LR is missing at step " + (row + base) : ""})`,
      );
    }
    const value = cellNumber(table.cells.lr![row] ?? "");
    if (!Number.isFinite(value)) throw new UserError(`${where("lr")}: ${JSON.stringify(table.cells.lr![row] ?? "")} is not a finite number`);
    if (value < 0) throw new UserError(`${where("lr")}: learning rate ${value} is negative`);
    lr[row] = value;
  }
  return { lr, stepBase: base };
}

/**
 * Reads a schedule file (columns `step`, `lr`) into the LR at every step 0..T, as `loadScheduleFile` does.
 * @example readScheduleFile("sched.csv") // Float64Array of T + 1 learning rates
 */
export function readScheduleFile(file: string, options: { stepBase?: StepBase } = {}): Float64Array {
  return loadScheduleFile(file, options).lr;
}
