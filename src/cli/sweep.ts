import { extname } from "node:path";
import { UserError } from "../errors.js";
import { num } from "../fit/report.js";
import { sweepPresets } from "../trainers/presets.js";
import { parseShard } from "../trainers/shards.js";
import { runSweep } from "../trainers/sweep.js";
import { readSweepConfig, type SweepConfig } from "../trainers/sweepConfig.js";
import { defineCommand } from "./_command.js";
import { storePath } from "./_source.js";
import { numberOption, printJson, progressFor, sharedOptions, trainerOptions } from "./_shared.js";

export const command = defineCommand({
  name: "sweep",
  summary: "train a grid of small models into the database (resumable; --shard i/n for job arrays)",
  usage:
    "scalefit sweep <config.json> --db <file> [--shard i/n] [--parquet <file>] [--backend wasm] [--json]",
  examples: [
    "scalefit sweep --preset smoke --db smoke.duckdb",
    "scalefit sweep examples/sweeps/kjv-widths.json --db kjv.duckdb",
    "scalefit sweep examples/sweeps/kjv-widths.json --db shard-3.duckdb --shard 3/8   # writes shard-3.parquet",
    "scalefit import shard-*.parquet --db kjv.duckdb                # merge the shards",
  ],
  positionals: true,
  options: {
    db: { type: "string", value: "<file>", description: "the database (default ./scalefit.duckdb)" },
    preset: {
      type: "string",
      value: "<name>",
      description: `a built-in sweep instead of a config file: ${Object.keys(sweepPresets).join(", ")}`,
    },
    shard: {
      type: "string",
      value: "<i/n>",
      description: "run only runs i, i+n, i+2n, … of the grid (0 <= i < n) and write them to a Parquet file",
    },
    parquet: {
      type: "string",
      value: "<file>",
      description:
        "write this sweep's points and runs to a Parquet file at the end (default with --shard: the --db name with .parquet)",
    },
    ...trainerOptions,
    ...sharedOptions,
  },
  async run(values, io, positionals = []) {
    if (positionals.length > 1)
      throw new UserError(`scalefit sweep takes one config file, got ${positionals.length}`);
    const preset = values.preset === undefined ? undefined : String(values.preset);
    if (preset !== undefined && positionals.length)
      throw new UserError("give a config file or --preset, not both");
    let config: SweepConfig;
    let where: string;
    if (preset !== undefined) {
      const found = sweepPresets[preset];
      if (!found)
        throw new UserError(`unknown --preset ${preset} (presets: ${Object.keys(sweepPresets).join(", ")})`);
      config = found;
      where = `--preset ${preset}`;
    } else {
      const file = positionals[0];
      if (!file)
        throw new UserError("scalefit sweep needs a config file or --preset (see scalefit sweep --help)");
      config = readSweepConfig(file);
      where = file;
    }
    const db = storePath(values);
    const shard = values.shard === undefined ? undefined : parseShard(String(values.shard));
    const parquet =
      values.parquet !== undefined
        ? String(values.parquet)
        : shard
          ? `${db.slice(0, db.length - extname(db).length) || db}.parquet`
          : undefined;
    if (parquet !== undefined && extname(parquet).toLowerCase() !== ".parquet") {
      throw new UserError(`invalid --parquet ${parquet} (expected a .parquet file name)`);
    }
    const threads = numberOption(
      values,
      "threads",
      (v) => Number.isInteger(v) && v > 0,
      "a positive integer",
    );
    const json = values.json === true;
    const progress = await progressFor(io, json);
    let result;
    try {
      result = await runSweep(
        config,
        {
          db,
          ...(shard ? { shard } : {}),
          ...(parquet ? { parquet } : {}),
          ...(values.backend !== undefined ? { backend: String(values.backend) } : {}),
          ...(threads !== undefined ? { threads } : {}),

          where,
        },
        { onProgress: (done, total) => progress.onProgress?.(done, total, "training") },
      );
    } finally {
      progress.stop();
    }
    if (json) return printJson(io, result);
    const lines = [
      `sweep ${result.sweep}${result.shard ? ` shard ${result.shard.index}/${result.shard.count}` : ""}: ${result.runs.length} runs on ${result.backend} into ${result.db} (${num(result.wallSeconds, 3)} s, ${result.pointsAdded} points stored)`,
      `  ${"run".padEnd(52)} ${"params".padStart(9)} ${"steps".padStart(6)} ${"eval loss".padStart(10)} ${"tokens/s".padStart(9)}  outcome`,
    ];
    for (const r of result.runs) {
      lines.push(
        `  ${r.name.slice(0, 52).padEnd(52)} ${String(r.params).padStart(9)} ${String(r.steps).padStart(6)} ${(r.evalLoss === undefined ? "" : num(r.evalLoss, 5)).padStart(10)} ${(r.tokensPerSecond === undefined ? "" : String(Math.round(r.tokensPerSecond))).padStart(9)}  ${r.outcome}${r.outcome === "resumed" ? ` from step ${r.from}` : ""}${r.error ? `: ${r.error}` : ""}`,
      );
    }
    if (result.entropyRate !== undefined)
      lines.push(
        `  the source's entropy rate (the irreducible loss): ${num(result.entropyRate, 5)} nats/token`,
      );
    const floors = [
      ...new Set(result.runs.flatMap((r) => (r.evalFloor === undefined ? [] : [num(r.evalFloor, 5)]))),
    ];
    if (floors.length)
      lines.push(
        `  the true chain's loss on the held-out windows (the floor of eval loss): ${floors.join(", ")} nats/token`,
      );
    if (result.parquet)
      lines.push(
        `  wrote ${result.parquet.rows} points to ${result.parquet.file} (scalefit import ${result.parquet.file} --db <main> merges it)`,
      );
    io.stdout(lines.join("\n") + "\n");
  },
});
