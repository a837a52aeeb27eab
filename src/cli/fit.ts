import { writeFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { fitToArtifact } from "../fit/artifact.js";
import { backtest, type HoldoutReport } from "../fit/backtest.js";
import { fitLaw } from "../fit/fitLaw.js";
import { lawNames } from "../fit/laws/index.js";
import { formatFitReport, num } from "../fit/report.js";
import { defineCommand } from "./_command.js";
import { curveOptions } from "./_curves.js";
import { fitOptionsFrom, holdoutFrom, lawFlags, lawFrom } from "./_fitOptions.js";
import { fitData, storeOptions } from "./_source.js";
import { dataOptions, listOption, printJson, progressFor, requireOption, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "fit",
  summary: "fit a scaling law to runs (or a curve law to loss curves) and report parameters with intervals",
  usage: "scalefit fit --law <law> --data <file> [options]",
  examples: [
    "scalefit fit --law chinchilla --data data/chinchilla/epoch.csv --drop-highest 5",
    "scalefit fit --law power --x N --data runs.csv --fix E=0 --intervals covariance",
    'scalefit fit --law custom --formula "E + A/N^alpha + B/D^beta" --log E,A,B --data runs.csv',
    "scalefit fit --law chinchilla --data runs.csv --holdout C:0.125 --json",
    "scalefit fit --law multipower --data data/multipower/curves.csv --schedules data/multipower/schedules.json --runs 25M/cosine_24000,25M/constant_24000,25M/wsdcon_9",
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
    ...sharedOptions,
  },
  async run(values, io) {
    const json = values.json === true;
    const law = await lawFrom(values, requireOption(values, "law", "fit"));
    const loaded = await fitData(values, law, "fit");
    const progress = await progressFor(io, json);
    const fitOptions = fitOptionsFrom(values);
    const freed = Object.fromEntries(
      listOption(values, "free").map((name) => [
        name,
        { ...(fitOptions.params?.[name] ?? {}), fixed: false },
      ]),
    );
    const options = {
      ...fitOptions,
      ...(Object.keys(freed).length ? { params: { ...fitOptions.params, ...freed } } : {}),
      profile: listOption(values, "profile"),
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    };
    const rule = holdoutFrom(values);
    let fit;
    let holdout: HoldoutReport | undefined;
    try {
      if (rule) ({ fit, holdout } = backtest(law, loaded.observations, rule, options));
      else fit = fitLaw(law, loaded.observations, options);
    } finally {
      progress.stop();
    }
    const artifact = {
      ...fitToArtifact(fit, { dataDigest: loaded.digest, data: { ...loaded.provenance } }),
      ...(holdout ? { holdout } : {}),
    };
    if (typeof values.out === "string") {
      try {
        writeFileSync(
          values.out,
          JSON.stringify(artifact, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) +
            "\n",
        );
      } catch (error) {
        throw new UserError(
          `cannot write --out ${values.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
    }
    if (values.save === true) {
      if (typeof values.db !== "string")
        throw new UserError("--save stores the fit in --db: give the database");
      const { openStore } = await import("../store/duckdb.js");
      const { saveFit } = await import("../store/fits.js");
      const store = await openStore(values.db);
      try {
        await saveFit(store, artifact);
      } finally {
        store.close();
      }
    }
    if (json) return printJson(io, artifact);
    io.stdout(
      formatFitReport(fit, {
        data: `${loaded.description}${holdout ? `, ${holdout.points} held out` : ""}; ${loaded.digest.slice(0, 19)}…`,
        derived: loaded.derived,
      }),
    );
    if (holdout) {
      io.stdout(
        [
          "[[Holdout]]",
          `    rule                   = ${holdout.rule} (fit on ${holdout.trainPoints} points, predict ${holdout.points})`,
          `    mean |rel. error|      = ${num(100 * holdout.meanAbsRelError, 4)}%`,
          `    max |rel. error|       = ${num(100 * holdout.maxAbsRelError, 4)}%`,
          `    inside pred. interval  = ${holdout.insideInterval === null ? "n/a (no intervals)" : `${num(100 * holdout.insideInterval, 4)}% at level ${fit.level}`}`,
          "",
        ].join("\n"),
      );
    }
    if (typeof values.out === "string") io.stdout(`fit written to ${values.out}\n`);
  },
});
