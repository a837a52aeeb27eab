import { UserError } from "../../errors.js";
import type { DerivedQuantity, Observations, Params, StartOptions, Warning } from "../../dataTypes.js";
import type { Law, LawDefinition } from "../../types.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { num } from "../report.js";
import { frontierLaw, vertex, type Frontier } from "./isoflopFrontier.js";
import { frontierQuestion } from "./frontierQuestion.js";
import { listingOf } from "./listing.js";

/** The budgets of an isoFLOP fit: each compute budget and the mean ln N of its runs (the parabola's centre). */
export interface IsoflopBudgets {
  /** Compute budgets C_k (FLOPs), ascending. */
  readonly budgets: readonly number[];
  /** Mean ln N of each budget's runs. */
  readonly centers: readonly number[];
  /** Relative tolerance within which two runs' C are one budget. */
  readonly tolerance: number;
}

/** The default relative tolerance within which runs' compute budgets are grouped. */
const defaultTolerance = 0.02;

/**
 * The budgets of runs: their C values grouped when within `tolerance` (relative) of a group's first value,
 * each budget the geometric mean of its group; with the mean ln N of each budget.
 * @example groupBudgets({inputs: {C: Float64Array.of(1e18, 1.001e18, 1e19), N: …}, loss}, 0.02).budgets // [1.0005e18, 1e19]
 */
export function groupBudgets(data: Observations, tolerance = defaultTolerance): IsoflopBudgets {
  const C = data.inputs.C!;
  const sorted = Array.from(C).sort((a, b) => a - b);
  const groups: number[][] = [];
  for (const c of sorted) {
    const group = groups[groups.length - 1];
    if (group && c <= group[0]! * (1 + tolerance)) group.push(c);
    else groups.push([c]);
  }
  const budgets = groups.map((g) =>
    g[0] === g[g.length - 1] ? g[0]! : Math.exp(g.reduce((s, c) => s + Math.log(c), 0) / g.length),
  );
  const slot = budgetSlot(budgets, tolerance);
  const sums = budgets.map(() => ({ logN: 0, count: 0 }));
  C.forEach((c, i) => {
    const k = slot(c);
    sums[k]!.logN += Math.log(data.inputs.N![i]!);
    sums[k]!.count += 1;
  });
  return { budgets, centers: sums.map((s) => s.logN / s.count), tolerance };
}

/** The index of the budget a C belongs to (the nearest, within the tolerance), or -1. */
function budgetSlot(budgets: readonly number[], tolerance: number): (C: number) => number {
  const limit = Math.log(1 + tolerance) + 1e-12;
  const logs = budgets.map(Math.log);
  return (C) => {
    const logC = Math.log(C);
    let best = -1;
    let distance = Infinity;
    logs.forEach((b, k) => {
      const d = Math.abs(logC - b);
      if (d < distance) [best, distance] = [k, d];
    });
    return distance <= limit ? best : -1;
  };
}

/**
 * Chinchilla's Approach 2 (Hoffmann et al. 2022, §3.2; as Llama 3 (Dubey et al. 2024, §3.2.1) and DeepSeek
 * plan with it): runs grouped by compute budget C_k, a parabola in ln N per budget,
 *   L = c0_k + c1_k·u + c2_k·u²,  u = ln N − m_k  (m_k the mean ln N of the budget's runs),
 * whose vertex N*_k = exp(m_k − c1_k/(2 c2_k)) is the budget's compute-optimal size; then
 * N*(C) = kN·C^aN through the vertices by least squares in logs, and D*(C) = C/(6 N*) = kD·C^aD with
 * aD = 1 − aN, kD = 1/(6 kN). Within a budget N = C/(6D), so the parabola in ln D has the same vertex.
 * Fitted by least squares on the loss (the published recipe) unless told otherwise; every coefficient
 * enters linearly (solved exactly per budget). Intervals: the bootstrap redraws runs within each budget,
 * and the vertices, exponents and coefficients come from the same draws. Budgets are set from the data
 * (C within 2 % is one budget) and kept in the fit artifact.
 * @example isoflopLaw({budgets: [1e19], centers: [Math.log(3e8)], tolerance: 0.02}).predict({c0_1: 2.9, c1_1: 0, c2_1: 0.05}, {C: 1e19, N: 3e8}) // 2.9
 */
export function isoflopLaw(spec?: IsoflopBudgets, tolerance = defaultTolerance): Law {
  const base = {
    name: "isoflop",
    formula: "c0_k + c1_k*u + c2_k*u^2, u = ln N - m_k per budget C_k; N*(C) = kN*C^aN",
    description: "Approach 2: a parabola in ln N per compute budget, a power law through the vertices",
    reference: "Hoffmann et al. 2022, §3.2 (Approach 2); Dubey et al. 2024, §3.2.1",
    inputs: ["C", "N"],
    fitDefaults: { loss: "linear", space: "linear" },
    questions: [computeQuestion],
    charts: ["isoflop"],
    groupCoefficients: true,
  } as const;
  if (!spec) {
    return {
      ...base,
      params: [],
      predict: () => {
        throw new UserError("law isoflop predicts at its budgets: fit it to runs first");
      },
      bind: (data: Observations) => isoflopLaw(groupBudgets(data, tolerance)),
      checkData: (data) => checkBudgets(groupBudgets(data, tolerance), data),
    };
  }
  const K = spec.budgets.length;
  const slot = budgetSlot(spec.budgets, spec.tolerance);
  const at = (C: number) => {
    const k = slot(C);
    if (k < 0)
      throw new UserError(
        `C = ${C} is none of the fit's budgets (${spec.budgets.map((b) => num(b, 3)).join(", ")})`,
      );
    return k;
  };
  const params = spec.budgets.flatMap((C, k) => [
    { name: `c0_${k + 1}`, value: 1, description: `loss at the centre of budget ${num(C, 3)}` },
    { name: `c1_${k + 1}`, value: 0, description: `slope in ln N at budget ${num(C, 3)}` },
    { name: `c2_${k + 1}`, value: 0.1, description: `curvature in ln N at budget ${num(C, 3)}` },
  ]);
  const derived: Record<string, DerivedQuantity> = {};
  spec.budgets.forEach((C, k) => {
    derived[`Nstar_${k + 1}`] = {
      description: `compute-optimal N at budget ${num(C, 3)} (the parabola's vertex)`,
      value: (p) => Math.exp(vertex(p, k, spec.centers[k]!).logN),
    };
    derived[`Lstar_${k + 1}`] = {
      description: `loss at the vertex of budget ${num(C, 3)}`,
      value: (p) => vertex(p, k, spec.centers[k]!).loss,
    };
  });
  // The four frontier quantities of a parameter set (a draw) share one regression.
  const frontiers = new WeakMap<Params, Frontier>();
  const frontier = (p: Params, draw?: number) => {
    let found = frontiers.get(p);
    if (!found) frontiers.set(p, (found = frontierLaw(spec, p, draw)));
    return found;
  };
  for (const key of ["aN", "kN", "aD", "kD"] as const) {
    derived[key] = {
      description: `${key.endsWith("N") ? "N*(C) = kN·C^aN" : "D*(C) = kD·C^aD"}: the ${key.startsWith("a") ? "exponent" : "coefficient"}`,
      value: (p, draw) => frontier(p, draw)[key],
    };
  }
  return {
    ...base,
    params,
    linear: params.map((p) => p.name),
    predict(p, x) {
      const k = at(x.C!) + 1;
      const u = Math.log(x.N!) - spec.centers[k - 1]!;
      return p[`c0_${k}`]! + p[`c1_${k}`]! * u + p[`c2_${k}`]! * u * u;
    },
    gradient(_p, x) {
      const k = at(x.C!);
      const u = Math.log(x.N!) - spec.centers[k]!;
      const g = new Array<number>(3 * K).fill(0);
      g.splice(3 * k, 3, 1, u, u * u);
      return g;
    },
    starts: (data, fixed, options) => [parabolaStarts(spec, data, fixed, options)],
    strata: (data) => Int32Array.from(data.inputs.C!, (C) => slot(C)),
    checkData: (data) => checkBudgets(spec, data),
    diagnose: (p, data) => isoflopWarnings(spec, p, data),
    derived,
    summary: (fit) => ({ budgets: budgetSummary(spec, fit) }),
    spec: { budgets: [...spec.budgets], centers: [...spec.centers], "budget-tolerance": spec.tolerance },
  };
}

/** Why the budgets cannot be fitted: too few of them, or a budget with fewer than three runs. */
function checkBudgets(spec: IsoflopBudgets, data: Observations): string | undefined {
  if (spec.budgets.length < 2)
    return `the runs make ${spec.budgets.length} compute budget: Approach 2 needs two or more (runs are one budget when their C is within ${100 * spec.tolerance} %)`;
  const slot = budgetSlot(spec.budgets, spec.tolerance);
  const counts = spec.budgets.map(() => 0);
  for (const C of data.inputs.C!) {
    const k = slot(C);
    if (k < 0) return `a run's C = ${C} is none of the fit's budgets`;
    counts[k]! += 1;
  }
  const thin = counts.findIndex((c) => c < 3);
  if (thin >= 0)
    return `budget C = ${num(spec.budgets[thin]!, 4)} has ${counts[thin]} run${counts[thin] === 1 ? "" : "s"}: a parabola needs three or more`;
  return undefined;
}

/** Each budget's parabola by (weighted) linear least squares: exact, the budgets being independent. */
function parabolaStarts(
  spec: IsoflopBudgets,
  data: Observations,
  fixed: Params,
  options: StartOptions,
): Params {
  const p: Params = { ...fixed };
  const slot = budgetSlot(spec.budgets, spec.tolerance);
  spec.budgets.forEach((_, k) => {
    const rows = Array.from(data.loss.keys()).filter((r) => slot(data.inputs.C![r]!) === k);
    const u = Float64Array.from(rows, (r) => Math.log(data.inputs.N![r]!) - spec.centers[k]!);
    const L = Float64Array.from(rows, (r) => data.loss[r]!);
    const w = Float64Array.from(
      rows,
      (r, j) => (data.weight?.[r] ?? 1) / (options.space === "log" ? L[j]! ** 2 : 1),
    );
    const solved = boundedLinearLeastSquares(
      [new Float64Array(rows.length).fill(1), u, u.map((v) => v * v)],
      L,
      w,
      [], // unbounded
    );
    const [c0, c1, c2] = solved
      ? Array.from(solved.coefficients)
      : [L.reduce((s, v) => s + v, 0) / L.length, 0, 0];
    [c0, c1, c2].forEach((c, j) => (p[`c${j}_${k + 1}`] ??= c!));
  });
  return p;
}

/**
 * Approach 2's own warnings: a parabola that opens downwards (no minimum: the budget is left out of the
 * power law), a vertex outside the sizes its budget sampled (an extrapolated optimum), a vertex off the
 * centre of its budget's sizes (Approach 2 is biased then: Open-Athena, scaling-law-analysis), and budgets
 * with few runs.
 */
function isoflopWarnings(spec: IsoflopBudgets, p: Params, data: Observations): Warning[] {
  const warnings: Warning[] = [];
  const slot = budgetSlot(spec.budgets, spec.tolerance);
  spec.budgets.forEach((C, k) => {
    const logN = Array.from(data.inputs.N!)
      .filter((_, i) => slot(data.inputs.C![i]!) === k)
      .map(Math.log);
    const [lo, hi] = [Math.min(...logN), Math.max(...logN)];
    const v = vertex(p, k, spec.centers[k]!);
    const at = `budget C = ${num(C, 3)}`;
    if (!Number.isFinite(v.logN)) {
      warnings.push({
        code: "not-convex",
        message: `${at}: the parabola opens downwards (c2 = ${num(p[`c2_${k + 1}`]!, 3)}), so it has no optimum; left out of N*(C)`,
      });
      return;
    }
    if (v.logN < lo || v.logN > hi) {
      warnings.push({
        code: "vertex-outside",
        message: `${at}: the optimum N* = ${num(Math.exp(v.logN), 3)} lies outside the sampled sizes [${num(Math.exp(lo), 3)}, ${num(Math.exp(hi), 3)}]`,
      });
    } else if (hi > lo && Math.abs(v.logN - (lo + hi) / 2) > 0.25 * (hi - lo)) {
      warnings.push({
        code: "off-centre",
        message: `${at}: the optimum N* = ${num(Math.exp(v.logN), 3)} is off the centre of the sampled sizes (${num((100 * (v.logN - lo)) / (hi - lo), 3)} % of the way from the smallest): Approach 2 is biased when sampling is not centred on the optimum`,
      });
    }
    const few = `${at}: ${logN.length} runs for a three-coefficient parabola`;
    if (logN.length < 5) warnings.push({ code: "few-points", message: few });
  });
  return warnings;
}

/** Per budget: its N*, D*, loss at the vertex and their intervals (the artifact's `budgets`). */
function budgetSummary(spec: IsoflopBudgets, fit: Parameters<NonNullable<Law["summary"]>>[0]) {
  return spec.budgets.map((C, k) => {
    const Nstar = fit.derived[`Nstar_${k + 1}`];
    const Lstar = fit.derived[`Lstar_${k + 1}`];
    const N = Nstar?.value ?? NaN;
    const NInterval = Nstar?.interval ?? null;
    return {
      C,
      Nstar: N,
      Dstar: C / (6 * N),
      loss: Lstar?.value ?? NaN,
      interval: NInterval,
      intervals: NInterval
        ? {
            Nstar: NInterval,
            Dstar: [C / (6 * NInterval[1]), C / (6 * NInterval[0])] as const,
            loss: Lstar?.interval ?? null,
          }
        : null,
    };
  });
}

/** `optimize --compute` of an isoflop fit: N*(C) and D*(C) from the vertices' power law. */
const computeQuestion = frontierQuestion({
  method: "isoflop",
  from: "from the budgets' vertices (Approach 2)",
  frontier: (fit, p, draw) => frontierLaw(fit.law.spec as unknown as IsoflopBudgets, p, draw),
  largest: (fit) => Math.max(...(fit.law.spec as unknown as IsoflopBudgets).budgets),
  beyond: "the largest budget",
});

/**
 * The isoflop law before its budgets are known: they are set from the data when it is fitted.
 * @example fitLaw(isoflop, llama3).derived.aN.value // ≈ 0.46
 */
export const isoflop: Law = isoflopLaw();

/**
 * Registry entry of `isoflop`: `--budget-tolerance` groups runs into budgets; the budgets and their centres
 * are read back from a saved fit's `lawSpec`.
 * @example isoflopDefinition.create({"budget-tolerance": 0.05})
 */
export const isoflopDefinition: LawDefinition = {
  name: "isoflop",
  listing: {
    ...listingOf(isoflop),
    params: ["c0_k", "c1_k", "c2_k per budget; derived Nstar_k, Lstar_k, aN, kN, aD, kD"],
  },
  questions: [computeQuestion],
  options: {
    "budget-tolerance": {
      kind: "number",
      value: "<r>",
      description: `runs whose C are within this relative tolerance are one budget (default ${defaultTolerance})`,
    },
    budgets: { kind: "numbers", description: "the compute budgets", hidden: true },
    centers: { kind: "numbers", description: "mean ln N of each budget", hidden: true },
  },
  create(request) {
    const tolerance = (request["budget-tolerance"] as number | undefined) ?? defaultTolerance;
    if (!(tolerance >= 0 && tolerance < 1))
      throw new UserError(`invalid --budget-tolerance: ${tolerance} (expected a number in [0, 1))`);
    const budgets = request.budgets as readonly number[] | undefined;
    const centers = request.centers as readonly number[] | undefined;
    if (budgets && centers && budgets.length === centers.length && budgets.length > 0)
      return isoflopLaw({ budgets, centers, tolerance });
    return isoflopLaw(undefined, tolerance);
  },
};
