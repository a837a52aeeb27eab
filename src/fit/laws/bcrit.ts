import { UserError } from "../../errors.js";
import type { DerivedQuantity, Observations, Params, StartOptions } from "../../dataTypes.js";
import type { FittedLaw, Law, LawDefinition, LawQuestion } from "../../types.js";
import { percentileInterval } from "../distributions.js";
import { drawParams } from "../fitLaw.js";
import { num } from "../report.js";
import { lineFit } from "../statistics.js";
import { listingOf } from "./listing.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { stepsLaw, stepsLawProblem } from "./bcritSteps.js";

/**
 * Critical batch size from a batch-size sweep (McCandlish et al. 2018, "An Empirical Model of Large-Batch
 * Training", eq. 2.11; Kaplan et al. 2020, §5.1). At a fixed target loss, the steps S and tokens E = B·S that
 * runs at batch size B (tokens per step) need to reach it lie on the hyperbola (S/S_min − 1)(E/E_min − 1) = 1,
 * i.e. S = S_min + E_min/B: linear in S_min and E_min, which are fitted per target loss (one pair per target;
 * the points are each run's steps to reach each target). The critical batch size of a target is
 * B_crit = E_min/S_min, and across targets B_crit(L) = Bstar / L^(1/alphaB) (Kaplan: Bstar ≈ 2e8 tokens,
 * alphaB ≈ 0.21) is fitted to them by least squares in logs: Bstar and alphaB are derived quantities, with
 * intervals from the same bootstrap draws. With three or more targets, S_min(L) = Sc^alphaS/(L − LN) gives
 * the steps-to-loss relation of Su et al. 2024 (L = LN + (Sc/S_min)^alphaS), used to predict the loss
 * trajectory at any batch size (`batchTrajectory`).
 * @example bcritLaw([3.0, 2.6]).predict({Smin_1: 1000, Emin_1: 1e9, Smin_2: 3000, Emin_2: 5e9}, {B: 1e6, target: 3.0}) // 2000
 */
export function bcritLaw(targets: readonly number[]): Law {
  if (targets.length === 0) throw new UserError("law bcrit needs target losses (--targets 3.0,2.6,2.3)");
  targets.forEach((t) => {
    if (!(t > 0) || !Number.isFinite(t))
      throw new UserError(`invalid target loss ${t} (expected a positive number)`);
  });
  if (new Set(targets).size !== targets.length)
    throw new UserError(`target losses repeat: ${targets.join(", ")}`);
  const k = targets.length;
  const index = new Map(targets.map((t, i) => [t, i]));
  const slot = (target: number) => {
    const i = index.get(target);
    if (i === undefined)
      throw new UserError(`loss target ${target} is not one of the law's targets ${targets.join(", ")}`);
    return i;
  };
  const params = targets.flatMap((t, i) => [
    { name: `Smin_${i + 1}`, log: true, value: 1000, description: `fewest steps to reach loss ${t}` },
    { name: `Emin_${i + 1}`, log: true, value: 1e9, description: `fewest tokens to reach loss ${t}` },
  ]);
  const derived: Record<string, DerivedQuantity> = {};
  targets.forEach((t, i) => {
    derived[`Bcrit_${i + 1}`] = {
      description: `critical batch size at loss ${t} (tokens), Emin/Smin`,
      value: (p) => p[`Emin_${i + 1}`]! / p[`Smin_${i + 1}`]!,
    };
  });
  if (k >= 2) {
    derived.Bstar = {
      description: "Bcrit(L) = Bstar / L^(1/alphaB): the scale (tokens)",
      value: (p) => batchPowerLaw(targets, p).Bstar,
    };
    derived.alphaB = {
      description: "Bcrit(L) = Bstar / L^(1/alphaB): the exponent",
      value: (p) => batchPowerLaw(targets, p).alphaB,
    };
  }
  if (k >= 3) {
    // LN, Sc and alphaS come from one search per parameter set: done once per set (fitLaw shares each
    // draw's set between the derived quantities).
    const solved = new WeakMap<Params, ReturnType<typeof stepsLaw>>();
    const steps = (p: Params) => solved.get(p) ?? solved.set(p, stepsLaw(targets, p)).get(p)!;
    derived.LN = {
      description: "L = LN + (Sc/Smin)^alphaS: the loss at infinite steps",
      value: (p) => steps(p).LN,
    };
    derived.Sc = {
      description: "L = LN + (Sc/Smin)^alphaS: the step scale",
      value: (p) => steps(p).Sc,
    };
    derived.alphaS = {
      description: "L = LN + (Sc/Smin)^alphaS: the exponent",
      value: (p) => steps(p).alphaS,
    };
  }
  return {
    name: "bcrit",
    formula: "S = Smin + Emin/B per target loss; Bcrit = Emin/Smin = Bstar / L^(1/alphaB)",
    description: "critical batch size: steps and tokens to reach target losses at each batch size",
    reference: "McCandlish et al. 2018, eq. 2.11; Kaplan et al. 2020, §5.1; Su et al. 2024",
    inputs: ["B", "target"],
    params,
    linear: params.map((p) => p.name),
    // A run's steps to each target come from one loss curve: one draw, redrawn together.
    resample: "runs",
    predict(p, x) {
      const i = slot(x.target!) + 1;
      return p[`Smin_${i}`]! + p[`Emin_${i}`]! / x.B!;
    },
    gradient(_p, x) {
      const i = slot(x.target!);
      const g = new Array<number>(2 * k).fill(0);
      g[2 * i] = 1;
      g[2 * i + 1] = 1 / x.B!;
      return g;
    },
    starts: (data, fixed, options) => [hyperbolaStarts(targets, data, fixed, options)],
    derived,
    spec: { targets: [...targets] },
    sweepTargets: [...targets],
    questions: [trajectoryQuestion],
    summary: (fit) => ({ ...bcritSummary(fit) }),
    diagnose: (p) => {
      const problem = k >= 3 ? stepsLawProblem(targets, p) : undefined;
      return problem
        ? [{ code: "not-identified", message: `${problem}: predict --batch gives no trajectory` }]
        : [];
    },
    charts: ["batch"],
  };
}

/**
 * Each target's S_min and E_min by (weighted, non-negative) linear least squares of S on 1/B: the fit is
 * separable, so the optimum of the projection is exact.
 */
function hyperbolaStarts(
  targets: readonly number[],
  data: Observations,
  fixed: Params,
  options: StartOptions,
): Params {
  const p: Params = { ...fixed };
  targets.forEach((t, i) => {
    const rows = Array.from(data.loss.keys()).filter((r) => data.inputs.target![r] === t);
    const S = Float64Array.from(rows, (r) => data.loss[r]!);
    const one = new Float64Array(rows.length).fill(1);
    const inverse = Float64Array.from(rows, (r) => 1 / data.inputs.B![r]!);
    const w = Float64Array.from(
      rows,
      (r, j) => (data.weight?.[r] ?? 1) / (options.space === "log" ? S[j]! ** 2 : 1),
    );
    const solved = rows.length ? boundedLinearLeastSquares([one, inverse], S, w, [0, 0]) : undefined;
    const [Smin, Emin] = solved ? Array.from(solved.coefficients) : [1, 1];
    const smallest = Math.min(...S);
    p[`Smin_${i + 1}`] ??= Math.max(Smin!, 1e-3 * (Number.isFinite(smallest) ? smallest : 1));
    p[`Emin_${i + 1}`] ??= Math.max(Emin!, 1e-3 * (Number.isFinite(smallest) ? smallest : 1));
  });
  return p;
}

/**
 * Bstar and alphaB of B_crit(L) = Bstar / L^(1/alphaB), fitted to the targets' B_crit = E_min/S_min by
 * least squares in logs (log B_crit = log Bstar − (1/alphaB) log L).
 * @example batchPowerLaw([3, 2], {Smin_1: 1, Emin_1: 2e8 / 3 ** (1 / 0.21), Smin_2: 1, Emin_2: 2e8 / 2 ** (1 / 0.21)}) // {Bstar: 2e8, alphaB: 0.21}
 */
export function batchPowerLaw(targets: readonly number[], p: Params): { Bstar: number; alphaB: number } {
  const { intercept, slope } = lineFit(
    targets.map(Math.log),
    targets.map((_, i) => Math.log(p[`Emin_${i + 1}`]! / p[`Smin_${i + 1}`]!)),
  );
  return { Bstar: Math.exp(intercept), alphaB: -1 / slope };
}

/**
 * The critical batch size at a loss: B_crit(L) = Bstar / L^(1/alphaB) (Kaplan et al. 2020, eq. 5.3).
 * @example criticalBatch(2.0, {Bstar: 2e8, alphaB: 0.21}) // 7.38e6 tokens
 */
export function criticalBatch(loss: number, { Bstar, alphaB }: { Bstar: number; alphaB: number }): number {
  return Bstar / loss ** (1 / alphaB);
}

/** The predicted loss at one step of a run at a batch size. */
export interface TrajectoryPoint {
  readonly step: number;
  readonly loss: number;
  /** The critical batch size at that loss (tokens). */
  readonly Bcrit: number;
  readonly interval: readonly [number, number] | null;
}

/**
 * The loss trajectory of a run at batch size B (tokens per step) from a `bcrit` fit, Su et al. 2024's
 * self-consistent form at one model size: L = LN + (Sc/S_min)^alphaS with S_min = S/(1 + B_crit(L)/B) and
 * B_crit(L) = Bstar/L^(1/alphaB). At each step the equation is solved for L by bisection (its left side minus
 * its right side increases with L, so the root is unique). Needs a fit with three or more targets; intervals
 * from the fit's draws.
 * @example batchTrajectory(fit, {B: 262144, steps: [1000, 2000, 4000]})
 */
export function batchTrajectory(
  fit: FittedLaw,
  { B, steps }: { B: number; steps: readonly number[] },
): { B: number; curve: TrajectoryPoint[] } {
  if (fit.law.name !== "bcrit")
    throw new UserError(`--batch needs a fit of law bcrit; this fit is law ${fit.law.name}`);
  const targets = (fit.law.spec as { targets: number[] }).targets;
  if (targets.length < 3)
    throw new UserError(
      `a trajectory needs a bcrit fit with three targets or more (this one has ${targets.length})`,
    );
  if (!(B > 0)) throw new UserError(`invalid --batch ${B} (expected a positive number of tokens per step)`);
  steps.forEach((s) => {
    if (!(s > 0)) throw new UserError(`invalid step ${s} (expected a positive number)`);
  });
  const curveOf = (p: Params) => {
    const batch = batchPowerLaw(targets, p);
    const { LN, Sc, alphaS } = stepsLaw(targets, p);
    return steps.map((S) => {
      const excess = (L: number) => L - LN - ((Sc * (1 + criticalBatch(L, batch) / B)) / S) ** alphaS;
      let lo = LN;
      let hi = LN + ((Sc * (1 + criticalBatch(LN, batch) / B)) / S) ** alphaS;
      if (!(hi > lo) || !Number.isFinite(hi)) return NaN;
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        if (excess(mid) > 0) hi = mid;
        else lo = mid;
      }
      return (lo + hi) / 2;
    });
  };
  const problem = stepsLawProblem(targets, fit.params);
  if (problem) throw new UserError(`no trajectory from this fit: ${problem}`);
  const best = curveOf(fit.params);
  const batch = batchPowerLaw(targets, fit.params);
  const draws = fit.draws ? drawParams(fit.params, fit.draws).map(curveOf) : null;
  // A draw without a trajectory (its own steps law degenerate) counts against the interval, not for it.
  const interval = (values: number[]) =>
    values.filter(Number.isFinite).length >= fit.level * values.length
      ? percentileInterval(values, fit.level)
      : null;
  return {
    B,
    curve: steps.map((step, i) => ({
      step,
      loss: best[i]!,
      Bcrit: criticalBatch(best[i]!, batch),
      interval: draws ? interval(draws.map((d) => d[i]!)) : null,
    })),
  };
}

/** What a `bcrit` fit answers: Bstar and alphaB, and each target's S_min, E_min and B_crit, with intervals. */
export interface BatchSummary {
  readonly Bstar: number | null;
  readonly alphaB: number | null;
  readonly BstarInterval: readonly [number, number] | null;
  readonly alphaBInterval: readonly [number, number] | null;
  readonly targets: readonly {
    readonly loss: number;
    readonly Smin: number;
    readonly Emin: number;
    readonly Bcrit: number;
    readonly intervals: Readonly<Record<"Smin" | "Emin" | "Bcrit", readonly [number, number]>> | null;
  }[];
}

/**
 * The answers of a `bcrit` fit by name (the fit's parameters are Smin_k and Emin_k, its derived quantities
 * Bcrit_k, Bstar and alphaB): what `scalefit fit --law bcrit --json` prints beside the fit.
 * @example bcritSummary(fit).targets[0] // {loss: 3, Smin: 812, Emin: 2.1e9, Bcrit: 2.6e6, intervals}
 */
export function bcritSummary(fit: {
  law: { spec?: Readonly<Record<string, unknown>> };
  params: Params;
  intervals: Readonly<Record<string, readonly [number, number]>>;
  derived: Readonly<Record<string, { value: number; interval?: readonly [number, number] }>>;
}): BatchSummary {
  const targets = (fit.law.spec as { targets: number[] }).targets;
  const Bstar = fit.derived.Bstar;
  const alphaB = fit.derived.alphaB;
  return {
    Bstar: Bstar?.value ?? null,
    alphaB: alphaB?.value ?? null,
    BstarInterval: Bstar?.interval ?? null,
    alphaBInterval: alphaB?.interval ?? null,
    targets: targets.map((loss, i) => {
      const [S, E, B] = [`Smin_${i + 1}`, `Emin_${i + 1}`, `Bcrit_${i + 1}`];
      const bcrit = fit.derived[B]!;
      return {
        loss,
        Smin: fit.params[S]!,
        Emin: fit.params[E]!,
        Bcrit: bcrit.value,
        intervals:
          fit.intervals[S] && fit.intervals[E] && bcrit.interval
            ? { Smin: fit.intervals[S]!, Emin: fit.intervals[E]!, Bcrit: bcrit.interval }
            : null,
      };
    }),
  };
}

/**
 * The question `predict` asks a bcrit fit: the loss trajectory at `--batch` B, at `--steps`.
 * @example bcritTrajectoryQuestion.answer(fit, {batch: 262144, steps: [1000, 2000]}).curve
 */
const trajectoryQuestion: LawQuestion = {
  name: "trajectory",
  command: "predict",
  when: "batch",
  options: {
    batch: {
      kind: "number",
      value: "<B>",
      description: "the loss trajectory at this batch size (tokens per step) at --steps",
    },
    steps: { kind: "numbers", value: "<steps>", description: "steps of the trajectory" },
    level: { kind: "number", value: "<p>", description: "interval level (default: the fit's)" },
  },
  answer(fit, args) {
    const steps = (args.steps as readonly number[] | undefined) ?? [];
    if (steps.length === 0) throw new UserError("--batch needs --steps (e.g. --steps 1000,2000,4000)");
    const level = args.level as number | undefined;
    const trajectory = batchTrajectory(level !== undefined ? { ...fit!, level } : fit!, {
      B: args.batch as number,
      steps,
    });
    return { law: fit!.law.name, level: level ?? fit!.level, ...trajectory };
  },
  format(answer) {
    const { B, curve } = answer as unknown as { B: number; curve: TrajectoryPoint[] };
    return [
      `law bcrit: the loss trajectory at batch size ${num(B, 4)} tokens per step (Su et al. 2024's self-consistent form)`,
      ...curve.map(
        (c) =>
          `  step ${num(c.step, 6).padEnd(8)} loss ${num(c.loss, 5)}${c.interval ? ` [${num(c.interval[0], 5)}, ${num(c.interval[1], 5)}]` : ""}  Bcrit ${num(c.Bcrit, 3)}`,
      ),
    ].join("\n");
  },
};

/**
 * Registry entry of `bcrit`: the target losses are its option (`--targets 3.0,2.6,2.3`, kept in the
 * artifact as `lawSpec.targets`).
 * @example bcritDefinition.create({targets: [3.0, 2.6]}).params.length // 4
 */
export const bcritDefinition: LawDefinition = {
  name: "bcrit",
  listing: {
    ...listingOf(bcritLaw([3, 2.6])),
    equation: true,
    inputs: ["run", "B", "step", "loss (points of a batch-size sweep)"],
    params: ["Smin_k", "Emin_k per --targets loss; derived Bcrit_k, Bstar, alphaB"],
  },
  questions: [trajectoryQuestion],
  options: {
    targets: {
      kind: "numbers",
      value: "<L,…>",
      description: "target losses; each run's steps to reach them (points: run, B, step, loss)",
    },
  },
  create(request) {
    const targets = request.targets as readonly number[] | undefined;
    if (!targets?.length)
      throw new UserError(
        "law bcrit needs the target losses: --targets 3.0,2.6,2.3 (losses every batch size reaches)",
      );
    return bcritLaw(targets);
  },
};
