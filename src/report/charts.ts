/**
 * Charts as pure functions of library results: each returns the Observable Plot options of one chart with a
 * title and a caption that says what is shown (axes with units, log scales, the interval and its level).
 * `renderSvg` (render.ts) draws them server-side; notebooks call `Plot.plot(chart.options)` in the browser.
 * No chart uses Plot's HTML wrappers (legends, figure titles): the SVG stands alone, so it converts to PNG.
 */
import * as Plot from "@observablehq/plot";
import { encdecSplit, qatFraction } from "../predict/allocation.js";
import { bcritSummary } from "../predict/batch.js";
import { computeOptimal, isComputeLaw } from "../predict/computeOptimal.js";
import type { FittedLaw } from "../types.js";
import { predictLoss } from "../predict/predictLoss.js";
import type { CurvePrediction } from "../predict/predictCurve.js";
import type { FitResult, Observations } from "../types.js";

/** One chart: Plot options plus the words around it. */
export interface Chart {
  /** A file-name-safe identifier (the PNG is `<id>.png`). */
  id: string;
  title: string;
  /** What the marks are, the scales and the interval's level. */
  caption: string;
  options: Plot.PlotOptions;
}

const inputLabels: Record<string, string> = {
  N: "Parameters N",
  D: "Training tokens D",
  C: "Training compute C (FLOPs)",
  S: "Optimiser steps S",
  step: "Step",
  U: "Unique tokens U",
  Ne: "Encoder parameters Ne",
  Nd: "Decoder parameters Nd",
  B: "Batch size B (tokens)",
};

/** Axis label of an input, marked when the scale is logarithmic. */
function label(input: string, log: boolean): string {
  return `${inputLabels[input] ?? input}${log ? " (log scale)" : ""}`;
}

const lossLabel = (log: boolean) => `Loss (nats/token${log ? ", log scale" : ""})`;
const percent = (level: number) => `${Math.round(level * 1000) / 10}%`;

function intervalWords(fit: Pick<FitResult, "intervalMethod" | "level" | "draws">): string {
  const draws = fit.draws ? (Object.values(fit.draws)[0]?.length ?? 0) : 0;
  const how =
    fit.intervalMethod === "bootstrap"
      ? `bootstrap, ${draws} refits resampling runs`
      : fit.intervalMethod === "covariance"
        ? `${draws} draws from the fit's covariance`
        : fit.intervalMethod;
  return `${percent(fit.level)} interval of the fitted law (${how})`;
}

/**
 * `count` points spread evenly in log space from lo to hi.
 * @example logGrid(1e18, 1e21, 4) // [1e18, 1e19, 1e20, 1e21]
 */
export function logGrid(lo: number, hi: number, count: number): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return Array.from({ length: count }, (_, i) => 10 ** (a + ((b - a) * i) / (count - 1)));
}

interface PointRow {
  x: number;
  loss: number;
  run: string;
  held: boolean;
  N?: number;
}

function pointRows(observations: Observations, x: string, held: boolean): PointRow[] {
  const xs = x === "C" && !observations.inputs.C ? undefined : observations.inputs[x];
  return Array.from(observations.loss, (loss, i) => ({
    x: xs ? xs[i]! : 6 * observations.inputs.N![i]! * observations.inputs.D![i]!,
    loss,
    run: observations.run?.[i] ?? String(i),
    held,
    ...(observations.inputs.N ? { N: observations.inputs.N[i]! } : {}),
  }));
}

/**
 * The fitted law against the data on log axes, with the law's interval band and held-out points.
 * Laws in N and D are drawn against compute C = 6ND: the curve is the compute-optimal loss L*(C) and its
 * band comes from the same draws; laws of one input are drawn against it.
 * @example const chart = lawFitChart(fit, observations, { heldOut })
 */
export function lawFitChart(
  fit: FittedLaw & Pick<FitResult, "intervalMethod" | "level" | "draws">,
  observations: Observations,
  { heldOut, id = `fit-${fit.law.name}` }: { heldOut?: Observations; id?: string } = {},
): Chart {
  const inputs = fit.law.inputs;
  const chinchillaLike = isComputeLaw(fit.law);
  const x = chinchillaLike ? "C" : inputs[0]!;
  const points = [...pointRows(observations, x, false), ...(heldOut ? pointRows(heldOut, x, true) : [])];
  const xs = points.map((p) => p.x);
  const lo = Math.min(...xs) / 2;
  const hi = Math.max(...xs) * 10;
  const grid = logGrid(lo, hi, 60);
  let curve: Array<{ x: number; loss: number; lo: number; hi: number }>;
  if (chinchillaLike) {
    curve = grid.map((C) => {
      const a = computeOptimal(fit, C);
      return { x: C, loss: a.loss, lo: a.intervals?.loss[0] ?? a.loss, hi: a.intervals?.loss[1] ?? a.loss };
    });
  } else if (inputs.length === 1) {
    const predictions = predictLoss(
      fit,
      grid.map((v) => ({ [x]: v })),
    );
    curve = predictions.map((p, i) => ({
      x: grid[i]!,
      loss: p.loss,
      lo: p.interval?.[0] ?? p.loss,
      hi: p.interval?.[1] ?? p.loss,
    }));
  } else {
    throw new RangeError(
      `lawFitChart draws laws of one input or of N and D; ${fit.law.name} has ${inputs.join(", ")}`,
    );
  }
  const dataMax = Math.max(...pointRows(observations, x, false).map((p) => p.x));
  return {
    id,
    title: `${fit.law.name}: ${fit.law.formula}`,
    caption: `Dots: ${observations.loss.length} fitted runs${heldOut ? `; hollow red dots: ${heldOut.loss.length} held-out runs` : ""}. Line: ${
      chinchillaLike ? "the loss at the compute-optimal N and D for each budget" : "the fitted law"
    }; band: ${intervalWords(fit)}. Right of the dashed rule the law extrapolates beyond the data.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      x: { type: "log", label: label(x, true), ...(x === "C" ? { tickFormat: "~e" } : {}) },
      y: { type: "log", label: lossLabel(true), grid: true },
      marks: [
        Plot.areaY(curve, { x: "x", y1: "lo", y2: "hi", fill: "steelblue", fillOpacity: 0.25 }),
        Plot.line(curve, { x: "x", y: "loss", stroke: "steelblue", strokeWidth: 2 }),
        Plot.ruleX([dataMax], { stroke: "#888", strokeDasharray: "4,3" }),
        Plot.dot(
          points.filter((p) => !p.held),
          { x: "x", y: "loss", r: 2.5, fill: "#333", fillOpacity: 0.7 },
        ),
        Plot.dot(
          points.filter((p) => p.held),
          { x: "x", y: "loss", r: 4, stroke: "crimson", strokeWidth: 1.5 },
        ),
      ],
    },
  };
}

/**
 * Residuals of the fit (log L̂ − log L, or L̂ − L in linear space) against an input.
 * @example residualsChart(fit, observations, "N")
 */
export function residualsChart(
  fit: Pick<FitResult, "residuals" | "options"> & { law: { name: string } },
  observations: Observations,
  x: string,
): Chart {
  const values = observations.inputs[x];
  if (!values) throw new RangeError(`residualsChart: the data have no ${x}`);
  const rows = Array.from(fit.residuals, (r, i) => ({ x: values[i]!, r }));
  const log = fit.options.space === "log";
  return {
    id: `residuals-${fit.law.name}-${x}`,
    title: `${fit.law.name}: residuals against ${x}`,
    caption: `Each dot is a fitted point: ${log ? "log predicted − log observed loss" : "predicted − observed loss (nats/token)"}. A pattern (a slope, a curve) means the law misses a trend.`,
    options: {
      width: 720,
      height: 260,
      marginLeft: 60,
      x: { type: "log", label: label(x, true) },
      y: { label: log ? "Residual (log loss)" : "Residual (nats/token)", grid: true },
      marks: [Plot.ruleY([0], { stroke: "#888" }), Plot.dot(rows, { x: "x", y: "r", r: 2.5, fill: "#333" })],
    },
  };
}

/**
 * IsoFLOP curves: the law's loss against N at fixed compute budgets (D = C / 6N), the optimum N* marked.
 * @example isoFlopChart(fit, [1e18, 1e19, 1e20])
 */
export function isoFlopChart(fit: FittedLaw, budgets: readonly number[]): Chart {
  const rows: Array<{ N: number; loss: number; budget: string }> = [];
  const optima: Array<{ N: number; loss: number; budget: string }> = [];
  for (const C of budgets) {
    const best = computeOptimal(fit, C);
    const budget = `C = ${C.toExponential(0)}`;
    for (const N of logGrid(best.N / 30, best.N * 30, 50))
      rows.push({ N, loss: fit.law.predict(fit.params, { N, D: C / (6 * N) }), budget });
    optima.push({ N: best.N, loss: best.loss, budget });
  }
  return {
    id: `isoflop-${fit.law.name}`,
    title: `${fit.law.name}: isoFLOP curves`,
    caption: `Each line is the fitted loss at one compute budget C = 6ND as N varies (D = C/6N); the dot marks the compute-optimal N* of that budget.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 90,
      x: { type: "log", label: label("N", true) },
      y: { type: "log", label: lossLabel(true), grid: true },
      color: { type: "ordinal", scheme: "viridis" },
      marks: [
        Plot.line(rows, { x: "N", y: "loss", stroke: "budget", z: "budget" }),
        Plot.dot(optima, { x: "N", y: "loss", fill: "budget", r: 4, stroke: "white" }),
        Plot.text(optima, {
          x: "N",
          y: "loss",
          text: (d: { budget: string }) => `N* at ${d.budget}`,
          dx: 8,
          textAnchor: "start",
          fontSize: 10,
        }),
      ],
    },
  };
}

/**
 * The compute-optimal frontier: N* and D* against compute with their interval bands, and a second chart of
 * tokens per parameter (D* over N*).
 * @example const [sizes, ratio] = frontierCharts(fit, logGrid(1e18, 1e25, 30))
 */
export function frontierCharts(
  fit: FittedLaw & Pick<FitResult, "intervalMethod" | "level" | "draws">,
  budgets: readonly number[],
): [Chart, Chart] {
  const allocations = budgets.map((C) => computeOptimal(fit, C));
  const rows = allocations.flatMap((a) => [
    {
      C: a.C,
      value: a.N,
      lo: a.intervals?.N[0] ?? a.N,
      hi: a.intervals?.N[1] ?? a.N,
      quantity: "N* (parameters)",
    },
    {
      C: a.C,
      value: a.D,
      lo: a.intervals?.D[0] ?? a.D,
      hi: a.intervals?.D[1] ?? a.D,
      quantity: "D* (tokens)",
    },
  ]);
  const ratio = allocations.map((a) => ({
    C: a.C,
    value: a.tokensPerParameter,
    lo: a.intervals?.tokensPerParameter[0] ?? a.tokensPerParameter,
    hi: a.intervals?.tokensPerParameter[1] ?? a.tokensPerParameter,
  }));
  const ends = rows.filter((r) => r.C === budgets[budgets.length - 1]);
  return [
    {
      id: `frontier-${fit.law.name}`,
      title: `${fit.law.name}: compute-optimal N* and D*`,
      caption: `Lines: the compute-optimal parameters N* (blue) and tokens D* (orange) for each budget C = 6ND; bands: ${intervalWords(fit)}.`,
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        marginRight: 110,
        x: { type: "log", label: label("C", true), tickFormat: "~e" },
        y: { type: "log", label: "N* or D* (log scale)", grid: true },
        color: { domain: ["N* (parameters)", "D* (tokens)"], range: ["steelblue", "darkorange"] },
        marks: [
          Plot.areaY(rows, {
            x: "C",
            y1: "lo",
            y2: "hi",
            fill: "quantity",
            z: "quantity",
            fillOpacity: 0.25,
          }),
          Plot.line(rows, { x: "C", y: "value", stroke: "quantity", z: "quantity", strokeWidth: 2 }),
          Plot.text(ends, {
            x: "C",
            y: "value",
            text: "quantity",
            dx: 6,
            textAnchor: "start",
            fill: "quantity",
          }),
        ],
      },
    },
    {
      id: `tokens-per-parameter-${fit.law.name}`,
      title: `${fit.law.name}: tokens per parameter at the optimum`,
      caption: `D*/N* for each compute budget; band: ${intervalWords(fit)}.`,
      options: {
        width: 720,
        height: 300,
        marginLeft: 60,
        x: { type: "log", label: label("C", true), tickFormat: "~e" },
        y: { type: "log", label: "Tokens per parameter D*/N* (log scale)", grid: true },
        marks: [
          Plot.areaY(ratio, { x: "C", y1: "lo", y2: "hi", fill: "seagreen", fillOpacity: 0.25 }),
          Plot.line(ratio, { x: "C", y: "value", stroke: "seagreen", strokeWidth: 2 }),
        ],
      },
    },
  ];
}

/**
 * Histograms of the bootstrap (or covariance) draws, one chart per free parameter (their scales differ by
 * orders of magnitude), the best fit and the interval marked.
 * @example for (const chart of bootstrapCharts(fit)) console.log(chart.title)
 */
export function bootstrapCharts(
  fit: Pick<FitResult, "draws" | "params" | "intervals" | "level" | "intervalMethod"> & {
    law: { name: string };
  },
): Chart[] {
  return Object.entries(fit.draws ?? {}).map(([name, values]) => {
    const rows = Array.from(values, (v) => ({ v }));
    const interval = fit.intervals[name];
    return {
      id: `draws-${fit.law.name}-${name}`,
      title: `${fit.law.name}: distribution of ${name}`,
      caption: `Histogram of ${values.length} ${fit.intervalMethod} draws of ${name}; solid rule: the best fit (${fit.params[name]!.toPrecision(4)}); dashed rules: the ${percent(fit.level)} interval${interval ? ` [${interval[0].toPrecision(4)}, ${interval[1].toPrecision(4)}]` : ""}.`,
      options: {
        width: 720,
        height: 200,
        marginLeft: 60,
        x: { label: `${name} (linear scale)` },
        y: { label: "Draws", grid: true },
        marks: [
          Plot.rectY(rows, { ...Plot.binX({ y: "count" }, { x: "v", thresholds: 40 }), fill: "#888" }),
          Plot.ruleX([fit.params[name]!], { stroke: "black", strokeWidth: 1.5 }),
          Plot.ruleX(interval ? [...interval] : [], { stroke: "crimson", strokeDasharray: "4,3" }),
          Plot.ruleY([0]),
        ],
      },
    };
  });
}

/**
 * A curve law's predicted loss curve for one schedule against the observed points, with its interval band.
 * @example curvePredictionChart(predictCurve(fit, lr), { step, loss }, "25M cosine")
 */
export function curvePredictionChart(
  prediction: CurvePrediction,
  observed: { step: ArrayLike<number>; loss: ArrayLike<number> } | undefined,
  name: string,
  level: number,
): Chart {
  const curve = prediction.points.map((p) => ({
    step: p.step,
    loss: p.loss,
    lo: p.interval?.[0] ?? p.loss,
    hi: p.interval?.[1] ?? p.loss,
  }));
  const points = observed ? Array.from(observed.step, (step, i) => ({ step, loss: observed.loss[i]! })) : [];
  // From the first logged step on: the law's loss early in warmup is far above anything logged.
  const first = points.length ? Math.min(...points.map((p) => p.step)) : 0;
  const shown = curve.filter((p) => p.step >= first);
  return {
    id: `curve-${name.replace(/[^A-Za-z0-9._-]+/g, "_")}`,
    title: `Predicted and observed loss curve: ${name}`,
    caption: `Line: the curve law's prediction for this schedule (from the first logged step); band: ${percent(level)} interval of the law; dots: ${points.length} observed losses.`,
    options: {
      width: 720,
      height: 380,
      marginLeft: 60,
      x: { label: label("step", false) },
      y: { label: lossLabel(false), grid: true },
      marks: [
        Plot.areaY(shown, { x: "step", y1: "lo", y2: "hi", fill: "steelblue", fillOpacity: 0.25 }),
        Plot.line(shown, { x: "step", y: "loss", stroke: "steelblue", strokeWidth: 2 }),
        Plot.dot(points, { x: "step", y: "loss", r: 2, fill: "#333" }),
      ],
    },
  };
}

/** One run's logged curve. */
export interface RunCurve {
  run: string;
  tokens: number[];
  loss: number[];
}

/**
 * Every run's loss against tokens seen (log x), each line labelled with its run name at its end.
 * @example lossCurvesChart([{ run: "a", tokens: [1e6, 2e6], loss: [3.1, 2.9] }])
 */
export function lossCurvesChart(curves: readonly RunCurve[], id = "runs"): Chart {
  const rows = curves.flatMap((c) => c.tokens.map((t, i) => ({ run: c.run, tokens: t, loss: c.loss[i]! })));
  const ends = curves
    .filter((c) => c.tokens.length)
    .map((c) => ({ run: c.run, tokens: c.tokens[c.tokens.length - 1]!, loss: c.loss[c.loss.length - 1]! }));
  return {
    id,
    title: "Loss curves of the runs",
    caption: `${curves.length} runs: the logged loss (eval loss where logged, else training loss) against tokens seen; each line is labelled with its run at its last point.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 160,
      x: { type: "log", label: label("D", true) },
      y: { label: lossLabel(false), grid: true },
      color: { type: "ordinal", scheme: "tableau10" },
      marks: [
        Plot.line(rows, { x: "tokens", y: "loss", stroke: "run", z: "run" }),
        Plot.text(ends, {
          x: "tokens",
          y: "loss",
          text: "run",
          dx: 5,
          textAnchor: "start",
          fontSize: 9,
          fill: "run",
        }),
      ],
    },
  };
}

/**
 * The encoder/decoder law's loss over the share of a parameter budget P given to the encoder, for a few
 * budgets, with the optimal split (and its interval) marked.
 * @example encdecChart(fit, [1e8, 1e9, 1e10])
 */
export function encdecChart(fit: FittedLaw, budgets: readonly number[]): Chart {
  const shares = Array.from({ length: 99 }, (_, i) => 0.01 * (i + 1));
  const rows = budgets.flatMap((P) =>
    shares.map((share) => ({
      share,
      loss: fit.law.predict(fit.params, { Ne: share * P, Nd: (1 - share) * P }),
      budget: `P = ${P.toExponential(0)}`,
    })),
  );
  const optima = budgets.map((P) => {
    const split = encdecSplit(fit, P);
    return {
      share: split.encoderShare,
      loss: split.loss,
      lo: split.intervals?.encoderShare[0] ?? split.encoderShare,
      hi: split.intervals?.encoderShare[1] ?? split.encoderShare,
      budget: `P = ${P.toExponential(0)}`,
    };
  });
  return {
    id: `encdec-${fit.law.name}`,
    title: `${fit.law.name}: loss over the encoder's share of the parameters`,
    caption: `Each line: the fitted loss of a model with P parameters split Ne = share·P, Nd = (1 − share)·P; dots: the optimal split; whiskers: its ${percent(fit.level)} interval from the fit's draws.`,
    options: {
      width: 720,
      height: 400,
      marginLeft: 60,
      marginRight: 70,
      x: { label: "Encoder share Ne/(Ne+Nd) (linear scale)", domain: [0, 1] },
      y: { type: "log", label: lossLabel(true), grid: true },
      color: { type: "ordinal", scheme: "viridis" },
      marks: [
        Plot.line(rows, { x: "share", y: "loss", stroke: "budget", z: "budget" }),
        Plot.ruleY(optima, { x1: "lo", x2: "hi", y: "loss", stroke: "budget", strokeWidth: 3 }),
        Plot.dot(optima, { x: "share", y: "loss", fill: "budget", r: 4, stroke: "white" }),
        Plot.text(optima, { x: "share", y: "loss", text: "budget", dy: -10, fontSize: 10 }),
      ],
    },
  };
}

/**
 * The optimal share of a token budget spent on quantisation-aware training against tokens per
 * parameter-byte S = D/(N·bits/8): a fitted `qat` law's optimum (with its interval), or without a fit the
 * published one-parameter law f = exp(−a/ln S) (Dremov et al. 2025).
 * @example qatChart(fit, { N: 1e8, bits: 4 })
 */
export function qatChart(fit: FittedLaw | undefined, { N, bits }: { N: number; bits: number }): Chart {
  const S = logGrid(2, 1e4, 40);
  const rows = S.map((s) => {
    const plan = qatFraction(fit, { N, D: (s * N * bits) / 8, bits });
    return {
      S: s,
      f: plan.qatFraction,
      lo: plan.intervals?.qatFraction[0] ?? plan.qatFraction,
      hi: plan.intervals?.qatFraction[1] ?? plan.qatFraction,
    };
  });
  return {
    id: `qat-${fit ? fit.law.name : "published"}-${bits}bit`,
    title: `Optimal QAT fraction at ${bits} bits (N = ${N.toExponential(1)})`,
    caption: fit
      ? `Line: the share of the token budget that minimises the fitted qat law; band: its ${percent(fit.level)} interval from the fit's draws.`
      : "Line: the published law f = exp(−6.7297 / ln S) (Dremov et al. 2025); no interval (no fit).",
    options: {
      width: 720,
      height: 340,
      marginLeft: 60,
      x: { type: "log", label: "Tokens per parameter-byte S = D/(N·bits/8) (log scale)" },
      y: { label: "Optimal QAT fraction f* (linear scale)", domain: [0, 1], grid: true },
      marks: [
        Plot.areaY(rows, { x: "S", y1: "lo", y2: "hi", fill: "purple", fillOpacity: 0.2 }),
        Plot.line(rows, { x: "S", y: "f", stroke: "purple", strokeWidth: 2 }),
      ],
    },
  };
}

/**
 * Batch-size sweeps: for each target loss the fitted hyperbola (S/S_min − 1)(E/E_min − 1) = 1 in steps S
 * against examples E = B·S, with the measured points (the bcrit law's observations: inputs B and target,
 * the steps to reach the target as the "loss"), and B_crit = E_min/S_min against the loss.
 * @example const [hyperbolae, bcrit] = batchCharts(fit, batchSweepObservations(points, targets).observations)
 */
export function batchCharts(
  fit: Pick<FitResult, "params" | "intervals" | "derived" | "level"> & {
    law: { name: string; spec?: Readonly<Record<string, unknown>> };
  },
  observations: Observations,
): [Chart, Chart] {
  const summary = bcritSummary(fit);
  const points = Array.from(observations.loss, (S, i) => ({
    S,
    E: observations.inputs.B![i]! * S,
    target: observations.inputs.target![i]!,
  }));
  const curves = summary.targets.flatMap((t) =>
    logGrid(t.Smin * 1.02, t.Smin * 60, 60).map((S) => ({
      S,
      E: t.Emin * (1 + 1 / (S / t.Smin - 1)),
      target: `L = ${t.loss}`,
    })),
  );
  const measured = points.map((p) => ({ ...p, target: `L = ${p.target}` }));
  const bcrit = summary.targets.map((t) => ({
    loss: t.loss,
    B: t.Bcrit,
    lo: t.intervals?.Bcrit[0] ?? t.Bcrit,
    hi: t.intervals?.Bcrit[1] ?? t.Bcrit,
  }));
  const trend =
    summary.Bstar !== null && summary.alphaB !== null
      ? logGrid(
          Math.min(...summary.targets.map((t) => t.loss)),
          Math.max(...summary.targets.map((t) => t.loss)),
          30,
        ).map((loss) => ({ loss, B: summary.Bstar! / loss ** (1 / summary.alphaB!) }))
      : [];
  return [
    {
      id: `batch-hyperbolae-${fit.law.name}`,
      title: "Steps against examples to reach each target loss",
      caption:
        "Dots: runs of the batch-size sweep when they first reach a target loss; lines: the fitted hyperbola (S/S_min − 1)(E/E_min − 1) = 1 of each target (McCandlish et al. 2018).",
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        marginRight: 60,
        x: { type: "log", label: label("S", true) },
        y: { type: "log", label: "Examples processed E = B·S (tokens, log scale)", grid: true },
        color: { type: "ordinal", scheme: "tableau10" },
        marks: [
          Plot.line(curves, { x: "S", y: "E", stroke: "target", z: "target" }),
          Plot.dot(measured, { x: "S", y: "E", fill: "target", r: 3 }),
          Plot.text(
            summary.targets.map((t) => ({
              S: t.Smin * 60,
              E: t.Emin * (1 + 1 / 59),
              target: `L = ${t.loss}`,
            })),
            { x: "S", y: "E", text: "target", fill: "target", dx: 6, textAnchor: "start", fontSize: 10 },
          ),
        ],
      },
    },
    {
      id: `bcrit-${fit.law.name}`,
      title: "Critical batch size against the target loss",
      caption: `Dots: B_crit = E_min/S_min of each target with its ${percent(fit.level)} interval (whiskers); line: the fitted B_crit(L) = B*/L^(1/α_B).`,
      options: {
        width: 720,
        height: 340,
        marginLeft: 60,
        x: { type: "log", label: lossLabel(true) },
        y: { type: "log", label: "Critical batch size B_crit (tokens, log scale)", grid: true },
        marks: [
          Plot.line(trend, { x: "loss", y: "B", stroke: "steelblue" }),
          Plot.ruleX(bcrit, { x: "loss", y1: "lo", y2: "hi", stroke: "#333" }),
          Plot.dot(bcrit, { x: "loss", y: "B", fill: "#333", r: 4 }),
        ],
      },
    },
  ];
}

/**
 * The encoder/decoder law's loss surface over (Ne, Nd) on log axes as filled contours, the fitted runs as
 * dots, and the optimal splits Ne/Nd = pe/pd of growing budgets as a line (Ghorbani et al. 2021).
 * @example encdecSurfaceChart(fit, observations)
 */
export function encdecSurfaceChart(fit: FittedLaw, observations?: Observations): Chart {
  const range = fit.dataRange;
  const [neLo, neHi] = range.Ne ?? [1e7, 1e9];
  const [ndLo, ndHi] = range.Nd ?? [1e7, 1e9];
  const ne = logGrid(neLo / 3, neHi * 10, 41);
  const nd = logGrid(ndLo / 3, ndHi * 10, 41);
  const cells: Array<{
    Ne1: number;
    Ne2: number;
    Nd1: number;
    Nd2: number;
    loss: number;
    i: number;
    j: number;
  }> = [];
  for (let i = 0; i + 1 < ne.length; i++) {
    for (let j = 0; j + 1 < nd.length; j++) {
      const at = { Ne: Math.sqrt(ne[i]! * ne[i + 1]!), Nd: Math.sqrt(nd[j]! * nd[j + 1]!) };
      cells.push({
        Ne1: ne[i]!,
        Ne2: ne[i + 1]!,
        Nd1: nd[j]!,
        Nd2: nd[j + 1]!,
        loss: fit.law.predict(fit.params, at),
        i,
        j,
      });
    }
  }
  // No legend (Plot's legends are HTML): the loss is printed on a sparse grid of cells instead.
  const labels = cells
    .filter((c) => c.i % 8 === 4 && c.j % 8 === 4)
    .map((c) => ({ Ne: Math.sqrt(c.Ne1 * c.Ne2), Nd: Math.sqrt(c.Nd1 * c.Nd2), text: c.loss.toFixed(2) }));
  const budgets = logGrid(Math.min(neLo, ndLo), (neHi + ndHi) * 10, 30);
  const optimal = budgets
    .map((P) => encdecSplit(fit, P))
    .filter(
      (s) => s.Ne >= ne[0]! && s.Ne <= ne[ne.length - 1]! && s.Nd >= nd[0]! && s.Nd <= nd[nd.length - 1]!,
    );
  const points = observations?.inputs.Ne
    ? Array.from(observations.loss, (loss, k) => ({
        Ne: observations.inputs.Ne![k]!,
        Nd: observations.inputs.Nd![k]!,
        loss,
      }))
    : [];
  return {
    id: `encdec-surface-${fit.law.name}`,
    title: `${fit.law.name}: loss surface over encoder and decoder sizes`,
    caption: `Colour (darker = higher) and the printed values: the fitted loss (nats/token) over encoder parameters Ne and decoder parameters Nd; white line: the optimal split of each total budget (Ne/Nd = pe/pd); dots: ${points.length} fitted runs.`,
    options: {
      width: 720,
      height: 520,
      marginLeft: 60,
      x: { type: "log", label: label("Ne", true) },
      y: { type: "log", label: label("Nd", true) },
      color: { type: "linear", scheme: "viridis", reverse: true, label: "Loss (nats/token)" },
      marks: [
        Plot.rect(cells, {
          x1: "Ne1",
          x2: "Ne2",
          y1: "Nd1",
          y2: "Nd2",
          fill: "loss",
          stroke: "loss",
          strokeWidth: 0.5,
        }),
        Plot.text(labels, { x: "Ne", y: "Nd", text: "text", fill: "white", fontSize: 10 }),
        Plot.line(optimal, { x: "Ne", y: "Nd", stroke: "white", strokeWidth: 2 }),
        Plot.dot(points, { x: "Ne", y: "Nd", fill: "white", stroke: "black", r: 3 }),
      ],
    },
  };
}
