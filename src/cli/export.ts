import { openStore } from "../store/duckdb.js";
import { exportTable, exportTables } from "../store/exportTable.js";
import { defineCommand } from "./_command.js";
import { listOption, printJson, requireOption, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "export",
  summary: "write a table of the database (runs, points or fits) to CSV, Parquet or Arrow",
  usage:
    "scalefit export --db <file> --table <runs|points|fits> --out <file.csv|.parquet|.arrow> [--where …]",
  examples: [
    "scalefit export --db runs.duckdb --table points --out points.parquet",
    "scalefit export --db runs.duckdb --table runs --out runs.csv --where kind=lm",
  ],
  options: {
    db: { type: "string", value: "<file>", description: "the database" },
    table: { type: "string", value: "<table>", description: exportTables.join(", ") },
    out: { type: "string", value: "<file>", description: "output file; the format from its extension" },
    where: {
      type: "string",
      multiple: true,
      value: "<filter>",
      description: "filters on runs and points, as in scalefit runs",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    const table = requireOption(values, "table", "export") as (typeof exportTables)[number];
    const out = requireOption(values, "out", "export");
    const store = await openStore(requireOption(values, "db", "export"), { readOnly: true });
    try {
      const count = await exportTable(store, table, out, listOption(values, "where"));
      if (values.json === true) return printJson(io, { table, out, rows: count });
      io.stdout(`${count} rows of ${table} written to ${out}\n`);
    } finally {
      store.close();
    }
  },
});
