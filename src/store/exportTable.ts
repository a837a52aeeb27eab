import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { whereClause } from "./where.js";

/** Tables `exportTable` writes. */
export const exportTables = ["runs", "points", "fits"] as const;

/**
 * Writes a table of the store to a file by extension: CSV (DuckDB's COPY), Parquet (COPY … FORMAT PARQUET)
 * or Arrow IPC (apache-arrow's `tableToIPC`). Points come with their run's name. `--where` filters apply to
 * runs and points. Returns the number of rows written.
 * @example await exportTable(store, "points", "points.parquet", ["run~25M/*"])
 */
export async function exportTable(
  store: Store,
  table: (typeof exportTables)[number],
  out: string,
  filters: readonly string[] = [],
): Promise<number> {
  if (!(exportTables as readonly string[]).includes(table))
    throw new UserError(`invalid --table ${table} (expected ${exportTables.join(", ")})`);
  const where = whereClause(filters);
  if (table === "fits" && filters.length) throw new UserError("--where filters runs and points, not fits");
  if (table === "runs" && where.onPoints)
    throw new UserError("--where on step or tokens filters points: export --table points");
  const query =
    table === "runs"
      ? `SELECT r.* FROM runs r WHERE ${where.sql} ORDER BY r.run_id`
      : table === "points"
        ? `SELECT r.name AS run, p.* FROM points p JOIN runs r ON r.run_id = p.run_id WHERE ${where.sql} ORDER BY p.run_id, p.step NULLS LAST`
        : "SELECT * FROM fits ORDER BY fit_id";
  const extension = extname(out).toLowerCase();
  const count = Number((await rows(store, `SELECT count(*) AS n FROM (${query})`, where.values))[0]!.n);
  if (extension === ".csv" || extension === ".parquet") {
    // COPY takes no bound file name: the path is quoted as a SQL string literal.
    const target = `'${out.replace(/'/g, "''")}'`;
    try {
      await store.connection.run(
        `COPY (${query}) TO ${target} (${extension === ".csv" ? "HEADER, DELIMITER ','" : "FORMAT PARQUET"})`,
        where.values,
      );
    } catch (error) {
      throw new UserError(`cannot write ${out}: ${((error as Error).message ?? "").split("\n")[0]}`);
    }
    return count;
  }
  if (extension === ".arrow" || extension === ".feather" || extension === ".ipc") {
    const reader = await store.connection.runAndReadAll(query, where.values);
    const columns = reader.getColumnsObjectJS();
    const arrays: Record<string, Float64Array | string[] | (string | null)[]> = {};
    for (const [name, values] of Object.entries(columns)) {
      const numeric = values.every((v) => v === null || typeof v === "number" || typeof v === "bigint");
      arrays[name] = numeric
        ? Float64Array.from(values, (v) => (v === null ? NaN : Number(v)))
        : values.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v)));
    }
    try {
      writeFileSync(
        out,
        tableToIPC(tableFromArrays(arrays as Parameters<typeof tableFromArrays>[0]), "file"),
      );
    } catch (error) {
      throw new UserError(
        `cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    return count;
  }
  throw new UserError(`cannot export to ${out}: use .csv, .parquet or .arrow`);
}
