import { existsSync, statSync } from "node:fs";
import { UserError } from "../errors.js";
import { reportFromStore } from "../report/fromStore.js";
import { defineCommand } from "./_command.js";
import { lawFlags, lawFrom } from "./_fitOptions.js";
import { storePath } from "./_source.js";
import {
  listOption,
  numberOption,
  printJson,
  repeatedOption,
  requireOption,
  sharedOptions,
} from "./_shared.js";

export const command = defineCommand({
  name: "report",
  summary: "write a static HTML report (inline SVG charts, PNGs beside it) of a database's runs and fits",
  usage: "scalefit report --db <file> [--law <law>]… [--fit <fit.json>]… [--where …] --out <dir> [--json]",
  examples: [
    "scalefit report --db runs.duckdb --law chinchilla --out report",
    "scalefit report --db runs.duckdb --law chinchilla --holdout C:0.125 --out report",
    "scalefit report --db batch.duckdb --law bcrit --targets 2.6,2.4,2.2 --out report",
    "scalefit report --db nmt.duckdb --law power --x D --where run~6e6d-* --out report",
    "scalefit report --db kjv.duckdb --where run~kjv-widths/* --law chinchilla --fit fit.json --out report",
  ],
  options: {
    db: { type: "string", value: "<file>", description: "the database (default ./scalefit.duckdb)" },
    law: {
      type: "string",
      multiple: true,
      value: "<law>",
      description: "fit this law to the runs now (or a comma-separated list of laws)",
    },
    fit: {
      type: "string",
      multiple: true,
      value: "<file>",
      description: "include a saved fit artifact (scalefit fit --out)",
    },
    where: {
      type: "string",
      multiple: true,
      value: "<filter>",
      description: "which runs: run~glob, kind=lm, N>=1e6, …",
    },
    bootstrap: {
      type: "string",
      value: "<n>",
      description: "bootstrap refits of the fits made now (default 200)",
    },
    ...lawFlags,
    holdout: {
      type: "string",
      value: "<rule>",
      description:
        "backtest the laws fitted now: C:0.125 fits runs up to 1/8 of the largest compute and draws the rest as held out",
    },
    sensitivity: {
      type: "boolean",
      description:
        "refit the laws fitted now under the other conventions (Huber δ 1e-3/1e-4/least squares, log/raw losses, N total/non-embedding) and show how far their answers move",
    },
    title: { type: "string", value: "<text>", description: "the report's title" },
    out: { type: "string", value: "<dir>", description: "directory for index.html and the chart PNGs" },
    ...sharedOptions,
  },
  async run(values, io) {
    const out = requireOption(values, "out", "report");
    // Checked before any fit runs: the report is a folder (index.html and its PNGs).
    if (existsSync(out) && !statSync(out).isDirectory())
      throw new UserError(`--out ${out} is a file: the report writes index.html and PNGs into a folder`);
    const bootstrap = numberOption(
      values,
      "bootstrap",
      (v) => Number.isInteger(v) && v >= 0,
      "a non-negative integer",
    );
    // The law options (--targets, --x, --formula, …): each fitted law takes those it declares; one no law takes is
    // refused, and so is one given with no law to fit.
    const names = listOption(values, "law");
    const given = Object.keys(lawFlags).filter((key) => values[key] !== undefined);
    if (names.length === 0 && given.length > 0)
      throw new UserError(`--${given[0]} configures a law fitted now, and no --law is given`);
    const laws = [];
    for (const name of names) laws.push(await lawFrom(values, name, { others: names }));
    const result = await reportFromStore(storePath(values), {
      out,
      laws,
      fits: repeatedOption(values, "fit"),
      where: repeatedOption(values, "where"),
      ...(bootstrap !== undefined ? { bootstrap } : {}),
      ...(values.holdout !== undefined ? { holdout: String(values.holdout) } : {}),
      ...(values.title !== undefined ? { title: String(values.title) } : {}),
      ...(values.sensitivity === true ? { sensitivity: true } : {}),
    });
    if (values.json === true) return printJson(io, result);
    io.stdout(
      `wrote ${result.html} (${result.runs} runs, ${result.fits} fits, ${result.charts} charts; PNGs beside it)\n`,
    );
  },
});
