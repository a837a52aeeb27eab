import { UserError } from "../../errors.js";
import type { DerivedQuantity, Observations, Params, StartOptions, Warning } from "../../dataTypes.js";
import type { FitSummaryInput, Law } from "../../types.js";
import { boundedLinearLeastSquares } from "../boundedLinear.js";
import { num } from "../report.js";
import {
  cellIndex,
  cellSlot,
  checkGrid,
  fullRank,
  groupCells,
  nearBest,
  powerLawFit,
  type HparamCells,
  type PowerLaw,
} from "./hparamsCells.js";
import { cellSummaries, type CellSummary, type HparamsOptions } from "./hparamsNearOptimal.js";

/** The bowl method's constants: the cells, the centre of each cell's kept runs, and the band that kept them. */
export interface BowlCells extends HparamCells {
  /** Mean ln lr of each cell's kept runs (the bowl's origin in u). */
  readonly lrCenters: readonly number[];
  /** Mean ln B of each cell's kept runs (the origin in v). */
  readonly BCenters: readonly number[];
}

/** Options of the bowl method: the near-optimal options plus the band of runs each bowl is fitted to. */
export interface BowlOptions extends HparamsOptions {
  /** Runs within this relative distance of a cell's best loss are fitted (default 1 %). */
  readonly band: number;
}

/** The coefficients of cell k (1-based names) c0 + c1·u + c2·v + c3·u² + c4·v² + c5·u·v. */
function coefficients(p: Params, k: number): number[] {
  return [0, 1, 2, 3, 4, 5].map((j) => p[`c${j}_${k + 1}`]!);
}

/**
 * The vertex of a bowl: (du, dv) from its centre and the loss there; NaN where the quadratic is not convex
 * (its Hessian [[2c3, c5], [c5, 2c4]] not positive definite).
 * @example bowlVertex([3, -0.1, 0, 0.03, 0.02, 0.01]) // {du: 1.739, dv: −0.435, loss: 2.913}
 */
export function bowlVertex(c: readonly number[]): { du: number; dv: number; loss: number } {
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const det = 4 * c3 * c4 - c5 * c5;
  if (!(c3 > 0 && det > 0)) return { du: NaN, dv: NaN, loss: NaN };
  const du = -(2 * c4 * c1 - c5 * c2) / det;
  const dv = -(2 * c3 * c2 - c5 * c1) / det;
  return { du, dv, loss: c0 + c1 * du + c2 * dv + c3 * du * du + c4 * dv * dv + c5 * du * dv };
}

/**
 * The bowl method: in each (N, D) cell a quadratic in u = ln lr − m_k, v = ln B − n_k,
 *   L = c0_k + c1_k·u + c2_k·v + c3_k·u² + c4_k·v² + c5_k·u·v,
 * fitted to the cell's runs within a band of its best loss (default 1 %: the quadratic describes the bottom
 * of the bowl, not the divergence at high LR); its vertex is the cell's optimum (lr*_k, B*_k, L*_k); then
 * lr* = lrK·N^lrN·D^lrD and B* = BK·D^BD (or the variables asked for) by least squares in logs through the
 * vertices of the convex cells, as Approach 2 does for N*(C). Every coefficient enters linearly (solved
 * exactly per cell); the bootstrap redraws runs within cells, and the vertices and power laws come from the
 * same draws. The mean curvature of the cells' bowls gives the loss penalty of an LR and batch away from
 * the optimum at a planned run (an assumption: the bowl's width in ln lr and ln B does not change with scale).
 * @example fitLaw(bowlLaw({lrIn: ["N", "D"], batchIn: ["D"], tolerance: 0.0025, band: 0.01}), grid).derived.lrN.value
 */
export function bowlLaw(options: BowlOptions, cells?: BowlCells, summary?: readonly CellSummary[]): Law {
  const base = {
    name: "hparams",
    formula: `per cell c0 + c1*u + c2*v + c3*u^2 + c4*v^2 + c5*u*v, u = ln lr - m, v = ln B - n; lr* = lrK*${options.lrIn.map((v) => `${v}^lr${v}`).join("*")}, B* = BK*${options.batchIn.map((v) => `${v}^B${v}`).join("*")}`,
    description: "optimal learning rate and batch size: a bowl per cell, power laws through the vertices",
    reference: "Li et al. 2025 (Step Law), §2; Bi et al. 2024 (DeepSeek LLM), §3.1",
    inputs: ["N", "D", "lr", "B"],
    fitDefaults: { loss: "linear", space: "linear" },
    checkData: (data: Observations) =>
      checkGrid(data, options.lrIn, options.batchIn) ?? checkBand(options, data),
  } as const;
  const spec = {
    method: "bowl",
    band: options.band,
    "lr-in": [...options.lrIn],
    "batch-in": [...options.batchIn],
  };
  if (!cells) {
    return {
      ...base,
      params: [],
      predict: () => {
        throw new UserError("law hparams predicts at its cells: fit it to a grid first");
      },
      bind: (data) => bindBowl(options, data),
      spec,
    };
  }
  const K = cells.N.length;
  const slot = cellSlot(cells);
  const at = (N: number, D: number) => {
    const k = slot(N, D);
    if (k < 0)
      throw new UserError(
        `N = ${num(N, 3)}, D = ${num(D, 3)} is none of the fit's cells: the bowls give the loss at their cells only (optimize --at N=…,D=… gives lr* and B* anywhere)`,
      );
    return k;
  };
  const params = cells.N.flatMap((N, k) =>
    [
      "loss at the centre",
      "slope in ln lr",
      "slope in ln B",
      "curvature in ln lr",
      "curvature in ln B",
      "ln lr × ln B",
    ].map((what, j) => ({
      name: `c${j}_${k + 1}`,
      value: j >= 3 && j <= 4 ? 0.01 : j === 0 ? 3 : 0,
      description: `${what}, cell N = ${num(N, 3)}, D = ${num(cells.D[k]!, 3)}`,
    })),
  );
  const vertexOf = (p: Params, k: number) => bowlVertex(coefficients(p, k));
  const frontiers = new WeakMap<Params, { lr: PowerLaw; B: PowerLaw }>();
  const frontier = (p: Params) => {
    let found = frontiers.get(p);
    if (!found) frontiers.set(p, (found = bowlFrontier(options, cells, p)));
    return found;
  };
  const derived: Record<string, DerivedQuantity> = {};
  cells.N.forEach((N, k) => {
    const where = `cell N = ${num(N, 3)}, D = ${num(cells.D[k]!, 3)}`;
    derived[`lrstar_${k + 1}`] = {
      description: `the optimal LR at ${where} (its bowl's vertex)`,
      value: (p) => Math.exp(cells.lrCenters[k]! + vertexOf(p, k).du),
    };
    derived[`Bstar_${k + 1}`] = {
      description: `the optimal batch size at ${where}`,
      value: (p) => Math.exp(cells.BCenters[k]! + vertexOf(p, k).dv),
    };
    derived[`Lstar_${k + 1}`] = {
      description: `the loss at the vertex, ${where}`,
      value: (p) => vertexOf(p, k).loss,
    };
  });
  derived.lrK = { description: "lr*: the coefficient", value: (p) => frontier(p).lr.K };
  for (const v of options.lrIn)
    derived[`lr${v}`] = {
      description: `lr*: the exponent of ${v}`,
      value: (p) => frontier(p).lr.exponents[v]!,
    };
  derived.BK = { description: "B* (tokens per step): the coefficient", value: (p) => frontier(p).B.K };
  for (const v of options.batchIn)
    derived[`B${v}`] = { description: `B*: the exponent of ${v}`, value: (p) => frontier(p).B.exponents[v]! };
  const uv = (k: number, x: { lr?: number; B?: number }) => [
    Math.log(x.lr!) - cells.lrCenters[k]!,
    Math.log(x.B!) - cells.BCenters[k]!,
  ];
  return {
    ...base,
    params,
    linear: params.map((p) => p.name),
    groupCoefficients: true,
    predict(p, x) {
      const k = at(x.N!, x.D!);
      const [u, v] = uv(k, x) as [number, number];
      const [c0, c1, c2, c3, c4, c5] = coefficients(p, k) as [number, number, number, number, number, number];
      return c0 + c1 * u + c2 * v + c3 * u * u + c4 * v * v + c5 * u * v;
    },
    gradient(_p, x) {
      const k = at(x.N!, x.D!);
      const [u, v] = uv(k, x) as [number, number];
      const g = new Array<number>(6 * K).fill(0);
      g.splice(6 * k, 6, 1, u, v, u * u, v * v, u * v);
      return g;
    },
    starts: (data, fixed, start) => [bowlStarts(cells, data, fixed, start)],
    strata: (data) => cellIndex(cells, data),
    prepare: (data) => keepRows(data, nearBest(cells, data, options.band)),
    diagnose: (p) => bowlWarnings(cells, summary ?? [], p),
    derived,
    summary: (fit) => ({ method: "bowl", band: options.band, cells: bowlSummary(cells, summary ?? [], fit) }),
    spec: {
      ...spec,
      cellN: [...cells.N],
      cellD: [...cells.D],
      lrCenters: [...cells.lrCenters],
      BCenters: [...cells.BCenters],
    },
  };
}

/** The bowl law bound to a grid: its cells, the centres of their kept runs, and what each cell kept. */
function bindBowl(options: BowlOptions, data: Observations): Law {
  const cells = groupCells(data);
  const kept = nearBest(cells, data, options.band);
  const cell = cellIndex(cells, data);
  const mean = (input: string, k: number) => {
    const rows = Array.from(cell.keys()).filter((i) => cell[i] === k && kept[i]);
    return rows.reduce((s, i) => s + Math.log(data.inputs[input]![i]!), 0) / rows.length;
  };
  const bowl: BowlCells = {
    ...cells,
    lrCenters: cells.N.map((_, k) => mean("lr", k)),
    BCenters: cells.N.map((_, k) => mean("B", k)),
  };
  return bowlLaw(options, bowl, cellSummaries(cells, data, kept));
}

/** Why a cell's kept runs cannot fit a bowl: fewer than six, or fewer than three LRs or batch sizes. */
function checkBand(options: BowlOptions, data: Observations): string | undefined {
  const cells = groupCells(data);
  const kept = nearBest(cells, data, options.band);
  const cell = cellIndex(cells, data);
  for (let k = 0; k < cells.N.length; k++) {
    const rows = Array.from(cell.keys()).filter((i) => cell[i] === k && kept[i]);
    const lrs = new Set(rows.map((i) => data.inputs.lr![i]!)).size;
    const Bs = new Set(rows.map((i) => data.inputs.B![i]!)).size;
    const where = `cell N = ${num(cells.N[k]!, 3)}, D = ${num(cells.D[k]!, 3)}`;
    if (rows.length < 6 || lrs < 3 || Bs < 3)
      return `${where} has ${rows.length} runs within ${100 * options.band} % of its best loss (${lrs} learning rates, ${Bs} batch sizes): a bowl needs six or more over three or more of each (widen --band)`;
    // Six runs over three LRs and three batch sizes can still leave the quadratic's six terms dependent
    // (an LR sweep at one batch plus a batch sweep at one LR: u·v is zero at every run).
    const centred = (input: string) => {
      const x = rows.map((i) => Math.log(data.inputs[input]![i]!));
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      return x.map((value) => value - mean);
    };
    const [u, v] = [centred("lr"), centred("B")];
    const basis = [
      u.map(() => 1),
      u,
      v,
      u.map((x) => x * x),
      v.map((x) => x * x),
      u.map((x, j) => x * v[j]!),
    ];
    if (
      !fullRank(
        basis.map((c) => Float64Array.from(c)),
        new Float64Array(rows.length).fill(1),
      )
    )
      return `${where}: its runs within ${100 * options.band} % of the best loss cannot fix a bowl (its six terms are not independent on them, as for an LR sweep at one batch size plus a batch sweep at one LR): widen --band or use --method near-optimal`;
  }
  return undefined;
}

/** The rows of the data that are kept, every column with them. */
function keepRows(data: Observations, kept: readonly boolean[]): Observations {
  const rows = Array.from(kept.keys()).filter((i) => kept[i]);
  const pick = (column: ArrayLike<number>) => Float64Array.from(rows, (i) => column[i]!);
  const inputs: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(data.inputs)) inputs[name] = pick(column);
  return {
    inputs,
    loss: pick(data.loss),
    ...(data.run ? { run: rows.map((i) => data.run![i]!) } : {}),
    ...(data.weight ? { weight: pick(data.weight) } : {}),
  };
}

/** lr* and B* power laws through the vertices of the convex cells. */
function bowlFrontier(options: BowlOptions, cells: BowlCells, p: Params): { lr: PowerLaw; B: PowerLaw } {
  const N: number[] = [];
  const D: number[] = [];
  const lr: number[] = [];
  const B: number[] = [];
  cells.N.forEach((n, k) => {
    const v = bowlVertex(coefficients(p, k));
    if (!Number.isFinite(v.du)) return;
    N.push(n);
    D.push(cells.D[k]!);
    lr.push(Math.exp(cells.lrCenters[k]! + v.du));
    B.push(Math.exp(cells.BCenters[k]! + v.dv));
  });
  return { lr: powerLawFit(options.lrIn, N, D, lr), B: powerLawFit(options.batchIn, N, D, B) };
}

/**
 * The mean curvature of the convex cells' bowls, (c3, c4, c5): the penalty of (Δ ln lr, Δ ln B) from the
 * optimum is c3·Δu² + c4·Δv² + c5·Δu·Δv.
 */
export function meanCurvature(cells: HparamCells, p: Params): [number, number, number] {
  const sum = [0, 0, 0];
  let count = 0;
  cells.N.forEach((_, k) => {
    const c = coefficients(p, k);
    if (!Number.isFinite(bowlVertex(c).du)) return;
    [3, 4, 5].forEach((j, m) => (sum[m]! += c[j]!));
    count++;
  });
  return sum.map((s) => s / count) as [number, number, number];
}

/** Each cell's bowl by (weighted) linear least squares: exact, the cells being independent. */
function bowlStarts(cells: BowlCells, data: Observations, fixed: Params, options: StartOptions): Params {
  const p: Params = { ...fixed };
  const cell = cellIndex(cells, data);
  cells.N.forEach((_, k) => {
    const rows = Array.from(cell.keys()).filter((i) => cell[i] === k);
    const u = Float64Array.from(rows, (i) => Math.log(data.inputs.lr![i]!) - cells.lrCenters[k]!);
    const v = Float64Array.from(rows, (i) => Math.log(data.inputs.B![i]!) - cells.BCenters[k]!);
    const L = Float64Array.from(rows, (i) => data.loss[i]!);
    const w = Float64Array.from(
      rows,
      (i, j) => (data.weight?.[i] ?? 1) / (options.space === "log" ? L[j]! ** 2 : 1),
    );
    const basis = [
      new Float64Array(rows.length).fill(1),
      u,
      v,
      u.map((x) => x * x),
      v.map((x) => x * x),
      u.map((x, j) => x * v[j]!),
    ];
    const solved = boundedLinearLeastSquares(basis, L, w, []);
    const c = solved
      ? Array.from(solved.coefficients)
      : [L.reduce((s, x) => s + x, 0) / L.length, 0, 0, 0, 0, 0];
    c.forEach((value, j) => (p[`c${j}_${k + 1}`] ??= value));
  });
  return p;
}

/** Cells whose bowl is not convex (left out of the power laws) or whose vertex lies outside its kept runs. */
function bowlWarnings(cells: BowlCells, summary: readonly CellSummary[], p: Params): Warning[] {
  const warnings: Warning[] = [];
  cells.N.forEach((N, k) => {
    const where = `cell N = ${num(N, 3)}, D = ${num(cells.D[k]!, 3)}`;
    const v = bowlVertex(coefficients(p, k));
    if (!Number.isFinite(v.du)) {
      warnings.push({
        code: "not-convex",
        message: `${where}: the bowl is not convex, so it has no optimum; left out of lr* and B*`,
      });
      return;
    }
    const s = summary[k];
    if (!s) return;
    const lr = Math.exp(cells.lrCenters[k]! + v.du);
    const B = Math.exp(cells.BCenters[k]! + v.dv);
    const outside = [
      lr < s.keptLr[0] || lr > s.keptLr[1]
        ? `lr* = ${num(lr, 3)} outside [${num(s.keptLr[0], 3)}, ${num(s.keptLr[1], 3)}]`
        : "",
      B < s.keptB[0] || B > s.keptB[1]
        ? `B* = ${num(B, 3)} outside [${num(s.keptB[0], 3)}, ${num(s.keptB[1], 3)}]`
        : "",
    ].filter(Boolean);
    if (outside.length)
      warnings.push({
        code: "vertex-outside",
        message: `${where}: the vertex lies beyond the runs fitted (${outside.join("; ")}): an extrapolated optimum`,
      });
  });
  return warnings;
}

/** Per cell: its runs, the vertex and the intervals from the same draws (the artifact's `cells`). */
function bowlSummary(cells: BowlCells, summary: readonly CellSummary[], fit: FitSummaryInput) {
  return cells.N.map((N, k) => {
    const get = (name: string) => fit.derived[`${name}_${k + 1}`];
    const [lr, B, L] = [get("lrstar"), get("Bstar"), get("Lstar")];
    return {
      N,
      D: cells.D[k]!,
      ...(summary[k] ? { runs: summary[k].runs, kept: summary[k].kept } : {}),
      lr: lr?.value ?? NaN,
      B: B?.value ?? NaN,
      loss: L?.value ?? NaN,
      intervals: lr?.interval ? { lr: lr.interval, B: B?.interval ?? null, loss: L?.interval ?? null } : null,
    };
  });
}
