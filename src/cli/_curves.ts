import { existsSync } from "node:fs";
import { loadCurves, readScheduleFile, readSchedules, type LoadedCurves } from "../data/curves.js";
import { UserError } from "../errors.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import { denseSchedule, schedulePeak } from "../schedules/schedule.js";
import type { Law } from "../types.js";
import type { Table } from "../data/readTable.js";
import type { OptionDef, OptionValues } from "./_command.js";
import { listOption } from "./_shared.js";

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

/** Curves for a curve law from the command line's --data, --schedule(s), --runs and --map. */
export function curvesFrom(
  values: OptionValues,
  file: string,
  law: Law,
  map: Record<string, string>,
  table?: Table,
): LoadedCurves {
  const schedules: Record<string, string> =
    typeof values.schedules === "string" ? readSchedules(values.schedules) : {};
  const items = Array.isArray(values.schedule) ? values.schedule : [];
  for (const item of items) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UserError(`invalid --schedule ${item} (expected run=kind:key=value,…)`);
    schedules[item.slice(0, at)] = item.slice(at + 1);
  }
  const runs = listOption(values, "runs");
  const loaded = loadCurves(file, {
    map,
    schedules,
    ...(runs.length ? { runs } : {}),
    inputs: law.inputs.filter((name) => name !== "step"),
    ...(table ? { table } : {}),
  });
  return loaded;
}

/** Peak LR and warmup of the training schedules: the defaults of `optimize --family`. */
export function scheduleSummary(loaded: LoadedCurves): { peak: number; warmup: number } {
  const summaries = Object.values(loaded.observations.schedules ?? {}).map(schedulePeak);
  return {
    peak: Math.max(...summaries.map((s) => s.peak)),
    warmup: Math.max(...summaries.map((s) => s.warmup)),
  };
}

/** A schedule from the command line: a file with step,lr at every step, or the compact text form. */
export function scheduleFrom(text: string): Float64Array {
  if (existsSync(text) || /\.(csv|tsv|jsonl|ndjson)$/i.test(text)) return readScheduleFile(text);
  return denseSchedule(parseSchedule(text));
}
