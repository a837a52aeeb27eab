import { UserError } from "../errors.js";
import { compareLaws } from "../predict/compare.js";
import { num } from "../fit/report.js";
import { defineCommand } from "./_command.js";
import { fitOptionsFrom, holdoutFrom, lawFlags, lawFrom } from "./_fitOptions.js";
import { loadFitData } from "../data/fitData.js";
import { dataSourceFrom, storeOptions } from "./_source.js";
import { dataOptions, listOption, numberOption, printJson, progressFor, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "compare",
  summary: "fit several laws to the same data and rank them by held-out error or AIC (BIC shown)",
  usage: "scalefit compare --laws <law,law,…> --data <file> [--holdout C:0.125] [options]",
  examples: [
    "scalefit compare --laws chinchilla,kaplan,power --x N --data data/chinchilla/epoch.csv --drop-highest 5 --holdout C:0.125",
    "scalefit compare --laws isoflop,chinchilla --data data/fixtures/isoflop-chinchilla.csv --compute 1e23",
  ],
  options: {
    laws: {
      type: "string",
      multiple: true,
      value: "<laws>",
      description: "laws to compare, comma-separated",
    },
    compute: {
      type: "string",
      value: "<FLOPs>",
      description: "set each law's compute-optimal N* and D* at this budget side by side (Approach 2 and 3)",
    },
    ...dataOptions,
    ...lawFlags,
    ...storeOptions,
    ...sharedOptions,
  },
  async run(values, io) {
    const names = listOption(values, "laws");
    if (names.length < 2)
      throw new UserError("scalefit compare needs at least two laws (--laws chinchilla,kaplan)");
    const laws = [];
    for (const name of names) laws.push(await lawFrom(values, name, { others: names }));
    if (laws.some((law) => law.sweepTargets))
      throw new UserError(
        "compare ranks laws on final losses; a batch-size sweep law (bcrit) is fitted alone",
      );
    if (laws.some((law) => law.curve))
      throw new UserError(
        "compare ranks laws on final losses; curve laws are compared by their held-out curves",
      );
    // Every law reads the same points: load once with the union of their inputs.
    const inputs = [...new Set(laws.flatMap((law) => law.inputs))];
    const loaded = await loadFitData(dataSourceFrom(values, "compare"), { inputs, name: names.join(", ") });
    const progress = await progressFor(io, values.json === true);
    const rule = holdoutFrom(values);
    const compute = numberOption(
      values,
      "compute",
      (v) => v > 0 && Number.isFinite(v),
      "a positive number of FLOPs",
    );
    let rows;
    try {
      rows = compareLaws(laws, loaded.observations, {
        ...fitOptionsFrom(values, { defaultIntervals: "covariance", laws }),
        ...(rule ? { holdout: rule } : {}),
        ...(compute !== undefined ? { compute } : {}),
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
    } finally {
      progress.stop();
    }
    if (values.json === true)
      return printJson(io, {
        rankedBy: rule ? "holdout" : "aic",
        comparisons: rows,
        dataDigest: loaded.digest,
      });
    const lines = [
      `${loaded.description}; ranked by ${rule ? `held-out mean |relative error| (${rule.by}:${rule.fraction})` : "AIC"}; every law fitted by ${rows[0]!.objectiveDefinition} (a law's own default objective set aside)`,
      `  ${"law".padEnd(14)} ${"free".padStart(4)} ${"objective".padStart(12)} ${"AIC".padStart(11)} ${"BIC".padStart(11)} ${"ΔAIC".padStart(9)} ${"weight".padStart(7)}${rule ? "  held-out mean / max error, inside interval (binomial p), calibration factor" : ""}`,
    ];
    for (const r of rows) {
      const held = r.holdout
        ? `  ${num(100 * r.holdout.meanAbsRelError, 3)}% / ${num(100 * r.holdout.maxAbsRelError, 3)}%, ${r.holdout.insideInterval === null ? "n/a" : `${num(100 * r.holdout.insideInterval, 3)}% (p ${num(r.holdout.coveragePValue!, 2)}), ${r.holdout.calibration.factor === null ? "n/a" : `×${num(r.holdout.calibration.factor, 3)}`}`}`
        : "";
      lines.push(
        `  ${r.law.padEnd(14)} ${String(r.freeParams).padStart(4)} ${r.objective.toExponential(5).padStart(12)} ${num(r.aic, 6).padStart(11)} ${num(r.bic, 6).padStart(11)} ${num(r.deltaAic, 4).padStart(9)} ${num(r.akaikeWeight, 3).padStart(7)}${held}${r.converged ? "" : "  (not converged)"}`,
      );
    }
    for (const r of rows)
      for (const w of r.holdout?.warnings ?? []) lines.push(`  ${r.law}: ${w.code}: ${w.message}`);
    if (compute !== undefined) {
      lines.push(
        `compute-optimal allocation at C = ${num(compute, 3)} (intervals at level ${values.level ?? 0.95})`,
      );
      for (const r of rows) {
        const a = r.allocation!;
        if ("error" in a) {
          lines.push(`  ${r.law.padEnd(14)} ${a.error}`);
          continue;
        }
        const iv = (v: readonly [number, number] | undefined) =>
          v ? ` [${num(v[0], 3)}, ${num(v[1], 3)}]` : "";
        lines.push(
          `  ${r.law.padEnd(14)} N* ${(num(a.N, 4) + iv(a.intervals?.N)).padEnd(30)} D* ${num(a.D, 4)}${iv(a.intervals?.D)}`,
        );
      }
    }
    io.stdout(lines.join("\n") + "\n");
  },
});
