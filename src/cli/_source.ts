import type { DataSource } from "../data/fitData.js";
import { UserError } from "../errors.js";
import type { OptionDef, OptionValues } from "./_command.js";
import { stepBaseFrom } from "./_curves.js";
import { loadOptionsFrom } from "./_fitOptions.js";
import { listOption, repeatedOption } from "./_shared.js";
/** The database of import, runs and export: --db, else ./scalefit.duckdb (README.md, "The store"). */
export function storePath(values: OptionValues): string {
  return typeof values.db === "string" ? values.db : "scalefit.duckdb";
}

/** Options that take the data from a database instead of a file. */
export const storeOptions = {
  db: {
    type: "string",
    value: "<file>",
    description: "read the runs from a DuckDB database instead of --data",
  },
  where: {
    type: "string",
    multiple: true,
    value: "<filter>",
    description: "with --db: run~25M/*, kind=lm, N>=1e8, step<=1000, … (bound as parameters)",
  },
  "loss-kind": {
    type: "string",
    value: "<train|eval>",
    description: "with --db and a curve law: which logged loss the curves use (default train)",
  },
} as const satisfies Record<string, OptionDef>;

/**
 * The data source of a command line: `--data` with `--map`, `--drop-highest`, `--schedule(s)`, `--runs` and
 * `--step-base`, or `--db` with `--where` and `--loss-kind` (checked here: which options go with which source).
 */
export function dataSourceFrom(values: OptionValues, command: string): DataSource {
  const hasData = typeof values.data === "string";
  const hasDb = typeof values.db === "string";
  if (hasData === hasDb)
    throw new UserError(`scalefit ${command} needs --data <file> or --db <file> (one of them)`);
  if (!hasDb && (values.where || values["loss-kind"]))
    throw new UserError("--where and --loss-kind read from a database: add --db <file>");
  if (hasDb && (values.map || values["drop-highest"] || values.schedule || values.schedules || values.runs)) {
    throw new UserError(
      "--map, --drop-highest, --schedule(s) and --runs are for --data files; with --db use --where",
    );
  }
  const stepBase = stepBaseFrom(values);
  if (hasDb && stepBase !== undefined)
    throw new UserError("--step-base is for --data files: the runs of a database count their steps from 0");
  const lossKind = values["loss-kind"];
  if (lossKind !== undefined && lossKind !== "train" && lossKind !== "eval")
    throw new UserError(`invalid --loss-kind ${lossKind} (expected train or eval)`);
  if (hasDb)
    return {
      db: values.db as string,
      where: repeatedOption(values, "where"),
      ...(lossKind ? { lossKind } : {}),
    };
  const { map, dropHighest } = loadOptionsFrom(values);
  const schedules = new Map<string, string>();
  for (const item of Array.isArray(values.schedule) ? values.schedule : []) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UserError(`invalid --schedule ${item} (expected run=kind:key=value,…)`);
    schedules.set(item.slice(0, at), item.slice(at + 1));
  }
  const runs = listOption(values, "runs");
  return {
    file: values.data as string,
    map,
    dropHighest,
    ...(schedules.size ? { schedules: Object.fromEntries(schedules) } : {}),
    ...(typeof values.schedules === "string" ? { schedulesFile: values.schedules } : {}),
    ...(runs.length ? { runs } : {}),
    ...(stepBase !== undefined ? { stepBase } : {}),
  };
}
