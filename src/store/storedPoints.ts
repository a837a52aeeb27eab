/**
 * Every logged loss of a store's runs as a point of (N, C), read as columns: what Approach 1 (`envelope`)
 * reads, at 8 bytes a cell, so a store of 1e7 logged points costs a few hundred MB, not row objects by the GB.
 */
import type { Observations } from "../dataTypes.js";
import { numberColumns, rows, type Store } from "./duckdb.js";
import { whereClause } from "./where.js";

/**
 * Every logged loss of the filtered runs as a point of (N, C), by run and step: the eval loss where one was
 * logged, else the training loss; C = 6·N·tokens (Kaplan's convention) where tokens are logged (D* = C/(6N*)
 * is then tokens, whatever FLOP convention the run stored), else the stored FLOPs.
 * @example const points = await pointsFromStore(store, ["run~kjv/*"]) // {inputs: {N, C}, loss, run}
 */
export async function pointsFromStore(store: Store, filters: readonly string[] = []): Promise<Observations> {
  const where = whereClause(filters);
  const loss = "coalesce(p.eval_loss, p.train_loss)";
  const [runId, N, C, losses] = await limitedMemory(store, () =>
    numberColumns(
      store,
      `SELECT r.run_id::DOUBLE, r.n::DOUBLE,
            CASE WHEN p.tokens IS NULL THEN p.flops ELSE 6 * r.n::DOUBLE * p.tokens END,
            ${loss}::DOUBLE
     FROM runs r JOIN points p ON p.run_id = r.run_id
     WHERE ${where.sql} AND ${loss} IS NOT NULL AND coalesce(p.flops, p.tokens * r.n) IS NOT NULL
     ORDER BY r.run_id, p.step`,
      where.values,
    ),
  );
  // One string per run, shared by its points.
  const names = new Map<number, string>();
  for (const row of await rows(store, "SELECT run_id, name FROM runs"))
    names.set(Number(row.run_id), String(row.name));
  return {
    inputs: { N: N!, C: C! },
    loss: losses!,
    run: runNames(runId!, names),
  };
}

/** The name of each point's run; a run's points are consecutive, so each name is looked up once per run. */
function runNames(runIds: Float64Array, names: ReadonlyMap<number, string>): string[] {
  const run = new Array<string>(runIds.length);
  let id = NaN;
  let name = "";
  for (let i = 0; i < runIds.length; i++) {
    if (runIds[i] !== id) name = names.get((id = runIds[i]!))!;
    run[i] = name;
  }
  return run;
}

/**
 * Runs `work` with DuckDB's memory limited to 300 MB, so sorting 1e7 points spills to its temporary files
 * instead of holding 0.8 GB beside the columns read (the process's peak: 1.25 GB without, measured).
 */
async function limitedMemory<T>(store: Store, work: () => Promise<T>): Promise<T> {
  await store.connection.run("SET memory_limit = '300MB'");
  try {
    return await work();
  } finally {
    await store.connection.run("RESET memory_limit").catch(() => undefined);
  }
}
