import { UserError } from "../errors.js";
import { loadFit } from "../fit/artifact.js";
import { predictLoss } from "../predict/predictLoss.js";
import { defineCommand } from "./_command.js";
import { formatPredictions } from "./_format.js";
import { numberOption, parseAssignments, printJson, requireOption, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "predict",
  summary: "predict the loss of new models from a saved fit, with intervals and extrapolation distance",
  usage: "scalefit predict --fit <fit.json> --at <N=…,D=…> [--at …] [options]",
  examples: [
    "scalefit predict --fit fit.json --at N=7e10,D=1.4e12",
    "scalefit predict --fit fit.json --at N=70B,D=1.4T --at N=1T,D=20T --json",
  ],
  options: {
    fit: { type: "string", value: "<file>", description: "fit artifact written by scalefit fit --out" },
    at: {
      type: "string",
      multiple: true,
      value: "<inputs>",
      description: "a point to predict, e.g. N=7e10,D=1.4e12",
    },
    level: { type: "string", value: "<p>", description: "interval level (default: the fit's)" },
    ...sharedOptions,
  },
  async run(values, io) {
    const fit = await loadFit(requireOption(values, "fit", "predict"));
    const items = Array.isArray(values.at) ? values.at : [];
    if (items.length === 0) throw new UserError("scalefit predict needs --at (e.g. --at N=7e10,D=1.4e12)");
    const points = items.map((item) => {
      const at = parseAssignments([item], "--at");
      for (const name of fit.law.inputs) {
        if (!(name in at))
          throw new UserError(
            `--at ${item} lacks ${name}: law ${fit.law.name} needs ${fit.law.inputs.join(", ")}`,
          );
        if (!(at[name]! > 0)) throw new UserError(`--at ${item}: ${name} must be positive`);
      }
      for (const name of Object.keys(at)) {
        if (!fit.law.inputs.includes(name))
          throw new UserError(
            `--at ${item}: law ${fit.law.name} has no input ${name} (inputs: ${fit.law.inputs.join(", ")})`,
          );
      }
      return at;
    });
    const level = numberOption(values, "level", (v) => v > 0 && v < 1, "a number between 0 and 1");
    const predictions = predictLoss(fit, points, level !== undefined ? { level } : {});
    if (values.json === true)
      return printJson(io, { law: fit.law.name, level: level ?? fit.level, predictions });
    const lines = [
      `law ${fit.law.name}: L = ${fit.law.formula}; intervals at level ${level ?? fit.level}`,
      ...formatPredictions(predictions),
    ];
    io.stdout(lines.join("\n") + "\n");
  },
});
