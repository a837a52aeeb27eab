import { UserError } from "../../errors.js";
import type { Observations, Params, ParamSpec, Warning } from "../../dataTypes.js";
import type { Law } from "../../types.js";
import { num } from "../report.js";
import {
  cellIndex,
  checkGrid,
  groupCells,
  logScale,
  nearBest,
  powerLawFit,
  type HparamCells,
  type ScaleVariable,
} from "./hparamsCells.js";

/** What configures `hparams`: the power laws' variables and how each cell's optimum is found. */
export interface HparamsOptions {
  /** Variables of lr*(·) (Step Law: N and D; DeepSeek: C). */
  readonly lrIn: readonly ScaleVariable[];
  /** Variables of B*(·) (Step Law: D; DeepSeek: C). */
  readonly batchIn: readonly ScaleVariable[];
  /** Near-optimal: runs within this relative tolerance of a cell's best loss (Step Law: 0.0025). */
  readonly tolerance: number;
}

/** One cell of the grid as a fit reports it: its runs, those kept, and the LR and batch ranges. */
export interface CellSummary {
  readonly N: number;
  readonly D: number;
  readonly runs: number;
  /** Runs within the tolerance of the cell's best loss. */
  readonly kept: number;
  readonly bestLoss: number;
  readonly lr: readonly [number, number];
  readonly B: readonly [number, number];
  readonly keptLr: readonly [number, number];
  readonly keptB: readonly [number, number];
}

/**
 * Each cell's runs, the near-optimal ones, and the LR and batch ranges of both.
 * @example cellSummaries(groupCells(grid), grid, nearBest(cells, grid, 0.0025))[0].kept // 7
 */
export function cellSummaries(
  cells: HparamCells,
  data: Observations,
  kept: readonly boolean[],
): CellSummary[] {
  const cell = cellIndex(cells, data);
  const range = (rows: number[], input: string): [number, number] => {
    const values = rows.map((i) => data.inputs[input]![i]!);
    return [Math.min(...values), Math.max(...values)];
  };
  return cells.N.map((N, k) => {
    const rows = Array.from(cell.keys()).filter((i) => cell[i] === k && !(data.weight?.[i] === 0));
    const near = rows.filter((i) => kept[i]);
    return {
      N,
      D: cells.D[k]!,
      runs: rows.length,
      kept: near.length,
      bestLoss: Math.min(...rows.map((i) => data.loss[i]!)),
      lr: range(rows, "lr"),
      B: range(rows, "B"),
      keptLr: range(near, "lr"),
      keptB: range(near, "B"),
    };
  });
}

/** The parameters of the power laws lr* = lrK·Π x^lr_x and B* = BK·Π x^B_x. */
function powerParams(options: HparamsOptions): ParamSpec[] {
  return [
    { name: "lrK", value: 1e-3, log: true, description: "lr*: the coefficient" },
    ...options.lrIn.map((v) => ({ name: `lr${v}`, value: 0, description: `lr*: the exponent of ${v}` })),
    { name: "BK", value: 1e6, log: true, description: "B* (tokens per step): the coefficient" },
    ...options.batchIn.map((v) => ({ name: `B${v}`, value: 0, description: `B*: the exponent of ${v}` })),
  ];
}

/**
 * Step Law's method (Li et al. 2025, §2 and code/fit_tool.py; DeepSeek LLM, Bi et al. 2024, §3.1): in each
 * (N, D) cell of an LR × batch grid keep the runs within a tolerance of the cell's best loss (0.25 %), then
 * ordinary least squares of ln lr on ln N, ln D (or the variables asked for) and of ln B on ln D over those
 * runs. Fitted as one problem: each kept run gives two points, its LR and its batch size (an input `target`,
 * 0 and 1), so least squares in log space is the two regressions at once (they share no parameter), and the
 * bootstrap redraws kept runs as Step Law's 1000 resamples do. The kept set is chosen once, from all runs.
 * @example fitLaw(nearOptimalLaw({lrIn: ["N", "D"], batchIn: ["D"], tolerance: 0.0025}), grid).params.lrN // ≈ −0.77
 */
export function nearOptimalLaw(options: HparamsOptions, summary?: readonly CellSummary[]): Law {
  const params = powerParams(options);
  const { lrIn, batchIn } = options;
  // Per point: ln of each variable of the two laws, read once per data set.
  const logs = new WeakMap<Observations, { lr: Float64Array[]; B: Float64Array[] }>();
  const logsOf = (data: Observations) => {
    let found = logs.get(data);
    if (!found) {
      const column = (v: ScaleVariable) =>
        Float64Array.from(data.inputs.N!, (N, i) => logScale(v, N, data.inputs.D![i]!));
      logs.set(data, (found = { lr: lrIn.map(column), B: batchIn.map(column) }));
    }
    return found;
  };
  const lrNames = lrIn.map((v) => `lr${v}`);
  const BNames = batchIn.map((v) => `B${v}`);
  const target = (data: Observations) => {
    const t = data.inputs.target;
    if (!t)
      throw new UserError("law hparams (near-optimal) predicts the optimal LR and batch: see optimize --at");
    return t;
  };
  const evaluate = (p: Params, data: Observations, out: Float64Array) => {
    const t = target(data);
    const { lr, B } = logsOf(data);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      if (t[i] === 0) {
        s = Math.log(p.lrK!);
        lr.forEach((c, j) => (s += p[lrNames[j]!]! * c[i]!));
      } else {
        s = Math.log(p.BK!);
        B.forEach((c, j) => (s += p[BNames[j]!]! * c[i]!));
      }
      out[i] = Math.exp(s);
    }
  };
  const jacobian = (p: Params, data: Observations, out: Float64Array[]) => {
    const t = target(data);
    const { lr, B } = logsOf(data);
    const value = new Float64Array(t.length);
    evaluate(p, data, value);
    const lrColumns = 1 + lrIn.length;
    for (let i = 0; i < t.length; i++) {
      for (const column of out) column[i] = 0;
      const v = value[i]!;
      if (t[i] === 0) {
        out[0]![i] = v / p.lrK!;
        lr.forEach((c, j) => (out[1 + j]![i] = v * c[i]!));
      } else {
        out[lrColumns]![i] = v / p.BK!;
        B.forEach((c, j) => (out[lrColumns + 1 + j]![i] = v * c[i]!));
      }
    }
  };
  return {
    name: "hparams",
    formula: `lr* = lrK*${lrIn.map((v) => `${v}^lr${v}`).join("*")}, B* = BK*${batchIn.map((v) => `${v}^B${v}`).join("*")}`,
    description: "optimal learning rate and batch size: power laws through each cell's near-optimal runs",
    reference: "Li et al. 2025 (Step Law), §2; Bi et al. 2024 (DeepSeek LLM), §3.1",
    inputs: ["N", "D", "lr", "B"],
    params,
    fitDefaults: { loss: "linear", space: "log" },
    predict: () => {
      throw new UserError(
        "law hparams fitted by the near-optimal method has no loss surface: optimize --at N=…,D=… gives lr* and B* (fit --method bowl for the loss penalty)",
      );
    },
    evaluate,
    jacobian,
    bind: (data) => {
      const cells = groupCells(data);
      return nearOptimalLaw(options, cellSummaries(cells, data, nearBest(cells, data, options.tolerance)));
    },
    prepare: (data) => stackKept(data, nearBest(groupCells(data), data, options.tolerance)),
    starts: (data) => [olsStart(options, data)],
    checkData: (data) => checkGrid(data, lrIn, batchIn),
    diagnose: () => (summary ? edgeWarnings(summary) : []),
    // The power laws' constants under the names the bowl method derives them by.
    derived: Object.fromEntries(
      params.map((s) => [s.name, { description: s.description!, value: (p: Params) => p[s.name]! }]),
    ),
    ...(summary
      ? { summary: () => ({ method: "near-optimal", tolerance: options.tolerance, cells: summary }) }
      : {}),
    spec: {
      method: "near-optimal",
      tolerance: options.tolerance,
      "lr-in": [...lrIn],
      "batch-in": [...batchIn],
    },
  };
}

/** The kept runs as the near-optimal law's points: each run's LR (target 0) and its batch size (target 1). */
function stackKept(data: Observations, kept: readonly boolean[]): Observations {
  const rows = Array.from(kept.keys()).filter((i) => kept[i]);
  const twice = (column: ArrayLike<number>) => Float64Array.from([...rows, ...rows], (i) => column[i]!);
  return {
    inputs: {
      N: twice(data.inputs.N!),
      D: twice(data.inputs.D!),
      lr: twice(data.inputs.lr!),
      B: twice(data.inputs.B!),
      target: Float64Array.from([...rows, ...rows], (_, j) => (j < rows.length ? 0 : 1)),
    },
    loss: Float64Array.from([
      ...rows.map((i) => data.inputs.lr![i]!),
      ...rows.map((i) => data.inputs.B![i]!),
    ]),
    run: [...rows, ...rows].map((i) => data.run?.[i] ?? `row ${i + 1}`),
    ...(data.weight ? { weight: twice(data.weight) } : {}),
  };
}

/** The two regressions solved directly (the fit's start, exact for least squares in log space). */
function olsStart(options: HparamsOptions, data: Observations): Params {
  const t = data.inputs.target!;
  const pick = (target: number) => {
    const w = Float64Array.from(t, (v, i) => (v === target ? (data.weight?.[i] ?? 1) : 0));
    return w;
  };
  const lr = powerLawFit(options.lrIn, data.inputs.N!, data.inputs.D!, data.loss, pick(0));
  const B = powerLawFit(options.batchIn, data.inputs.N!, data.inputs.D!, data.loss, pick(1));
  const p: Params = { lrK: finiteOr(lr.K, 1e-3), BK: finiteOr(B.K, 1e6) };
  options.lrIn.forEach((v) => (p[`lr${v}`] = finiteOr(lr.exponents[v]!, 0)));
  options.batchIn.forEach((v) => (p[`B${v}`] = finiteOr(B.exponents[v]!, 0)));
  return p;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

/**
 * Cells whose near-optimal runs include the smallest or largest LR or batch size the cell sampled: the
 * optimum may lie beyond the grid, and the power law through it is biased towards the grid's edge.
 */
function edgeWarnings(cells: readonly CellSummary[]): Warning[] {
  const warnings: Warning[] = [];
  for (const c of cells) {
    const edges: string[] = [];
    for (const [input, kept, all] of [
      ["lr", c.keptLr, c.lr],
      ["B", c.keptB, c.B],
    ] as const) {
      if (all[0] === all[1]) continue;
      if (kept[0] === all[0]) edges.push(`the smallest ${input} (${num(all[0], 3)})`);
      if (kept[1] === all[1]) edges.push(`the largest ${input} (${num(all[1], 3)})`);
    }
    if (edges.length)
      warnings.push({
        code: "optimum-at-edge",
        message: `cell N = ${num(c.N, 3)}, D = ${num(c.D, 3)}: the near-optimal runs include ${edges.join(" and ")} sampled, so the optimum may lie outside the grid`,
      });
  }
  return warnings;
}
