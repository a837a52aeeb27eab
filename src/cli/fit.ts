import { writeFileSync } from "node:fs";
import { loadObservations } from "../data/loadObservations.js";
import { UserError } from "../errors.js";
import { fitToArtifact } from "../fit/artifact.js";
import { backtest, type HoldoutReport } from "../fit/backtest.js";
import { fitLaw } from "../fit/fitLaw.js";
import { lawNames } from "../fit/laws/index.js";
import { formatFitReport, num } from "../fit/report.js";
import type { Law } from "../types.js";
import { defineCommand, type OptionValues } from "./_command.js";
import { curveOptions, curvesFrom, scheduleSummary } from "./_curves.js";
import { fitOptionsFrom, holdoutFrom, lawFrom, loadOptionsFrom } from "./_fitOptions.js";
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
  ],
  options: {
    law: { type: "string", value: "<law>", description: `law to fit: ${lawNames.join(", ")}` },
    ...dataOptions,
    ...curveOptions,
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
    const loaded = loadFor(values, law, requireOption(values, "data", "fit"));
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

/** The data of a fit: loss curves for curve laws, points otherwise, with how to describe them. */
function loadFor(values: OptionValues, law: Law, file: string) {
  const loadOptions = loadOptionsFrom(values);
  if (law.curve) {
    if (loadOptions.dropHighest)
      throw new UserError(`--drop-highest is for final-loss tables, not curve law ${law.name}`);
    const curves = curvesFrom(values, file, law, loadOptions.map);
    const summary = scheduleSummary(curves);
    return {
      observations: curves.observations,
      digest: curves.table.digest,
      provenance: { ...curves.provenance, schedulePeak: summary.peak, scheduleWarmup: summary.warmup },
      description: `${file} (${curves.provenance.runs.length} curves, ${curves.provenance.points} points: ${curves.provenance.runs.join(", ")})`,
      derived: [] as readonly string[],
    };
  }
  if (values.schedule || values.schedules || values.runs) {
    throw new UserError(
      `--schedule, --schedules and --runs are for curve laws (lr-anneal, multipower), not ${law.name}`,
    );
  }
  const loaded = loadObservations(file, law, loadOptions);
  const p = loaded.provenance;
  return {
    observations: loaded.observations,
    digest: loaded.table.digest,
    provenance: { ...p },
    description: `${p.file} (${p.rows} rows${p.droppedHighest ? `, ${p.droppedHighest} highest-loss dropped` : ""})`,
    derived: p.derived,
  };
}
