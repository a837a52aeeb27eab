import { UserError } from "../errors.js";
import { loadFit } from "../fit/artifact.js";
import { num } from "../fit/report.js";
import { computeOptimal } from "../predict/computeOptimal.js";
import { bestBits, encdecSplit, qatFraction, qatMatch, type QatPlan } from "../predict/allocation.js";
import { optimizeSchedule, scheduleFamilies } from "../predict/optimizeSchedule.js";
import type { OptionValues } from "./_command.js";
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
    "compute-optimal N and D, the best LR schedule, the encoder/decoder split, or the QAT share and bit width",
  usage:
    "scalefit optimize --fit <fit.json> (--compute <FLOPs>[,…] | --steps <T> --family <wsd|cosine|linear> | --total-params <P> | --tokens <D> --params <N> --bits <b> [--match] | --tokens <D> --memory <bytes>) [options]",
  examples: [
    "scalefit optimize --fit fit.json --compute 5.76e23",
    "scalefit optimize --fit fit.json --compute 1e21,1e23,1e25 --json",
    "scalefit optimize --fit curves.json --steps 24000 --family wsd",
    "scalefit optimize --fit encdec.json --total-params 1e9",
    "scalefit optimize --law qat --tokens 2e10 --params 1e9 --bits 4",
    "scalefit optimize --fit qat.json --tokens 2e10 --params 1e9 --bits 4 --match",
    "scalefit optimize --fit qat.json --tokens 2e10 --memory 5e8",
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
    "total-params": {
      type: "string",
      multiple: true,
      value: "<P>",
      description: "encdec: total parameters to split between encoder and decoder",
    },
    law: {
      type: "string",
      value: "<qat>",
      description: "without --fit: qat answers with the published one-parameter law (Dremov et al. 2025)",
    },
    tokens: { type: "string", value: "<D>", description: "qat: total training tokens (FP + QAT)" },
    params: { type: "string", value: "<N>", description: "qat: model parameters" },
    bits: { type: "string", value: "<b>", description: "qat: bit width of the quantised model (1–16)" },
    memory: {
      type: "string",
      value: "<bytes>",
      description: "qat: bytes of weights (N·bits/8): the best bit width for that budget",
    },
    match: {
      type: "boolean",
      description: "qat: the tokens at which the quantised model matches the full-precision one",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    if (typeof values.law === "string") {
      if (values.fit !== undefined) throw new UserError("give --fit or --law, not both");
      if (values.law !== "qat")
        throw new UserError(
          `--law answers without a fit only for qat (the published law), not ${values.law}`,
        );
      const plan = qatFraction(undefined, qatQuestion(values));
      if (values.json === true) return printJson(io, plan);
      io.stdout(formatQatPlan(plan) + "\n");
      return;
    }
    const fit = await loadFit(requireOption(values, "fit", "optimize"));
    if (fit.law.name === "encdec") {
      const budgets = listOption(values, "total-params").map((text) => parseNumber(text, "--total-params"));
      if (budgets.length === 0)
        throw new UserError(
          "scalefit optimize needs --total-params for an encdec fit (e.g. --total-params 1e9)",
        );
      const splits = budgets.map((P) => encdecSplit(fit, P));
      if (values.json === true) return printJson(io, { ...splits[0]!, splits });
      io.stdout(
        [
          `law encdec: the encoder/decoder split of a parameter budget (Ne/P = pe/(pe+pd)); intervals at level ${fit.level}`,
          ...splits.map((s) => {
            const iv = (key: "Ne" | "Nd" | "encoderShare" | "loss", digits = 3) =>
              s.intervals
                ? ` [${num(s.intervals[key][0], digits)}, ${num(s.intervals[key][1], digits)}]`
                : "";
            return `  P ${num(s.P, 3)}: Ne ${num(s.Ne, 3)}${iv("Ne")}  Nd ${num(s.Nd, 3)}${iv("Nd")}  encoder share ${num(s.encoderShare, 3)}${iv("encoderShare")}  loss ${num(s.loss, 5)}${iv("loss", 5)}`;
          }),
          "",
        ].join("\n"),
      );
      return;
    }
    if (fit.law.name === "qat") {
      if (values.memory !== undefined) {
        const memory = parseNumber(String(values.memory), "--memory");
        const tokens = numberOption(values, "tokens", (v) => v > 0, "a positive number of tokens");
        if (tokens === undefined) throw new UserError("--memory needs --tokens (the training tokens)");
        const choice = bestBits(fit, { memory, D: tokens });
        if (values.json === true) return printJson(io, choice);
        const support = choice.support
          ? ` (best in ${Object.entries(choice.support)
              .sort((a, b) => b[1] - a[1])
              .map(([b, share]) => `${num(100 * share, 3)}% of draws at ${b} bits`)
              .join(", ")})`
          : "";
        io.stdout(
          [
            `law qat: the bit width with the lowest loss for ${num(memory, 3)} bytes of weights trained on ${num(tokens, 3)} tokens${support}`,
            ...choice.candidates.map(
              (c) =>
                `  ${String(c.bits).padStart(2)} bits: N ${num(c.N, 3).padEnd(9)} QAT fraction ${num(c.qatFraction, 3).padEnd(7)} loss ${num(c.loss, 5)}${c.bits === choice.bits ? "  <- best" : ""}`,
            ),
            "",
          ].join("\n"),
        );
        return;
      }
      const question = qatQuestion(values);
      if (values.match === true) {
        const match = qatMatch(fit, question);
        if (values.json === true) return printJson(io, match);
        const iv = match.intervals
          ? ` [${num(match.intervals.ratio[0], 3)}, ${num(match.intervals.ratio[1], 3)}]`
          : "";
        io.stdout(
          `law qat: a ${num(match.N, 3)}-parameter model at ${match.bits} bits matches its full-precision loss ${num(match.fullPrecisionLoss, 5)} (on ${num(match.D, 3)} tokens) after ${num(match.tokens, 4)} tokens: ${num(match.ratio, 3)}×${iv} the budget, ${num(match.compute, 3)} FLOPs\n`,
        );
        return;
      }
      const plan = qatFraction(fit, question);
      if (values.json === true) return printJson(io, plan);
      io.stdout(formatQatPlan(plan) + "\n");
      return;
    }
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

/** --tokens, --params and --bits of a QAT question. */
function qatQuestion(values: OptionValues): { N: number; D: number; bits: number } {
  const D = numberOption(values, "tokens", (v) => v > 0, "a positive number of tokens");
  const N = numberOption(values, "params", (v) => v > 0, "a positive number of parameters");
  const bits = numberOption(values, "bits", (v) => v >= 1 && v <= 16, "a bit width in 1–16");
  if (D === undefined || N === undefined || bits === undefined)
    throw new UserError(
      "a QAT question needs --tokens, --params and --bits (e.g. --tokens 2e10 --params 1e9 --bits 4)",
    );
  return { N, D, bits };
}

function formatQatPlan(plan: QatPlan): string {
  const iv = (key: "qatFraction" | "loss", digits: number) =>
    plan.intervals ? ` [${num(plan.intervals[key][0], digits)}, ${num(plan.intervals[key][1], digits)}]` : "";
  const how =
    plan.method === "published"
      ? "published one-parameter law f = exp(-6.7297/ln S) (Dremov et al. 2025)"
      : "minimum of the fitted law";
  return [
    `QAT share of ${num(plan.D, 3)} tokens for ${num(plan.N, 3)} parameters at ${plan.bits} bits (${num(plan.tokensPerParameterByte, 4)} tokens per parameter-byte), ${how}:`,
    `  QAT fraction ${num(plan.qatFraction, 4)}${iv("qatFraction", 3)}: ${num(plan.qatFraction * plan.D, 3)} QAT tokens after ${num((1 - plan.qatFraction) * plan.D, 3)} full-precision ones`,
    ...(plan.loss !== null ? [`  loss ${num(plan.loss, 5)}${iv("loss", 5)}`] : []),
  ].join("\n");
}
