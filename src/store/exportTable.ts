import { writeAtomic } from "../writeAtomic.js";
import { extname } from "node:path";
import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { gradientNoiseColumns, runColumns } from "./schema.js";
import { whereClause } from "./where.js";

/**
 * Tables `exportTable` writes (README.md, "The store").
 * @example exportTables // ["runs", "points", "fits"]
 */
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
  let query: string;
  if (table === "points") {
    // Points carry their run's metadata under the import roles (N, D, kind, …), so the file imports again as
    // the same runs; metadata columns no exported run has are left out.
    const filled = (
      await rows(
        store,
        `SELECT ${Object.keys(runColumns)
          .map((c) => `count(r.${c}) AS ${c}`)
          .join(
            ", ",
          )}, count(*) FILTER (WHERE r.config <> '{}') AS configured FROM runs r WHERE r.run_id IN (SELECT p.run_id FROM points p JOIN runs r ON r.run_id = p.run_id WHERE ${where.sql})`,
        where.values,
      )
    )[0]!;
    // Runs with a configuration (trainer runs) also carry it and their conventions, as JSON text.
    const configured = Number(filled.configured);
    const meta =
      Object.entries(runColumns)
        .filter(([c]) => Number(filled[c]) > 0)
        .map(([c, spec]) => `, r.${c} AS "${spec.role}"`)
        .join("") + (configured > 0 ? ", r.config AS config, r.conventions AS conventions" : "");
    // Gradient-noise columns only when some exported point has them.
    const noise = Number(
      (
        await rows(
          store,
          `SELECT count(p.grad_big_norm2) AS n FROM points p JOIN runs r ON r.run_id = p.run_id WHERE ${where.sql}`,
          where.values,
        )
      )[0]!.n,
    );
    const gradient = noise > 0 ? gradientNoiseColumns.map((c) => `, p.${c}`).join("") : "";
    query = `SELECT r.name AS run, p.step, p.tokens, p.flops, p.lr, p.train_loss, p.eval_loss${gradient}${meta} FROM points p JOIN runs r ON r.run_id = p.run_id WHERE ${where.sql} ORDER BY p.run_id, p.step NULLS LAST`;
  } else {
    query =
      table === "runs"
        ? `SELECT r.* FROM runs r WHERE ${where.sql} ORDER BY r.run_id`
        : "SELECT * FROM fits ORDER BY fit_id";
  }
  const extension = extname(out).toLowerCase();
  const count = Number((await rows(store, `SELECT count(*) AS n FROM (${query})`, where.values))[0]!.n);
  if (extension === ".csv" || extension === ".parquet") {
    // COPY takes no bound file name: the path is quoted as a SQL string literal.
    await writeAtomic(out, async (temporary) => {
      const target = `'${temporary.replace(/'/g, "''")}'`;
      await store.connection.run(
        `COPY (${query}) TO ${target} (${extension === ".csv" ? "HEADER, DELIMITER ','" : "FORMAT PARQUET"})`,
        where.values,
      );
    });
    return count;
  }
  if (extension === ".arrow" || extension === ".feather" || extension === ".ipc") {
    const { Float64, Table, Utf8, tableToIPC, vectorFromArray } = await import("apache-arrow");
    type Column = import("apache-arrow").Vector<import("apache-arrow").Float64 | import("apache-arrow").Utf8>;
    const reader = await store.connection.runAndReadAll(query, where.values);
    const columns = reader.getColumnsObjectJS();
    const vectors: Record<string, Column> = {};
    for (const [name, values] of Object.entries(columns)) {
      // Missing values stay nulls (Arrow's validity bitmap), never NaN.
      const numeric = values.every((v) => v === null || typeof v === "number" || typeof v === "bigint");
      vectors[name] = numeric
        ? vectorFromArray(
            values.map((v) => (v === null ? null : Number(v))),
            new Float64(),
          )
        : vectorFromArray(
            values.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v))),
            new Utf8(),
          );
    }
    await writeAtomic(out, tableToIPC(new Table(vectors), "file"));
    return count;
  }
  throw new UserError(`cannot export to ${out}: use .csv, .parquet or .arrow`);
}
