import { UserError } from "../../errors.js";
import type { Inputs, OptionArgs, Params } from "../../dataTypes.js";
import type { FittedLaw, LawQuestion } from "../../types.js";
import { withDraws, type Interval } from "../draws.js";
import { num } from "../report.js";
import { minimizeOnGrid } from "../search.js";
import { chinchillaOptimal } from "./chinchilla.js";
import {
  effectiveFraction,
  highPrecisionBits,
  optimalTrainingPrecision,
  precisionTerms,
  publishedPrecisionParams,
} from "./precisionTerms.js";

/**
 * What a fit of the precision law answers (Kumar et al. 2024, arXiv 2411.04330): the loss of a planned run
 * with its post-training-quantisation degradation apart, and the compute-optimal training precision, N and D
 * at a budget under C = (6/16)·N·D·P (eq. 5) — the latter also from the published constants, without a fit.
 */

function requirePrecision(fit: FittedLaw, question: string): void {
  if (fit.law.name !== "precision")
    throw new UserError(`${question} needs a fit of law precision; this fit is law ${fit.law.name}`);
}

/** A planned run: N, D, training bits of each part, and the bits its weights are quantised to after training. */
export interface PrecisionPlan {
  readonly N: number;
  readonly D: number;
  readonly Pw: number;
  readonly Pa: number;
  readonly Pkv: number;
  /** Ppost ≥ Pw: no post-training quantisation. */
  readonly Ppost: number;
}

/** The predicted loss of a planned run, split as eq. 11 is. */
export interface PrecisionPrediction extends PrecisionPlan {
  /** After PTQ (what is served). */
  readonly loss: number;
  /** At the end of training, before PTQ. */
  readonly trainingLoss: number;
  /** δ_PTQ = loss − trainingLoss. */
  readonly degradation: number;
  readonly Neff: number;
  /** N_eff / N. */
  readonly effectiveFraction: number;
  /** The loss's interval, and the other two's where they do not move with a parameter the fit cannot identify. */
  readonly intervals: {
    readonly loss: Interval;
    readonly trainingLoss: Interval | null;
    readonly degradation: Interval | null;
  } | null;
}

/**
 * The loss of a planned run from a precision fit, its degradation under PTQ reported apart, with intervals
 * from the fit's draws.
 * @example predictPrecision(fit, {N: 1e9, D: 1e11, Pw: 8, Pa: 8, Pkv: 8, Ppost: 4}) // {loss, trainingLoss, degradation, …}
 */
export function predictPrecision(fit: FittedLaw, plan: PrecisionPlan): PrecisionPrediction {
  requirePrecision(fit, "--plan");
  const x: Inputs = { ...plan };
  const problem = fit.law.checkPoint?.(x);
  if (problem) throw new UserError(`invalid --plan: ${problem}`);
  const { best, interval, intervalOf } = withDraws(
    fit,
    (p) => precisionTerms(p, x),
    (t) => t.loss,
  );
  const of = (key: "trainingLoss" | "degradation") => intervalOf((t) => t[key]);
  return {
    ...plan,
    ...best,
    effectiveFraction: best.Neff / plan.N,
    intervals: interval
      ? { loss: interval, trainingLoss: of("trainingLoss"), degradation: of("degradation") }
      : null,
  };
}

/** The compute-optimal training precision and allocation at one budget. */
export interface PrecisionAllocation {
  /** Training FLOPs, C = (6/16)·N·D·P. */
  readonly C: number;
  /** Training precision of weights, activations and KV cache (tied), bits. */
  readonly P: number;
  readonly N: number;
  readonly D: number;
  readonly Neff: number;
  readonly tokensPerParameter: number;
  /** Loss at the end of training (no PTQ). */
  readonly loss: number;
  /** N was given (§4.3.3: P and D chosen), or chosen with D and P (§4.3.2). */
  readonly fixedN: boolean;
  /** `fit`: the fitted law; `published`: Kumar et al.'s Table 2 constants. */
  readonly method: "fit" | "published";
  /** P's interval, and the others' where they do not move with a parameter the fit cannot identify. */
  readonly intervals: {
    readonly P: Interval;
    readonly N: Interval | null;
    readonly D: Interval | null;
    readonly loss: Interval | null;
  } | null;
}

const trainingLossAt = (p: Params, N: number, D: number, P: number) =>
  precisionTerms(p, { N, D, Pw: P, Pa: P, Pkv: P, Ppost: highPrecisionBits }).trainingLoss;

/** The optimum at budget C for parameters p: P* then Chinchilla's N*, D* (§4.3.2), or P and D at a given N. */
function allocate(p: Params, C: number, N?: number) {
  if (N !== undefined) {
    // §4.3.3: with N fixed, D = 16C/(6NP) and the loss is a function of P alone.
    const tokens = (P: number) => (16 * C) / (6 * N * P);
    const cost = (P: number) => {
      const loss = trainingLossAt(p, N, tokens(P), P);
      return Number.isFinite(loss) ? loss : Infinity;
    };
    const grid = Array.from({ length: 301 }, (_, i) => 1 + i * 0.05);
    const { x: P, value: loss } = minimizeOnGrid(grid, cost, { iterations: 80, tolerance: 1e-10 });
    return { P, N, D: tokens(P), loss };
  }
  const P = optimalTrainingPrecision(p);
  const fraction = effectiveFraction(p, { Pw: P, Pa: P, Pkv: P });
  // At a fixed P the law is Chinchilla's with A·(N_eff/N)^(−alpha) and N·D = 16C/(6P) (eq. 5–6).
  const optimum = chinchillaOptimal({ ...p, A: p.A! * fraction ** -p.alpha! }, (16 * C) / P);
  return { P, ...optimum, loss: trainingLossAt(p, optimum.N, optimum.D, P) };
}

/**
 * The compute-optimal training precision P (weights, activations and KV cache tied, as compute ∝ P needs;
 * §4.2), N and D at a budget of C = (6/16)·N·D·P FLOPs (Kumar et al. eq. 5): P* does not depend on C (§4.3.2,
 * Finding 3; 7.0 bits with Table 2's constants, "7–8 bits" in the paper); with N given, P*(C) grows with C
 * (§4.3.3). From a fit (intervals from its draws) or, without one, from the published constants.
 * @example precisionAllocation(undefined, {C: 1e21}) // {P: 7.0, N: …, D: …, method: "published"}
 */
export function precisionAllocation(
  fit: FittedLaw | undefined,
  { C, N }: { C: number; N?: number },
): PrecisionAllocation {
  if (!(C > 0) || !Number.isFinite(C))
    throw new UserError(`invalid --compute: ${C} (expected a positive number of FLOPs)`);
  if (N !== undefined && (!(N > 0) || !Number.isFinite(N)))
    throw new UserError(`invalid --params: ${N} (expected a positive number of parameters)`);
  const answer = (p: Params) => {
    const a = allocate(p, C, N);
    const fraction = effectiveFraction(p, { Pw: a.P, Pa: a.P, Pkv: a.P });
    return { ...a, Neff: a.N * fraction, tokensPerParameter: a.D / a.N };
  };
  const common = { C, fixedN: N !== undefined };
  if (!fit) return { ...common, ...answer(publishedPrecisionParams), method: "published", intervals: null };
  requirePrecision(fit, "a compute-optimal training precision");
  const { best, interval, intervalOf } = withDraws(fit, answer, (a) => a.P);
  const of = (key: "N" | "D" | "loss") => intervalOf((a) => a[key]);
  return {
    ...common,
    ...best,
    method: "fit",
    intervals: interval ? { P: interval, N: of("N"), D: of("D"), loss: of("loss") } : null,
  };
}

/** A planned run from --plan: N and D, training bits P (or Pw, Pa, Pkv; default 16), Ppost (default: Pw). */
function planOf(args: OptionArgs): PrecisionPlan {
  const plan = (args.plan ?? {}) as Readonly<Record<string, number>>;
  const known = ["N", "D", "P", "Pw", "Pa", "Pkv", "Ppost"];
  const unknown = Object.keys(plan).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new UserError(`invalid --plan: no input ${unknown} (expected ${known.join(", ")})`);
  if (plan.N === undefined || plan.D === undefined)
    throw new UserError("--plan needs N and D (e.g. --plan N=1e9,D=2e10,P=8,Ppost=4)");
  for (const key of ["N", "D"])
    if (!(plan[key]! > 0) || !Number.isFinite(plan[key]))
      throw new UserError(`invalid --plan ${key}=${plan[key]} (expected a positive number)`);
  const bits = plan.P ?? highPrecisionBits;
  const [Pw, Pa, Pkv] = [plan.Pw ?? bits, plan.Pa ?? bits, plan.Pkv ?? bits];
  const Ppost = plan.Ppost ?? Pw;
  for (const [key, value] of Object.entries({ P: bits, Pw, Pa, Pkv, Ppost }))
    if (!(value >= 1 && value <= highPrecisionBits))
      throw new UserError(`invalid --plan ${key}=${value} (expected bits in 1–${highPrecisionBits})`);
  return { N: plan.N, D: plan.D, Pw, Pa, Pkv, Ppost };
}

const intervalText = (interval: Interval | null | undefined, digits: number) =>
  interval ? ` [${num(interval[0], digits)}, ${num(interval[1], digits)}]` : "";

/**
 * The questions of a precision fit: `predict --plan` (a planned run's loss, its PTQ degradation apart) and
 * `optimize --compute` (the compute-optimal training precision, N and D; `--params` fixes N; `optimize --law
 * precision` answers from the published constants).
 * @example precisionQuestions.map((q) => q.command) // ["predict", "optimize"]
 */
export const precisionQuestions: readonly LawQuestion[] = [
  {
    name: "planned run",
    command: "predict",
    when: "plan",
    options: {
      plan: {
        kind: "assignments",
        value: "<N=…,D=…,P=…,Ppost=…>",
        description:
          "a planned run: N, D, training bits P (or Pw, Pa, Pkv; default 16) and PTQ bits Ppost (default: none)",
      },
      level: { kind: "number", value: "<p>", description: "interval level (default: the fit's)" },
    },
    answer(fit, args) {
      const level = args.level as number | undefined;
      const prediction = predictPrecision(level !== undefined ? { ...fit!, level } : fit!, planOf(args));
      return { law: "precision", level: level ?? fit!.level, ...prediction };
    },
    format(answer) {
      const a = answer as unknown as PrecisionPrediction & { level: number };
      const quantised = a.Ppost < a.Pw;
      return [
        `law precision: N ${num(a.N, 3)}, D ${num(a.D, 3)}, trained in ${a.Pw}/${a.Pa}/${a.Pkv} bits (weights/activations/KV), ${quantised ? `weights post-train quantised to ${a.Ppost} bits` : "no post-training quantisation"}; intervals at level ${a.level}`,
        `  N_eff ${num(a.Neff, 3)} (${num(100 * a.effectiveFraction, 3)}% of N)`,
        `  loss after training ${num(a.trainingLoss, 5)}${intervalText(a.intervals?.trainingLoss, 5)}`,
        `  PTQ degradation     ${num(a.degradation, 4)}${intervalText(a.intervals?.degradation, 4)}`,
        `  loss served         ${num(a.loss, 5)}${intervalText(a.intervals?.loss, 5)}`,
      ].join("\n");
    },
  },
  {
    name: "training precision",
    command: "optimize",
    withoutFit: true,
    options: {
      compute: { kind: "numbers", value: "<FLOPs>", description: "training compute budgets in FLOPs" },
      params: { kind: "number", value: "<N>", description: "model parameters (precision: held fixed)" },
    },
    answer(fit, args) {
      const budgets = (args.compute as readonly number[] | undefined) ?? [];
      if (budgets.length === 0)
        throw new UserError("a compute-optimal training precision needs --compute (e.g. --compute 1e21)");
      const N = args.params as number | undefined;
      const allocations = budgets.map((C) =>
        precisionAllocation(fit, { C, ...(N !== undefined ? { N } : {}) }),
      );
      return { ...allocations[0]!, allocations };
    },
    format(answer) {
      const allocations = answer.allocations as PrecisionAllocation[];
      const first = allocations[0]!;
      const how =
        first.method === "published"
          ? "Kumar et al. 2024's published constants (Table 2)"
          : "the fitted law, intervals from its draws";
      return [
        `law precision: compute-optimal training precision (weights, activations, KV tied) under C = (6/16)·N·D·P${first.fixedN ? `, N fixed at ${num(first.N, 3)}` : ""}; ${how}`,
        ...allocations.map(
          (a) =>
            `  C ${num(a.C, 3).padEnd(10)} P ${num(a.P, 3)}${intervalText(a.intervals?.P, 3)} bits  N ${num(a.N, 3)}${intervalText(a.intervals?.N, 3)}  D ${num(a.D, 3)}${intervalText(a.intervals?.D, 3)}  D/N ${num(a.tokensPerParameter, 3)}  loss ${num(a.loss, 5)}${intervalText(a.intervals?.loss, 5)}`,
        ),
      ].join("\n");
    },
  },
];
