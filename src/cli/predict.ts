import { UserError } from "../errors.js";
import { hasOwnName } from "../names.js";
import { parseDecimal, sizeSuffixes } from "../parseDecimal.js";
import { loadFit } from "../fit/artifact.js";
import { formulaText, num } from "../fit/report.js";
import type { StepBase } from "../dataTypes.js";
import type { FittedLaw } from "../types.js";
import { answerQuestion, chooseQuestion } from "../predict/questions.js";
import { flagOf, readOptions } from "./_options.js";
import { predictCurve } from "../predict/predictCurve.js";
import { predictLoss } from "../predict/predictLoss.js";
import { allLawDefinitions } from "../fit/laws/index.js";
import { defineCommand, type CliIO, type OptionDef, type OptionValues } from "./_command.js";
import { scheduleFrom, stepBaseFrom, stepBaseOption } from "./_curves.js";
import { formatPredictions } from "./_format.js";
import {
  listOption,
  numberOption,
  parseAssignments,
  printJson,
  requireOption,
  sharedOptions,
} from "./_shared.js";

/** Flags of the predict questions laws carry (bcrit's --batch), beyond --at and --schedule, and their laws. */
const predictQuestionFlags: Record<string, OptionDef> = {};
const predictQuestionOwners: Record<string, string> = {};
for (const definition of allLawDefinitions())
  for (const question of definition.questions ?? [])
    if (question.command === "predict" && question.when !== undefined) {
      predictQuestionFlags[question.when] = flagOf(question.options[question.when]!, [definition.name]);
      predictQuestionOwners[question.when] = definition.name;
    }

export const command = defineCommand({
  name: "predict",
  summary:
    "predict the loss of new models (or a whole curve for a schedule) from a saved fit, with intervals",
  usage:
    "scalefit predict --fit <fit.json> (--at <N=…,D=…> [--at …] | --schedule <file|text> [--steps …] [--step-base 0|1]) [options]",
  examples: [
    "scalefit predict --fit fit.json --at N=7e10,D=1.4e12",
    "scalefit predict --fit fit.json --at N=70B,D=1.4T --at N=1T,D=20T --json",
    "scalefit predict --fit curves.json --schedule wsd:peak=3e-4,floor=3e-5,steps=24000,decay=0.2,warmup=2160 --steps 8000,16000,24000",
    "scalefit predict --fit curves.json --schedule sched.csv --json",
    "scalefit predict --fit curves.json --schedule lr_log.csv --step-base 1 --steps 1000,24000",
    "scalefit predict --fit bcrit.json --batch 262144 --steps 1000,2000,4000,8000",
  ],
  options: {
    fit: { type: "string", value: "<file>", description: "fit artifact written by scalefit fit --out" },
    at: {
      type: "string",
      multiple: true,
      value: "<inputs>",
      description: "a point to predict, e.g. N=7e10,D=1.4e12 (for curve laws fitted across sizes: N=4e8)",
    },
    schedule: {
      type: "string",
      value: "<file|text>",
      description:
        "curve laws: a step,lr file with every step (from 0 or 1), or a compact schedule (cosine:peak=…,floor=…,steps=…)",
    },
    steps: {
      type: "string",
      multiple: true,
      value: "<steps|all>",
      description: "curve laws: steps to predict (default all)",
    },
    "step-base": {
      ...stepBaseOption["step-base"],
      description:
        "curve laws: where the steps of --schedule and --steps count from, 0 or 1 (1: step s is the state after s updates); default: a file's first step, else the fit's",
    },
    ...predictQuestionFlags,
    level: { type: "string", value: "<p>", description: "interval level (default: the fit's)" },
    widen: {
      type: "string",
      value: "<factor>",
      description:
        "widen the prediction intervals by this factor in log space (a backtest's calibration factor: fit --holdout)",
    },
    ...sharedOptions,
  },
  async run(values, io) {
    const fit = await loadFit(requireOption(values, "fit", "predict"));
    const level = numberOption(values, "level", (v) => v > 0 && v < 1, "a number between 0 and 1");
    const widen = numberOption(values, "widen", (v) => v > 0 && Number.isFinite(v), "a positive factor");
    if (widen !== undefined && (fit.law.curve || values.at === undefined))
      throw new UserError("--widen widens the prediction intervals of points (--at)");
    if (fit.law.curve) return curve(values, io, fit, level);
    // A question the law carries (bcrit: --batch), when its selecting option is given.
    const question = chooseQuestion(fit.law, "predict", new Set(Object.keys(values)));
    if (question?.when !== undefined && values[question.when] !== undefined) {
      const { answer, text } = answerQuestion(question, fit, readOptions(values, question.options));
      if (values.json === true) return printJson(io, answer);
      io.stdout(text + "\n");
      return;
    }
    for (const key of Object.keys(predictQuestionFlags))
      if (values[key] !== undefined)
        throw new UserError(
          `--${key} needs a fit of law ${predictQuestionOwners[key]}; this fit is law ${fit.law.name}`,
        );
    if (values.schedule !== undefined || values.steps !== undefined || values["step-base"] !== undefined) {
      throw new UserError(
        `--schedule, --steps and --step-base are for curve laws; law ${fit.law.name} predicts points (--at)`,
      );
    }
    const items = Array.isArray(values.at) ? values.at : [];
    if (items.length === 0) throw new UserError("scalefit predict needs --at (e.g. --at N=7e10,D=1.4e12)");
    const points = items.map((item) => checkedPoint(fit, item, fit.law.inputs));
    const predictions = predictLoss(fit, points, {
      ...(level !== undefined ? { level } : {}),
      ...(widen !== undefined ? { widen } : {}),
    });
    if (values.json === true)
      return printJson(io, {
        law: fit.law.name,
        level: level ?? fit.level,
        ...(widen !== undefined ? { widen } : {}),
        predictions,
      });
    io.stdout(
      [
        `law ${fit.law.name}: ${formulaText(fit.law.formula)}; intervals at level ${level ?? fit.level}${widen !== undefined ? `, prediction intervals widened ×${num(widen, 4)} in log space` : ""}`,
        ...formatPredictions(predictions),
      ].join("\n") + "\n",
    );
  },
});

/** A --at point with exactly the inputs a law needs. */
function checkedPoint(fit: FittedLaw, item: string, inputs: readonly string[]): Record<string, number> {
  const at = parseAssignments([item], "--at");
  for (const name of inputs) {
    if (!hasOwnName(at, name))
      throw new UserError(`--at ${item} lacks ${name}: law ${fit.law.name} needs ${inputs.join(", ")}`);
    if (!(at[name]! > 0)) throw new UserError(`--at ${item}: ${name} must be positive`);
  }
  for (const name of Object.keys(at)) {
    if (!inputs.includes(name))
      throw new UserError(
        `--at ${item}: law ${fit.law.name} has no input ${name} (inputs: ${inputs.join(", ")})`,
      );
  }
  return at;
}

/** `predict --schedule`: a whole curve, its steps counted as the schedule file's (else the fit's) are. */
function curve(
  values: OptionValues,
  io: CliIO,
  fit: FittedLaw & { stepBase: StepBase },
  level: number | undefined,
): void {
  const given = stepBaseFrom(values);
  if (typeof values.schedule !== "string")
    throw new UserError(`law ${fit.law.name} predicts curves: give --schedule <file.csv|kind:…>`);
  const { lr, stepBase } = scheduleFrom(values.schedule, { stepBase: given, fallback: fit.stepBase });
  const sizeInputs = fit.law.inputs.filter((name) => name !== "step");
  const items = Array.isArray(values.at) ? values.at : [];
  if (sizeInputs.length && items.length !== 1)
    throw new UserError(`law ${fit.law.name} needs one --at ${sizeInputs.map((n) => `${n}=…`).join(",")}`);
  if (!sizeInputs.length && items.length)
    throw new UserError(`--at is not used by curve law ${fit.law.name}; give --schedule`);
  const at = sizeInputs.length ? checkedPoint(fit, items[0]!, sizeInputs) : {};
  const stepList = listOption(values, "steps");
  const steps =
    stepList.length === 0 || stepList.includes("all")
      ? undefined
      : stepList.map((s) => {
          const v = parseDecimal(s, sizeSuffixes);
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
            throw new UserError(`invalid --steps ${s} (expected whole numbers or all)`);
          return v;
        });
  const prediction = predictCurve(fit, lr, {
    stepBase,
    ...(steps ? { steps } : {}),
    ...(at.N !== undefined ? { N: at.N } : {}),
    ...(level !== undefined ? { level } : {}),
  });
  if (values.json === true) {
    return printJson(io, {
      law: fit.law.name,
      level: level ?? fit.level,
      stepBase,
      intervalSteps: prediction.intervalSteps,
      band: prediction.band,
      curve: prediction.points,
    });
  }
  const points = prediction.points;
  // A long curve is summarised: about 20 evenly spaced steps and the last one.
  const every = Math.max(1, Math.ceil(points.length / 20));
  const shown = points.filter((_, i) => i % every === 0 || i === points.length - 1);
  const lines = [
    `law ${fit.law.name}: predicted curve, ${points.length} steps${stepBase ? " (counted from 1)" : ""}${shown.length < points.length ? ` (every ${every}th shown; --json for all)` : ""}; intervals at level ${level ?? fit.level}${prediction.intervalSteps && prediction.intervalSteps < points.length ? ` (from the draws at ${prediction.intervalSteps} steps, interpolated)` : ""}`,
    `  ${"step".padStart(8)} ${"lr".padStart(10)} ${"loss".padStart(8)}  ${"law interval".padEnd(20)} new-run interval`,
    ...shown.map(
      (p) =>
        `  ${String(p.step).padStart(8)} ${num(p.lr, 4).padStart(10)} ${num(p.loss, 5).padStart(8)}  ${(p.interval ? `[${num(p.interval[0], 5)}, ${num(p.interval[1], 5)}]` : "").padEnd(20)} [${num(p.predictionInterval[0], 5)}, ${num(p.predictionInterval[1], 5)}]`,
    ),
    prediction.band.source === "held-out refits"
      ? "  new-run intervals include the law's misfit on held-out curves and beyond a third of the training horizon (the fit's held-out refits)"
      : "  new-run intervals include the training residuals only (a fit without held-out refits: --intervals none, or one curve)",
    ...(prediction.band.note ? [`  - extrapolation: ${prediction.band.note}`] : []),
  ];
  io.stdout(lines.join("\n") + "\n");
}
