import { UserError } from "../../errors.js";
import type { OptionArgs, Params } from "../../dataTypes.js";
import type { FittedLaw, LawQuestion } from "../../types.js";
import { percentileInterval } from "../distributions.js";
import { withDraws, type Interval } from "../draws.js";
import { num } from "../report.js";

/** What a law with N*(C) = kN·C^aN tells the question: its power law at a parameter set, and where its data end. */
interface FrontierLaw {
  /** isoflop, envelope: the method in the answer and its heading. */
  readonly method: string;
  /** The heading's words, e.g. "from the budgets' vertices (Approach 2)". */
  readonly from: string;
  /** kN and aN at a parameter set (`draw`: the bootstrap draw's index, for a law that redraws a second stage). */
  frontier(fit: FittedLaw, p: Params, draw?: number): { kN: number; aN: number };
  /** The largest compute the fit saw, and what it is called ("the largest budget"). */
  readonly largest: (fit: FittedLaw) => number;
  readonly beyond: string;
}

/** The `--compute` option of every compute-optimal question. */
export const computeOption = {
  compute: { kind: "numbers", value: "<FLOPs>", description: "training compute budgets in FLOPs" },
} as const;

/**
 * The budgets of `--compute`, each a positive finite number of FLOPs, at least one.
 * @example computeBudgets({compute: [1e21, 1e23]}) // [1e21, 1e23]
 */
export function computeBudgets(args: OptionArgs): readonly number[] {
  const budgets = (args.compute as readonly number[] | undefined) ?? [];
  for (const C of budgets)
    if (!(C > 0) || !Number.isFinite(C))
      throw new UserError(`invalid --compute: ${C} (expected a positive number of FLOPs)`);
  if (budgets.length === 0) throw new UserError("scalefit optimize needs --compute (e.g. --compute 5.76e23)");
  return budgets;
}

/**
 * `optimize --compute C[,…]` for a law whose answer is the power law N*(C) = kN·C^aN (isoflop's vertices,
 * envelope's lower envelope): N* and D* = C/(6 N*) with intervals from the fit's draws, and the decades beyond
 * the largest compute fitted.
 * @example frontierQuestion({method: "envelope", from: "…", frontier: (_, p) => ({kN: p.kN, aN: p.aN}), largest, beyond: "the envelope"})
 */
export function frontierQuestion(law: FrontierLaw): LawQuestion {
  const allocation = (fit: FittedLaw, C: number) => {
    if (!(C > 0) || !Number.isFinite(C))
      throw new UserError(`invalid --compute: ${C} (expected a positive number of FLOPs)`);
    const at = (p: Params, draw?: number) => {
      const { kN, aN } = law.frontier(fit, p, draw);
      const N = kN * C ** aN;
      return { N, D: C / (6 * N) };
    };
    const { best, interval, all } = withDraws(fit, at, (a) => a.N);
    const of = (pick: (a: { N: number; D: number }) => number) =>
      percentileInterval(all.map(pick), fit.level) as Interval;
    return {
      C,
      N: best.N,
      D: best.D,
      tokensPerParameter: best.D / best.N,
      method: law.method,
      extrapolationDecades: Math.log10(C / law.largest(fit)),
      intervals: interval
        ? { N: interval, D: of((a) => a.D), tokensPerParameter: of((a) => a.D / a.N) }
        : null,
    };
  };
  type Allocation = ReturnType<typeof allocation>;
  return {
    name: "compute-optimal allocation",
    command: "optimize",
    when: "compute",
    options: computeOption,
    answer(fit, args) {
      const allocations = computeBudgets(args).map((C) => allocation(fit!, C));
      return { ...allocations[0]!, allocations };
    },
    format(answer, fit) {
      const rows = answer.allocations as Allocation[];
      const iv = (v: Interval | undefined) => (v ? ` [${num(v[0], 3)}, ${num(v[1], 3)}]` : "");
      return [
        `law ${law.method}: compute-optimal allocation ${law.from}, N*(C) = kN·C^aN; intervals at level ${fit!.level}`,
        ...rows.map(
          (a) =>
            `  C ${num(a.C, 3)}: N* ${num(a.N, 4)}${iv(a.intervals?.N)}  D* ${num(a.D, 4)}${iv(a.intervals?.D)}  D*/N* ${num(a.tokensPerParameter, 3)}${iv(a.intervals?.tokensPerParameter)}${a.extrapolationDecades > 0 ? `  (${num(a.extrapolationDecades, 2)} decades beyond ${law.beyond})` : ""}`,
        ),
        ...(!rows[0]!.intervals && fit!.unidentified?.length
          ? [
              `  (no intervals: the data's range cannot identify ${fit!.unidentified.join(", ")}; see the fit's warnings)`,
            ]
          : []),
      ].join("\n");
    },
  };
}
