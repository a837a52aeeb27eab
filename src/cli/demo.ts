import { runDemo } from "../demo.js";
import { fitToArtifact } from "../fit/artifact.js";
import { formatFitReport } from "../fit/report.js";
import { defineCommand } from "./_command.js";
import { formatAllocations } from "../predict/questions.js";
import { formatPredictions } from "./_format.js";
import { numberOption, printJson, progressFor, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "demo",
  summary: "fit the bundled Chinchilla data, predict a 70B model on 1.4T tokens, and plan compute budgets",
  usage: "scalefit demo [--bootstrap <k>] [--seed <s>] [--json]",
  examples: ["scalefit demo", "scalefit demo --bootstrap 200 --json"],
  options: {
    bootstrap: { type: "string", value: "<k>", description: "bootstrap refits (default 1000)" },
    seed: { type: "string", value: "<s>", description: "bootstrap seed (default 1)" },
    ...sharedOptions,
  },
  async run(values, io) {
    const json = values.json === true;
    const bootstrap = numberOption(
      values,
      "bootstrap",
      (v) => Number.isInteger(v) && v >= 20,
      "a whole number of at least 20",
    );
    const seed = numberOption(values, "seed", Number.isInteger, "an integer");
    const progress = await progressFor(io, json);
    let demo;
    try {
      demo = runDemo({
        ...(bootstrap !== undefined ? { bootstrap } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
    } finally {
      progress.stop();
    }
    const { data, fit, prediction, allocations } = demo;
    if (json) {
      return printJson(io, {
        fit: fitToArtifact(fit, {
          dataDigest: data.table.digest,
          data: { ...data.provenance, file: "data/chinchilla/epoch.csv" },
        }),
        prediction,
        allocations,
      });
    }
    const lines = [
      "scalefit demo: Chinchilla's law fitted to Epoch AI's extraction of Hoffmann et al. (2022), Figure 4",
      "",
      formatFitReport(fit, {
        data: `data/chinchilla/epoch.csv (${data.provenance.rows} rows, ${data.provenance.droppedHighest} highest-loss dropped as Epoch does)`,
      }),
      "[[Prediction]] a 70B-parameter model trained on 1.4T tokens (Chinchilla's own size)",
      ...formatPredictions([prediction]),
      "",
      "[[Compute-optimal allocation]] C = 6ND, closed form of Hoffmann et al. 2022 eq. 4",
      ...formatAllocations(allocations),
      "",
    ];
    io.stdout(lines.join("\n"));
  },
});
