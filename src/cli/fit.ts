import { fitFromSource, formatFitRun } from "../api/fit.js";
import { lawNames } from "../fit/laws/index.js";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { defineCommand, type OptionValues } from "./_command.js";
import { curveOptions } from "./_curves.js";
import { fitOptionsFrom, holdoutFrom, lawFlags, lawFrom, sensitivityFrom } from "./_fitOptions.js";
import { dataSourceFrom, storeOptions } from "./_source.js";
import {
  dataOptions,
  listOption,
  numberOption,
  printJson,
  progressFor,
  requireOption,
  sharedOptions,
} from "./_shared.js";
export const command = defineCommand({
  name: "fit",
  summary: "fit a scaling law to runs (or a curve law to loss curves) and report parameters with intervals",
  usage: "scalefit fit --law <law> --data <file> [options]",
  examples: [
    "scalefit fit --law chinchilla --data data/chinchilla/epoch.csv --drop-highest 5",
    "scalefit fit --law power --x N --data runs.csv --fix E=0 --intervals covariance",
    'scalefit fit --law custom --formula "E + A/N^alpha + B/D^beta" --log E,A,B --data runs.csv',
    "scalefit fit --law chinchilla --data runs.csv --holdout C:0.125 --json",
    "scalefit fit --law chinchilla --data llama3.csv --intervals none --sensitivity --compute 3.8e25",
    "scalefit fit --law multipower --data data/multipower/curves.csv --schedules data/multipower/schedules.json --runs 25M/cosine_24000,25M/constant_24000,25M/wsdcon_9",
    "scalefit fit --law lr-anneal --data train_log.csv --step-base 1 --out curves.json",
    "scalefit fit --law bcrit --data sweep.csv --targets 3.0,2.6,2.3",
    "scalefit fit --law data-constrained --data data/datablations/final_losses.csv --fix E=1.8691407,A=520.825,B=1487.7157,alpha=0.3526596,beta=0.3526596",
  ],
  options: {
    law: { type: "string", value: "<law>", description: `law to fit: ${lawNames.join(", ")}` },
    ...dataOptions,
    ...lawFlags,
    ...storeOptions,
    ...curveOptions,
    save: { type: "boolean", description: "with --db: also store the fit in the database's fits table" },
    wait: {
      type: "string",
      value: "<seconds>",
      description:
        "with --db: how long to wait while another process writes the database (reading: 0, --save: 30 by default; a fit that cannot be saved is kept in a file)",
    },
    profile: {
      type: "string",
      multiple: true,
      value: "<name>",
      description: "also give profile-likelihood intervals of these parameters",
    },
    out: {
      type: "string",
      value: "<file>",
      description: "write the fit artifact (the --json document) to a file",
    },
    sensitivity: {
      type: "boolean",
      description:
        "also refit under the conventions people disagree on (Huber δ 1e-3 / 1e-4 / least squares, log / linear space, N total / non-embedding where both are given) and show how the answers move",
    },
    compute: {
      type: "string",
      value: "<FLOPs>",
      description: "with --sensitivity: each refit's N*, D* and loss at this compute budget, e.g. 3.8e25",
    },
    at: {
      type: "string",
      value: "<N=…,D=…>",
      description: "with --sensitivity: each refit's loss at this point, e.g. N=70B,D=1.4T",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    const json = values.json === true;
    const law = await lawFrom(values, requireOption(values, "law", "fit"));
    const wait = waitSeconds(values);
    const source = { ...dataSourceFrom(values, "fit"), ...(wait !== undefined ? { wait } : {}) };
    const progress = await progressFor(io, json);
    const fitOptions = fitOptionsFrom(values, { laws: [law] });
    const freed = Object.fromEntries(
      listOption(values, "free").map((name) => [
        name,
        { ...(ownEntry(fitOptions.params, name) ?? {}), fixed: false },
      ]),
    );
    const rule = holdoutFrom(values);
    const sensitivity = sensitivityFrom(values);
    let run;
    try {
      run = await fitFromSource({
        law,
        source,
        options: {
          ...fitOptions,
          ...(Object.keys(freed).length ? { params: { ...fitOptions.params, ...freed } } : {}),
          profile: listOption(values, "profile"),
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        },
        ...(rule ? { holdout: rule } : {}),
        ...(sensitivity ? { sensitivity } : {}),
        ...(typeof values.out === "string" ? { out: values.out } : {}),
        save: values.save === true,
        ...(wait !== undefined ? { saveWait: wait } : {}),
      });
    } finally {
      progress.stop();
    }
    if (json) return printJson(io, run.artifact);
    io.stdout(formatFitRun(run));
    if (typeof values.out === "string") io.stdout(`fit written to ${values.out}\n`);
    if (run.saved !== undefined) io.stdout(`fit saved in ${String(values.db)} as fit ${run.saved}\n`);
  },
});

/** `--wait`: seconds to wait for a database another process writes (reading it, and with --save storing the fit). */
function waitSeconds(values: OptionValues): number | undefined {
  if (values.wait !== undefined && typeof values.db !== "string")
    throw new UserError("--wait is for --db (how long to wait while another process writes the database)");
  return numberOption(values, "wait", (v) => v >= 0 && v <= 86400, "seconds from 0 to 86400");
}
