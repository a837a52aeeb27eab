import { UserError } from "../errors.js";
import { computeBudgets, computeOption } from "../fit/laws/frontierQuestion.js";
import { num } from "../fit/report.js";
import type { OptionArgs } from "../dataTypes.js";
import type { FittedLaw, Law, LawQuestion } from "../types.js";
import { computeOptimal, type Allocation } from "./computeOptimal.js";
import { optimizeSchedule, scheduleFamilies } from "./optimizeSchedule.js";

/**
 * The questions a fit answers, and the one a command line asks. A law carries its own (`Law.questions`);
 * those every law of a shape answers are here: compute-optimal N and D for laws in N and D, and the best
 * schedule of a family for curve laws.
 */

/** Compute-optimal allocations as a table for people. */
export function formatAllocations(allocations: readonly Allocation[]): string[] {
  const lines = [
    `  ${"C (FLOPs)".padEnd(11)} ${"N*".padEnd(30)} ${"D*".padEnd(30)} ${"D*/N*".padEnd(22)} loss`,
  ];
  for (const a of allocations) {
    const iv = (key: "N" | "D" | "loss" | "tokensPerParameter", digits = 3) => {
      const v = a.intervals?.[key];
      if (a.intervals && !v) return " [not identified]";
      return v ? ` [${num(v[0], digits)}, ${num(v[1], digits)}]` : "";
    };
    lines.push(
      `  ${num(a.C, 3).padEnd(11)} ${(num(a.N, 3) + iv("N")).padEnd(30)} ${(num(a.D, 3) + iv("D")).padEnd(30)} ${(num(a.tokensPerParameter, 3) + iv("tokensPerParameter")).padEnd(22)} ${num(a.loss, 4)}${iv("loss", 4)}`,
    );
  }
  return lines;
}

/** Compute-optimal N and D at `--compute` budgets: every law in N and D alone. */
const computeQuestion: LawQuestion = {
  name: "compute-optimal allocation",
  command: "optimize",
  options: computeOption,
  answer(fit, args) {
    const budgets = computeBudgets(args);
    const allocations = budgets.map((C) => computeOptimal(fit!, C));
    return { ...allocations[0]!, allocations };
  },
  format(answer, fit) {
    const allocations = answer.allocations as Allocation[];
    return [
      `law ${fit!.law.name}: compute-optimal allocation under C = 6ND (${allocations[0]!.method}); intervals at level ${fit!.level}`,
      ...formatAllocations(allocations),
      ...(!allocations[0]!.intervals && fit!.unidentified?.length
        ? [
            `  (no intervals: the data's range cannot identify ${fit!.unidentified.join(", ")}; see the fit's warnings)`,
          ]
        : []),
    ].join("\n");
  },
};

/** Peak LR and warmup of a schedule search: the options given, else the fit's training schedules'. */
function scheduleSettings(fit: FittedLaw, args: OptionArgs): { peak: number | undefined; warmup: number } {
  const data = (fit as { artifact?: { data?: { schedulePeak?: number; scheduleWarmup?: number } } }).artifact
    ?.data;
  return {
    peak: (args.peak as number | undefined) ?? data?.schedulePeak,
    warmup: (args.warmup as number | undefined) ?? data?.scheduleWarmup ?? 0,
  };
}

/** The schedule of a family that minimises a curve law's predicted loss at `--steps`. */
const scheduleQuestion: LawQuestion = {
  name: "best schedule",
  command: "optimize",
  options: {
    steps: { kind: "number", value: "<T>", description: "training steps whose final loss is minimised" },
    family: {
      kind: "string",
      value: "<family>",
      description: `schedule family to search (${scheduleFamilies.join(", ")})`,
    },
    peak: { kind: "number", value: "<lr>", description: "peak LR (default: the fit's training schedules)" },
    warmup: {
      kind: "number",
      value: "<steps>",
      description: "warmup steps (default: the fit's training schedules)",
    },
    at: {
      kind: "assignments",
      value: "<N=…[,D=…]>",
      description: "the planned model (a curve law fitted across sizes: N=…; hparams: N=…,D=…)",
    },
  },
  answer(fit, args) {
    const steps = args.steps as number | undefined;
    if (steps === undefined)
      throw new UserError(
        "scalefit optimize needs --steps for a curve law (e.g. --steps 24000 --family wsd)",
      );
    if (!Number.isInteger(steps) || steps <= 1)
      throw new UserError(`invalid --steps: ${steps} (expected a whole number of steps)`);
    const family = args.family as string | undefined;
    if (family === undefined)
      throw new UserError("scalefit optimize needs --family (see scalefit optimize --help)");
    if (!(scheduleFamilies as readonly string[]).includes(family))
      throw new UserError(`invalid --family ${family} (expected ${scheduleFamilies.join(", ")})`);
    const { peak, warmup } = scheduleSettings(fit!, args);
    if (args.peak !== undefined && !((args.peak as number) > 0))
      throw new UserError(`invalid --peak: ${args.peak} (expected a positive learning rate)`);
    if (!Number.isInteger(warmup) || warmup < 0)
      throw new UserError(`invalid --warmup: ${warmup} (expected a whole number of steps)`);
    if (peak === undefined) throw new UserError("the fit does not record its peak LR: give --peak");
    const N = (args.at as Readonly<Record<string, number>> | undefined)?.N;
    const result = optimizeSchedule(fit!, {
      steps,
      family: family as (typeof scheduleFamilies)[number],
      peak,
      warmup,
      ...(N ? { N } : {}),
    });
    return { ...result };
  },
  format(answer, fit, args) {
    const r = answer as unknown as ReturnType<typeof optimizeSchedule>;
    const { steps, family } = args as { steps: number; family: string };
    const { peak = NaN, warmup } = scheduleSettings(fit!, args);
    const gain = r.gainInterval ? ` [${num(r.gainInterval[0], 3)}, ${num(r.gainInterval[1], 3)}]` : "";
    return [
      `law ${fit!.law.name}: the ${family} schedule that minimises the predicted loss at step ${steps} (peak ${num(peak, 4)}, warmup ${warmup})`,
      `  best      ${r.best.text}`,
      `            loss ${num(r.best.loss, 5)}`,
      `  baseline  ${r.baseline.text}`,
      `            loss ${num(r.baseline.loss, 5)}`,
      `  gain over cosine to 10 % of the peak: ${num(r.gain, 3)}${gain} (${num((100 * r.gain) / r.baseline.loss, 3)}%)`,
    ].join("\n");
  },
};

/**
 * The questions `command` can ask a fit of `law`: the law's own first, then those of its shape.
 * @example questionsFor(chinchilla, "optimize").map((q) => q.name) // ["compute-optimal allocation"]
 */
function questionsFor(law: Law, command: "optimize" | "predict"): LawQuestion[] {
  const own = (law.questions ?? []).filter((q) => q.command === command);
  if (command !== "optimize" || own.length) return own;
  // A law without questions of its own is asked for an allocation (one not in N and D says why it has none),
  // a curve law for its best schedule.
  return [law.curve ? scheduleQuestion : computeQuestion];
}

/**
 * Every question of this shape, for the flags a command offers (`optimize --compute`, `--family`, …).
 * @example shapeQuestions.length // 2
 */
export const shapeQuestions: readonly LawQuestion[] = [computeQuestion, scheduleQuestion];

/**
 * The question a set of given options asks of a law: the first whose selecting option (`when`) is given,
 * else the law's question without one, else its first (which then says what it needs); undefined when the
 * law has none for the command.
 * @example chooseQuestion(qat, "optimize", new Set(["memory", "tokens"]))?.name // "bit width"
 */
export function chooseQuestion(
  law: Law,
  command: "optimize" | "predict",
  given: ReadonlySet<string>,
): LawQuestion | undefined {
  const questions = questionsFor(law, command);
  return (
    questions.find((q) => q.when !== undefined && given.has(q.when)) ??
    questions.find((q) => q.when === undefined) ??
    questions[0]
  );
}

/**
 * The answer to a question about a fit (or, for questions that answer without one, about a law).
 * @example answerQuestion(question, fit, {compute: [5.76e23]})
 */
export function answerQuestion(
  question: LawQuestion,
  fit: FittedLaw | undefined,
  args: OptionArgs,
): { answer: Record<string, unknown>; text: string } {
  const answer = question.answer(fit, args);
  return { answer, text: question.format(answer, fit, args) };
}
