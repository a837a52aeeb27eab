import { existsSync } from "node:fs";
import { readScheduleFile } from "../data/curves.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule } from "../schedules/schedule.js";
import type { OptionDef } from "./_command.js";

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
} as const satisfies Record<string, OptionDef>;

/** A schedule from the command line: a file with step,lr at every step, or the compact text form. */
export function scheduleFrom(text: string): Float64Array {
  if (existsSync(text) || /\.(csv|tsv|jsonl|ndjson)$/i.test(text)) return readScheduleFile(text);
  return denseSchedule(parseSchedule(text));
}
