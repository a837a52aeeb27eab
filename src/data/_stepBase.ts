import { UserError } from "../errors.js";
import type { StepBase, Warning } from "../dataTypes.js";

/** What the step base is judged from in one run of a curve file: its first row's step and its logged LRs by step. */
export interface RunSteps {
  readonly firstStep: number;
  readonly lr: ReadonlyMap<number, number>;
}

/**
 * The first logged LR that differs from a dense schedule when file step s is read as the schedule's step
 * s − base (to 1e-9 relative), or undefined when every one agrees.
 * @example scheduleMismatch(new Map([[1, 0]]), Float64Array.of(0, 1e-3), 1) // undefined
 */
export function scheduleMismatch(
  lr: ReadonlyMap<number, number>,
  schedule: Float64Array,
  base: StepBase,
): { step: number; value: number; expected: number | undefined } | undefined {
  for (const [step, value] of lr) {
    const expected = schedule[step - base];
    if (
      expected === undefined ||
      Math.abs(value - expected) > 1e-9 * Math.max(Math.abs(expected), 1e-12) + 1e-15
    )
      return { step, value, expected };
  }
  return undefined;
}

/**
 * Where one run's steps count from, when only one reading works, with the reason in words: a row at step 0
 * means 0; without a schedule, an LR at step 1 and no row at 0 means 1 (from 0 the LR of step 0 would be
 * missing); with a schedule, logged LRs that match it at only one of the two readings decide.
 * @example runStepBase("a", {firstStep: 1, lr: new Map([[1, 0], [2, 1e-3]])}, undefined) // {base: 1, reason: "run a has …"}
 */
function runStepBase(
  label: string,
  run: RunSteps,
  schedule: Float64Array | undefined,
): { base: StepBase; reason: string } | undefined {
  if (run.firstStep === 0) return { base: 0, reason: `run ${label} has a step 0` };
  if (!schedule)
    return run.lr.has(1)
      ? { base: 1, reason: `run ${label} has the LR from step 1 and none at step 0` }
      : undefined;
  if (run.lr.size === 0) return undefined;
  const from0 = scheduleMismatch(run.lr, schedule, 0) === undefined;
  const from1 = scheduleMismatch(run.lr, schedule, 1) === undefined;
  if (from0 === from1) return undefined;
  return from0
    ? { base: 0, reason: `the LRs of run ${label} are its schedule's at the same steps` }
    : { base: 1, reason: `the LRs of run ${label} are its schedule's one step later` };
}

/**
 * The step base of a curve file: the one given, else the one its runs show (`runStepBase`; runs that show
 * different ones are refused), else 0 — with a warning when that guess matters, a run starting at step 1.
 * @example chooseStepBase("log.csv", runs, schedules).stepBase // 1
 */
export function chooseStepBase(
  file: string,
  runs: ReadonlyMap<string, RunSteps>,
  schedules: ReadonlyMap<string, Float64Array>,
  given?: StepBase,
): { stepBase: StepBase; detected?: string; warnings: Warning[] } {
  if (given !== undefined) return { stepBase: given, warnings: [] };
  const shown: { base: StepBase; reason: string }[] = [];
  for (const [label, run] of runs) {
    const verdict = runStepBase(label, run, schedules.get(label));
    if (verdict) shown.push(verdict);
  }
  const zero = shown.find((s) => s.base === 0);
  const one = shown.find((s) => s.base === 1);
  if (zero && one)
    throw new UserError(
      `${file}: its runs disagree on where steps count from: ${zero.reason} (from 0), but ${one.reason} (from 1); give --step-base 0 or 1`,
    );
  const decided = zero ?? one;
  if (decided) return { stepBase: decided.base, detected: decided.reason, warnings: [] };
  const atOne = [...runs].find(([, run]) => run.firstStep === 1)?.[0];
  return {
    stepBase: 0,
    warnings: atOne
      ? [
          {
            code: "step-base",
            message: `${file}: run ${atOne} starts at step 1 and nothing in the file says whether its steps count from 0 or 1; read from 0 (step 1 is the state after 2 updates): pass --step-base 1 if it is the state after the first`,
          },
        ]
      : [],
  };
}
