import { num } from "../fit/report.js";
import { openStore } from "../store/duckdb.js";
import { listRuns } from "../store/readRuns.js";
import { defineCommand } from "./_command.js";
import { storePath } from "./_source.js";
import { printJson, sharedOptions, repeatedOption } from "./_shared.js";

export const command = defineCommand({
  name: "runs",
  summary: "list the runs of a database with their sizes, steps and last losses",
  usage: "scalefit runs [--db <file>] [--where …] [--json]",
  examples: [
    "scalefit runs --db runs.duckdb",
    "scalefit runs --db runs.duckdb --where kind=lm --where N>=1e8 --json",
  ],
  options: {
    db: { type: "string", value: "<file>", description: "the database (default ./scalefit.duckdb)" },
    where: {
      type: "string",
      multiple: true,
      value: "<filter>",
      description: "field op value: run~25M/*, kind=lm, N>=1e8, step<=1000, …",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    const store = await openStore(storePath(values), { readOnly: true });
    try {
      const runs = await listRuns(store, repeatedOption(values, "where"));
      if (values.json === true) return printJson(io, { runs });
      // Names as long as the longest (trainer runs are named by their grid point), at most 64 characters.
      const width = Math.min(64, Math.max(28, ...runs.map((r) => String(r.name).length)));
      const lines = [
        `${runs.length} runs in ${store.path}`,
        `  ${"name".padEnd(width)} ${"N".padStart(10)} ${"D".padStart(10)} ${"points".padStart(7)} ${"last step".padStart(10)} ${"last loss".padStart(10)}  kind`,
      ];
      for (const r of runs) {
        const loss = r.last_eval_loss ?? r.last_train_loss;
        lines.push(
          `  ${String(r.name).slice(0, width).padEnd(width)} ${(r.n == null ? "" : num(Number(r.n), 3)).padStart(10)} ${(r.d == null ? "" : num(Number(r.d), 3)).padStart(10)} ${String(r.points).padStart(7)} ${String(r.last_step ?? "").padStart(10)} ${(loss == null ? "" : num(Number(loss), 5)).padStart(10)}  ${r.kind ?? ""}`,
        );
      }
      io.stdout(lines.join("\n") + "\n");
    } finally {
      store.close();
    }
  },
});
