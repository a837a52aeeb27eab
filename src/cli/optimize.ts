import { UserError } from "../errors.js";
import { loadFit } from "../fit/artifact.js";
import { num } from "../fit/report.js";
import { computeOptimal } from "../predict/computeOptimal.js";
import { optimizeSchedule, scheduleFamilies } from "../predict/optimizeSchedule.js";
import { defineCommand } from "./_command.js";
import { formatAllocations } from "./_format.js";
import {
  listOption,
  numberOption,
  parseAssignments,
  parseNumber,
  printJson,
  requireOption,
  sharedOptions,
} from "./_shared.js";

export const command = defineCommand({
  name: "optimize",
  summary:
    "compute-optimal N and D for budgets (C = 6ND), or the best LR schedule of a family for a curve law",
  usage:
    "scalefit optimize --fit <fit.json> (--compute <FLOPs>[,…] | --steps <T> --family <wsd|cosine|linear>) [options]",
  examples: [
    "scalefit optimize --fit fit.json --compute 5.76e23",
    "scalefit optimize --fit fit.json --compute 1e21,1e23,1e25 --json",
    "scalefit optimize --fit curves.json --steps 24000 --family wsd",
  ],
  options: {
    fit: {
      type: "string",
      value: "<file>",
      description: "fit artifact: a law in N and D for --compute, a curve law for --family",
    },
    compute: {
      type: "string",
      multiple: true,
      value: "<FLOPs>",
      description: "training compute budgets in FLOPs",
    },
    steps: {
      type: "string",
      value: "<T>",
      description: "curve laws: training steps whose final loss is minimised",
    },
    family: {
      type: "string",
      value: "<family>",
      description: `curve laws: schedule family to search (${scheduleFamilies.join(", ")})`,
    },
    peak: {
      type: "string",
      value: "<lr>",
      description: "curve laws: peak LR (default: the fit's training schedules)",
    },
    warmup: {
      type: "string",
      value: "<steps>",
      description: "curve laws: warmup steps (default: the fit's training schedules)",
    },
    at: { type: "string", value: "<N=…>", description: "curve laws fitted across sizes: the model size" },
    ...sharedOptions,
  },
  async run(values, io) {
    const fit = await loadFit(requireOption(values, "fit", "optimize"));
    if (fit.law.curve) {
      if (values.compute !== undefined)
        throw new UserError(
          `--compute needs a law in N and D; law ${fit.law.name} is a curve law (--steps T --family wsd)`,
        );
      const steps = numberOption(
        values,
        "steps",
        (v) => Number.isInteger(v) && v > 1,
        "a whole number of steps",
      );
      if (steps === undefined)
        throw new UserError(
          "scalefit optimize needs --steps for a curve law (e.g. --steps 24000 --family wsd)",
        );
      const family = requireOption(values, "family", "optimize");
      if (!(scheduleFamilies as readonly string[]).includes(family)) {
        throw new UserError(`invalid --family ${family} (expected ${scheduleFamilies.join(", ")})`);
      }
      const data = fit.artifact.data as { schedulePeak?: number; scheduleWarmup?: number };
      const peak =
        numberOption(values, "peak", (v) => v > 0, "a positive learning rate") ?? data.schedulePeak;
      const warmup =
        numberOption(values, "warmup", (v) => Number.isInteger(v) && v >= 0, "a whole number of steps") ??
        data.scheduleWarmup ??
        0;
      if (peak === undefined) throw new UserError("the fit does not record its peak LR: give --peak");
      const N = typeof values.at === "string" ? parseAssignments([values.at], "--at").N : undefined;
      const result = optimizeSchedule(fit, {
        steps,
        family: family as (typeof scheduleFamilies)[number],
        peak,
        warmup,
        ...(N ? { N } : {}),
      });
      if (values.json === true) return printJson(io, result);
      const gain = result.gainInterval
        ? ` [${num(result.gainInterval[0], 3)}, ${num(result.gainInterval[1], 3)}]`
        : "";
      io.stdout(
        [
          `law ${fit.law.name}: the ${family} schedule that minimises the predicted loss at step ${steps} (peak ${num(peak, 4)}, warmup ${warmup})`,
          `  best      ${result.best.text}`,
          `            loss ${num(result.best.loss, 5)}`,
          `  baseline  ${result.baseline.text}`,
          `            loss ${num(result.baseline.loss, 5)}`,
          `  gain over cosine to 10 % of the peak: ${num(result.gain, 3)}${gain} (${num((100 * result.gain) / result.baseline.loss, 3)}%)`,
          "",
        ].join("\n"),
      );
      return;
    }
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
