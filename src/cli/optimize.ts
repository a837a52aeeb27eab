import { UserError } from "../errors.js";
import { loadFit } from "../fit/artifact.js";
import { computeOptimal } from "../predict/computeOptimal.js";
import { defineCommand } from "./_command.js";
import { formatAllocations } from "./_format.js";
import { listOption, parseNumber, printJson, requireOption, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "optimize",
  summary: "compute-optimal parameters N and tokens D for compute budgets (C = 6ND), with intervals",
  usage: "scalefit optimize --fit <fit.json> --compute <FLOPs>[,<FLOPs>…] [options]",
  examples: [
    "scalefit optimize --fit fit.json --compute 5.76e23",
    "scalefit optimize --fit fit.json --compute 1e21,1e23,1e25 --json",
  ],
  options: {
    fit: {
      type: "string",
      value: "<file>",
      description: "fit artifact of a law in N and D (chinchilla, kaplan, custom)",
    },
    compute: {
      type: "string",
      multiple: true,
      value: "<FLOPs>",
      description: "training compute budgets in FLOPs",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    const fit = await loadFit(requireOption(values, "fit", "optimize"));
    const budgets = listOption(values, "compute").map((text) => {
      const C = parseNumber(text, "--compute");
      if (!(C > 0)) throw new UserError(`invalid --compute: ${text} (expected a positive number of FLOPs)`);
      return C;
    });
    if (budgets.length === 0)
      throw new UserError("scalefit optimize needs --compute (e.g. --compute 5.76e23)");
    const allocations = budgets.map((C) => computeOptimal(fit, C));
    if (values.json === true) return printJson(io, { ...allocations[0]!, allocations });
    const lines = [
      `law ${fit.law.name}: compute-optimal allocation under C = 6ND (${allocations[0]!.method}); intervals at level ${fit.level}`,
      ...formatAllocations(allocations),
    ];
    io.stdout(lines.join("\n") + "\n");
  },
});
