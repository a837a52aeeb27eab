import { UserError } from "../errors.js";
import { openStore } from "../store/duckdb.js";
import { exportTable, exportTables } from "../store/exportTable.js";
import { defineCommand } from "./_command.js";
import { storePath } from "./_source.js";
import { printJson, sharedOptions, repeatedOption } from "./_shared.js";
import { counted } from "./_format.js";

export const command = defineCommand({
  name: "export",
  summary: "write a table of the database (runs, points or fits) to CSV, Parquet or Arrow",
  usage: "scalefit export [--db <file>] [--table <runs|points|fits>] <file.csv|.parquet|.arrow> [--where …]",
  examples: [
    "scalefit export --db runs.duckdb points.parquet",
    "scalefit export --db runs.duckdb --table runs --out runs.csv --where kind=lm",
  ],
  positionals: true,
  options: {
    db: { type: "string", value: "<file>", description: "the database (default ./scalefit.duckdb)" },
    table: {
      type: "string",
      value: "<table>",
      description: `${exportTables.join(", ")} (default points: with each run's name and metadata)`,
    },
    out: {
      type: "string",
      value: "<file>",
      description: "output file, or give it after the options; the format from its extension",
    },
    where: {
      type: "string",
      multiple: true,
      value: "<filter>",
      description: "filters on runs and points, as in scalefit runs",
    },
    ...sharedOptions,
  },
  async run(values, io, positionals = []) {
    const table = (values.table ?? "points") as (typeof exportTables)[number];
    const given = [...(typeof values.out === "string" ? [values.out] : []), ...positionals];
    if (given.length !== 1)
      throw new UserError(
        given.length
          ? `scalefit export writes one file, got ${given.join(", ")}`
          : "scalefit export needs an output file (scalefit export --db runs.duckdb points.parquet)",
      );
    const out = given[0]!;
    const store = await openStore(storePath(values), { readOnly: true });
    try {
      const count = await exportTable(store, table, out, repeatedOption(values, "where"));
      if (values.json === true) return printJson(io, { table, out, rows: count });
      io.stdout(`${counted(count, "row")} of ${table} written to ${out}\n`);
    } finally {
      store.close();
    }
  },
});
