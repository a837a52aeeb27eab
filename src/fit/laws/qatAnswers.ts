import { UserError } from "../../errors.js";
import type { OptionArgs, Params } from "../../dataTypes.js";
import type { FittedLaw, LawQuestion } from "../../types.js";
import { withDraws, type Interval } from "../draws.js";
import { num } from "../report.js";
import { minimizeOnGrid } from "../search.js";
import { fullPrecisionBits, qatFractionLaw } from "./qatFraction.js";

/**
 * What a fit of the QAT law answers: the QAT share of a token budget, the best bit width under a memory
 * budget, and the token budget at which a QAT model matches a full-precision one (Dremov et al. 2025). Every
 * answer carries an interval from the fit's draws; the QAT share also answers without a fit, from the
 * published one-parameter law.
 */

function requireQat(fit: FittedLaw, question: string): void {
  if (fit.law.name !== "qat")
    throw new UserError(`${question} needs a fit of law qat; this fit is law ${fit.law.name}`);
}

function positive(value: number, what: string): void {
  if (!(value > 0) || !Number.isFinite(value))
    throw new UserError(`invalid ${what}: ${value} (expected a positive number)`);
}

/** The QAT share of a token budget. */
export interface QatPlan {
  readonly N: number;
  readonly D: number;
  readonly bits: number;
  /** D_qat / D. */
  readonly qatFraction: number;
  /** Predicted loss at that fraction; null for the published one-parameter law (it predicts no loss). */
  readonly loss: number | null;
  /** Tokens per parameter-byte, D/(N·bits/8). */
  readonly tokensPerParameterByte: number;
  /** `fit`: minimised over the fitted loss law; `published`: Dremov et al.'s f̂ = exp(−a/ln S). */
  readonly method: "fit" | "published";
  /** The fraction's interval, and the loss's where it does not move with a parameter the fit cannot identify. */
  readonly intervals: { readonly qatFraction: Interval; readonly loss: Interval | null } | null;
}

function checkBits(bits: number): void {
  if (!(bits >= 1 && bits <= fullPrecisionBits))
    throw new UserError(`invalid --bits ${bits} (expected 1–${fullPrecisionBits})`);
}

/** The QAT fraction in [0, 1] minimising the fitted loss at (N, D, bits): a grid, then golden-section search. */
function bestFraction(fit: FittedLaw, p: Params, N: number, D: number, bits: number) {
  const loss = (f: number) => fit.law.predict(p, { N, Dfp: (1 - f) * D, Dqat: f * D, bits });
  if (bits >= fullPrecisionBits) return { f: 0, loss: loss(0) };
  // Fractions from 1e-4 to 1 − 1e-4: log-spaced near both ends (the QAT penalty diverges as f → 0, the
  // full-precision term as f → 1), linear between.
  const grid = [
    ...Array.from({ length: 40 }, (_, i) => 1e-4 * 10 ** ((3 * i) / 40)),
    ...Array.from({ length: 81 }, (_, i) => 0.1 + (0.8 * i) / 80),
    ...Array.from({ length: 40 }, (_, i) => 1 - 0.1 * 10 ** ((-3 * (i + 1)) / 40)),
  ];
  const { x: f, value } = minimizeOnGrid(grid, loss, { iterations: 60, tolerance: 1e-10 });
  return { f, loss: value };
}

/**
 * The QAT share of a total of D tokens for an N-parameter model quantised to `bits`: the fraction that
 * minimises a fitted `qat` law (with intervals from its draws), or without a fit the published
 * one-parameter law f̂ = exp(−a / ln S_total), a = 6.7297 (Dremov et al. 2025).
 * @example qatFraction(undefined, {N: 1e8, D: 2e9, bits: 4}) // published: S = 40, f ≈ 0.16
 */
export function qatFraction(
  fit: FittedLaw | undefined,
  { N, D, bits }: { N: number; D: number; bits: number },
): QatPlan {
  positive(N, "--params");
  positive(D, "--tokens");
  checkBits(bits);
  const S = D / ((N * bits) / 8);
  if (!fit) {
    if (!(S > 1))
      throw new UserError(
        `the published QAT-fraction law needs more than one token per parameter-byte (D/(N·bits/8) = ${S})`,
      );
    return {
      N,
      D,
      bits,
      qatFraction: qatFractionLaw(S),
      loss: null,
      tokensPerParameterByte: S,
      method: "published",
      intervals: null,
    };
  }
  requireQat(fit, "a QAT fraction");
  const { best, interval, intervalOf } = withDraws(
    fit,
    (p) => bestFraction(fit, p, N, D, bits),
    (a) => a.f,
  );
  return {
    N,
    D,
    bits,
    qatFraction: best.f,
    loss: best.loss,
    tokensPerParameterByte: S,
    method: "fit",
    intervals: interval ? { qatFraction: interval, loss: intervalOf((a) => a.loss) } : null,
  };
}

/** The bit width with the lowest loss when the weights must fit a memory budget. */
export interface BitChoice {
  /** Bytes of weights: N = 8·memory/bits parameters at each bit width. */
  readonly memory: number;
  readonly D: number;
  readonly bits: number;
  readonly N: number;
  readonly qatFraction: number;
  readonly loss: number;
  /** Every candidate bit width: its N, best QAT fraction and loss. */
  readonly candidates: readonly { bits: number; N: number; qatFraction: number; loss: number }[];
  /** How often each bit width is the best over the fit's draws (bootstrap support), or null. */
  readonly support: Readonly<Record<string, number>> | null;
  readonly intervals: Readonly<Record<"loss", Interval>> | null;
}

/**
 * The bit width that gives the lowest loss for a memory budget of `memory` bytes of weights
 * (N·bits/8 = memory, so fewer bits buy more parameters) trained on D tokens with the best QAT fraction at
 * each width; with the share of the fit's draws in which each width wins.
 * @example bestBits(fit, {memory: 5e8, D: 2e10}) // {bits: 4, N: 1e9, …, support: {"4": 0.9, "3": 0.1}}
 */
export function bestBits(
  fit: FittedLaw,
  {
    memory,
    D,
    candidates = [1, 2, 3, 4, 5, 6, 8, fullPrecisionBits],
  }: { memory: number; D: number; candidates?: readonly number[] },
): BitChoice {
  requireQat(fit, "--memory");
  positive(memory, "--memory");
  positive(D, "--tokens");
  candidates.forEach(checkBits);
  const choose = (p: Params) => {
    const rows = candidates.map((bits) => {
      const N = (8 * memory) / bits;
      const { f, loss } = bestFraction(fit, p, N, D, bits);
      return { bits, N, qatFraction: f, loss };
    });
    const best = rows.reduce((a, b) => (b.loss < a.loss ? b : a));
    return { rows, best };
  };
  const { best, interval, all } = withDraws(fit, choose, (c) => c.best.loss);
  let support: Record<string, number> | null = null;
  if (all.length) {
    support = {};
    for (const c of all) support[c.best.bits] = (support[c.best.bits] ?? 0) + 1 / all.length;
  }
  return {
    memory,
    D,
    ...best.best,
    candidates: best.rows,
    support,
    intervals: interval ? { loss: interval } : null,
  };
}

/** The token budget at which a quantised model matches a full-precision one. */
export interface QatMatch {
  readonly N: number;
  readonly D: number;
  readonly bits: number;
  /** The full-precision model's loss at (N, D). */
  readonly fullPrecisionLoss: number;
  /** Total tokens the quantised model needs (best QAT fraction) to reach it; Infinity if it never does. */
  readonly tokens: number;
  /** tokens / D. */
  readonly ratio: number;
  /** Training compute 6·N·tokens. */
  readonly compute: number;
  readonly intervals: Readonly<Record<"tokens" | "ratio", Interval>> | null;
}

/**
 * How many tokens an N-parameter model quantised to `bits` (trained with the best QAT fraction) needs to
 * reach the loss of the same model trained in full precision on D tokens: the budget at which QAT matches
 * full precision (Infinity when the quantisation penalty never falls below the gap).
 * @example qatMatch(fit, {N: 1e8, D: 2e9, bits: 4}) // {tokens: 3.1e9, ratio: 1.55, compute: 1.9e18, …}
 */
export function qatMatch(fit: FittedLaw, { N, D, bits }: { N: number; D: number; bits: number }): QatMatch {
  requireQat(fit, "--match");
  positive(N, "--params");
  positive(D, "--tokens");
  checkBits(bits);
  const match = (p: Params) => {
    const target = fit.law.predict(p, { N, Dfp: D, Dqat: 0, bits: fullPrecisionBits });
    const at = (tokens: number) => bestFraction(fit, p, N, tokens, bits).loss - target;
    let lo = Math.log(D);
    let hi = Math.log(D * 1e6);
    if (at(Math.exp(lo)) <= 0) return { target, tokens: D };
    if (at(Math.exp(hi)) > 0) return { target, tokens: Infinity };
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (at(Math.exp(mid)) > 0) lo = mid;
      else hi = mid;
    }
    return { target, tokens: Math.exp(hi) };
  };
  const { best, interval } = withDraws(fit, match, (m) => m.tokens);
  return {
    N,
    D,
    bits,
    fullPrecisionLoss: best.target,
    tokens: best.tokens,
    ratio: best.tokens / D,
    compute: 6 * N * best.tokens,
    intervals: interval ? { tokens: interval, ratio: [interval[0] / D, interval[1] / D] } : null,
  };
}

const qatOptions = {
  tokens: { kind: "number", value: "<D>", description: "total training tokens (FP + QAT)" },
  params: { kind: "number", value: "<N>", description: "model parameters" },
  bits: { kind: "number", value: "<b>", description: "bit width of the quantised model (1–16)" },
} as const;

/** --tokens, --params and --bits of a QAT question. */
function qatQuestion(args: OptionArgs): { N: number; D: number; bits: number } {
  const { tokens: D, params: N, bits } = args as { tokens?: number; params?: number; bits?: number };
  if (D === undefined || N === undefined || bits === undefined)
    throw new UserError(
      "a QAT question needs --tokens, --params and --bits (e.g. --tokens 2e10 --params 1e9 --bits 4)",
    );
  if (!(D > 0)) throw new UserError(`invalid --tokens: ${D} (expected a positive number of tokens)`);
  if (!(N > 0)) throw new UserError(`invalid --params: ${N} (expected a positive number of parameters)`);
  if (!(bits >= 1 && bits <= 16))
    throw new UserError(`invalid --bits: ${bits} (expected a bit width in 1–16)`);
  return { N, D, bits };
}

function formatQatPlan(plan: QatPlan): string {
  const iv = (key: "qatFraction" | "loss", digits: number) =>
    plan.intervals?.[key]
      ? ` [${num(plan.intervals[key][0], digits)}, ${num(plan.intervals[key][1], digits)}]`
      : "";
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

/**
 * The questions `optimize` asks a qat fit: the bit width for a memory budget (`--memory`), the tokens at
 * which QAT matches full precision (`--match`), and by default the QAT share of a token budget (which also
 * answers without a fit, from the published law: `optimize --law qat`).
 * @example qatQuestions.map((q) => q.when) // ["memory", "match", undefined]
 */
export const qatQuestions: readonly LawQuestion[] = [
  {
    name: "bit width",
    command: "optimize",
    when: "memory",
    options: {
      memory: {
        kind: "number",
        value: "<bytes>",
        description: "bytes of weights (N·bits/8): the best bit width for that budget",
      },
      tokens: qatOptions.tokens,
    },
    answer(fit, args) {
      const memory = args.memory as number;
      if (args.tokens === undefined) throw new UserError("--memory needs --tokens (the training tokens)");
      const tokens = args.tokens as number;
      if (!(tokens > 0))
        throw new UserError(`invalid --tokens: ${tokens} (expected a positive number of tokens)`);
      return { ...bestBits(fit!, { memory, D: tokens }) };
    },
    format(answer) {
      const choice = answer as unknown as BitChoice;
      const support = choice.support
        ? ` (best in ${Object.entries(choice.support)
            .sort((a, b) => b[1] - a[1])
            .map(([b, share]) => `${num(100 * share, 3)}% of draws at ${b} bits`)
            .join(", ")})`
        : "";
      return [
        `law qat: the bit width with the lowest loss for ${num(choice.memory, 3)} bytes of weights trained on ${num(choice.D, 3)} tokens${support}`,
        ...choice.candidates.map(
          (c) =>
            `  ${String(c.bits).padStart(2)} bits: N ${num(c.N, 3).padEnd(9)} QAT fraction ${num(c.qatFraction, 3).padEnd(7)} loss ${num(c.loss, 5)}${c.bits === choice.bits ? "  <- best" : ""}`,
        ),
      ].join("\n");
    },
  },
  {
    name: "match",
    command: "optimize",
    when: "match",
    options: {
      match: {
        kind: "boolean",
        description: "the tokens at which the quantised model matches the full-precision one",
      },
      ...qatOptions,
    },
    answer: (fit, args) => ({ ...qatMatch(fit!, qatQuestion(args)) }),
    format(answer) {
      const match = answer as unknown as QatMatch;
      const iv = match.intervals
        ? ` [${num(match.intervals.ratio[0], 3)}, ${num(match.intervals.ratio[1], 3)}]`
        : "";
      return `law qat: a ${num(match.N, 3)}-parameter model at ${match.bits} bits matches its full-precision loss ${num(match.fullPrecisionLoss, 5)} (on ${num(match.D, 3)} tokens) after ${num(match.tokens, 4)} tokens: ${num(match.ratio, 3)}×${iv} the budget, ${num(match.compute, 3)} FLOPs`;
    },
  },
  {
    name: "QAT fraction",
    command: "optimize",
    options: qatOptions,
    withoutFit: true,
    answer: (fit, args) => ({ ...qatFraction(fit, qatQuestion(args)) }),
    format: (answer) => formatQatPlan(answer as unknown as QatPlan),
  },
];
