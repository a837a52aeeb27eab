import { UserError } from "../errors.js";
import type { StepBase } from "../dataTypes.js";

/**
 * The message for an LR missing at a step of a run without a schedule: how many of the steps up to its last
 * logged loss have one, or the one-step shift it shows (the LR at every step from 1, none at 0).
 * @example missingLearningRate("a", new Map([[100, 1e-3]]), 0, 0, 100) // "run a: the learning rate is given at 1 of the 101 steps from 0 to 100 …"
 */
export function missingLearningRate(
  label: string,
  lr: ReadonlyMap<number, number>,
  base: StepBase,
  missing: number,
  lastStep: number,
): string {
  let present = 0;
  for (const step of lr.keys()) if (step >= base && step <= lastStep) present++;
  if (base === 0 && missing === 0 && present === lastStep) {
    return `run ${label}: the file gives the learning rate at every step from 1 to ${lastStep} (the last logged loss) and none at step 0: its steps count from 1; pass --step-base 1`;
  }
  return (
    `run ${label}: the learning rate is given at ${present} of the ${lastStep - base + 1} steps from ${base} to ${lastStep} (first missing: step ${missing}); ` +
    `curve laws need it at every step: add rows with an empty loss, or give a schedule (--schedule ${label}=…)`
  );
}

/**
 * Refuses a run whose first logged losses come before any training (the LR summed up to them is 0, as after
 * a warmup's first step from 0), naming the file's steps: a curve law has no loss to give there.
 * @example checkTrained("a", [1, 2], Float64Array.of(0, 1e-4), 1) // throws: the loss at step 1 comes before any training …
 */
export function checkTrained(
  label: string,
  steps: readonly number[],
  lr: Float64Array,
  base: StepBase,
): void {
  let area = 0;
  let k = 0;
  let untrained: number | undefined;
  for (const step of steps) {
    while (k <= step - base) area += lr[k++]!;
    if (area > 0) break;
    untrained = step;
  }
  if (untrained === undefined) return;
  throw new UserError(
    `run ${label}: the loss at step ${steps[0]} comes before any training (the learning rate is 0 at every step up to it); drop the loss rows up to step ${untrained}`,
  );
}
