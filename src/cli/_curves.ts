import { existsSync } from "node:fs";
import { loadScheduleFile, type LoadedSchedule } from "../data/curves.js";
import type { StepBase } from "../dataTypes.js";
import { UserError } from "../errors.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule } from "../schedules/schedule.js";
import type { OptionDef, OptionValues } from "./_command.js";

/** `--step-base 0|1`: where a curve or schedule file's steps count from (`StepBase`). */
export const stepBaseOption = {
  "step-base": {
    type: "string",
    value: "<0|1>",
    description:
      "curve laws: where the file's steps count from, 0 or 1 (1: step s is the state after s updates, as most trainers log); default: read from the file where only one fits, else 0",
  },
} as const satisfies Record<string, OptionDef>;

/** The `--step-base` given, if any; anything but 0 or 1 is refused, naming the option. */
export function stepBaseFrom(values: OptionValues): StepBase | undefined {
  const text = values["step-base"];
  if (text === undefined) return undefined;
  if (text === "0" || text === "1") return Number(text) as StepBase;
  throw new UserError(
    `invalid --step-base ${String(text)} (expected 0 or 1: where the file's steps count from)`,
  );
}

/** Options of commands that read or make loss curves. */
export const curveOptions = {
  schedule: {
    type: "string",
    multiple: true,
    value: "<run=schedule>",
    description:
      "a run's schedule in compact form, e.g. 25M/cosine_24000=cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160",
  },
  schedules: {
    type: "string",
    value: "<file>",
    description: 'JSON file of schedules by run ({run: "kind:…"})',
  },
  runs: {
    type: "string",
    multiple: true,
    value: "<names>",
    description: "fit only these runs of the data (curve laws); * matches anything, e.g. 25M/*",
  },
  free: {
    type: "string",
    multiple: true,
    value: "<names>",
    description: "fit parameters that are fixed by default, e.g. lambda of lr-anneal",
  },
  ...stepBaseOption,
} as const satisfies Record<string, OptionDef>;

/**
 * A schedule from the command line: a file with step,lr at every step (its steps count from `stepBase`, by
 * default from its first step), or the compact text form, whose steps are then said from `stepBase`, by
 * default `fallback` (the fit's).
 */
export function scheduleFrom(
  text: string,
  { stepBase, fallback = 0 }: { stepBase?: StepBase | undefined; fallback?: StepBase } = {},
): LoadedSchedule {
  if (existsSync(text) || /\.(csv|tsv|jsonl|ndjson)$/i.test(text))
    return loadScheduleFile(text, stepBase !== undefined ? { stepBase } : {});
  return { lr: denseSchedule(parseSchedule(text)), stepBase: stepBase ?? fallback };
}
