import { existsSync, readFileSync } from "node:fs";
import type { DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { parseSchedule } from "../schedules/parseSchedule.js";
import type { Store } from "./duckdb.js";
import { runColumns } from "./schema.js";
import { addStagingColumn, type Staging } from "./staging.js";

/**
 * Run metadata an import applies to the staged rows besides the files' own columns: `--set` for every run,
 * and a sidecar JSON (`--meta`) for every run or per run.
 */

/** Applies --set and a sidecar's metadata to the staged rows (they override the file's columns). */
export async function applyMetadata(
  store: Store,
  staging: Staging,
  set: Readonly<Record<string, number | string>>,
  sidecar: Sidecar | undefined,
  file: string,
): Promise<void> {
  const byRole = new Map(Object.entries(runColumns).map(([column, spec]) => [spec.role, { column, spec }]));
  const apply = async (values: Record<string, unknown>, run: string | undefined, origin: string) => {
    for (const [role, value] of Object.entries(values)) {
      const target = byRole.get(role as never);
      if (!target)
        throw new UserError(
          `${origin}: unknown run metadata ${role} (known: ${[...byRole.keys()].join(", ")})`,
        );
      const numeric = target.spec.type === "DOUBLE";
      if (numeric ? typeof value !== "number" || !Number.isFinite(value) : typeof value !== "string") {
        throw new UserError(
          `${origin}: ${role} must be ${numeric ? "a number" : "a string"}, not ${JSON.stringify(value)}`,
        );
      }
      if (role === "schedule") parseSchedule(String(value));
      await addStagingColumn(store, staging, target.column as keyof typeof runColumns);
      await store.connection.run(
        `UPDATE ${staging.table} SET ${target.column} = ?${run === undefined ? "" : " WHERE run = ?"}`,
        (run === undefined ? [value] : [value, run]) as DuckDBValue[],
      );
    }
  };
  if (sidecar?.all) await apply(sidecar.all, undefined, sidecar.file);
  for (const [run, values] of Object.entries(sidecar?.runs ?? {}))
    await apply(values, run, `${sidecar!.file} (run ${run})`);
  await apply({ ...set }, undefined, `--set for ${file}`);
}

/** A sidecar of run metadata: for every run (`all`) and by run name (`runs`). */
export interface Sidecar {
  readonly file: string;
  readonly all?: Record<string, unknown>;
  readonly runs?: Record<string, Record<string, unknown>>;
}

/** Reads a sidecar JSON of run metadata: `{N: …}`, `{runs: {name: {…}}}` or `{schedules: {name: "kind:…"}}`. */
export function readMeta(file: string): Sidecar {
  if (!existsSync(file)) throw new UserError(`cannot read --meta ${file}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UserError(
      `--meta ${file} is not valid JSON (${(error as Error).message.replace(/\s+/g, " ")})`,
    );
  }
  if (!json || typeof json !== "object" || Array.isArray(json))
    throw new UserError(`--meta ${file}: expected an object of run metadata`);
  const { runs, schedules, ...rest } = json as { runs?: unknown; schedules?: unknown } & Record<
    string,
    unknown
  >;
  if (runs !== undefined && (typeof runs !== "object" || runs === null || Array.isArray(runs)))
    throw new UserError(`--meta ${file}: "runs" must map run names to metadata`);
  // By run name in a Map: a run named `__proto__` or `constructor` is a run like any other.
  const perRun = new Map(Object.entries((runs ?? {}) as Record<string, Record<string, unknown>>));
  // {"schedules": {run: "kind:…"}} (the curve loaders' file) sets each run's schedule.
  if (schedules !== undefined) {
    if (!schedules || typeof schedules !== "object" || Array.isArray(schedules))
      throw new UserError(`--meta ${file}: "schedules" must map run names to schedules`);
    for (const [run, text] of Object.entries(schedules))
      perRun.set(run, { ...(perRun.get(run) ?? {}), schedule: text });
  }
  // Keys of the curve loaders' file that are not metadata (the authors' train/test split) are left alone.
  const all = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== "train" && key !== "test"));
  return { file, all, runs: Object.fromEntries(perRun) };
}
