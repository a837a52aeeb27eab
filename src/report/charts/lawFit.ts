/** The fitted law against the data: the law-fit chart. */
import * as Plot from "@observablehq/plot";
import { computeOptimal, isComputeLaw } from "../../predict/computeOptimal.js";
import { predictLoss } from "../../predict/predictLoss.js";
import type { Observations } from "../../dataTypes.js";
import type { FitResult, FittedLaw } from "../../types.js";
import { beyondData } from "./_annotate.js";
import { decadesWords, formatPower } from "./_format.js";
import { band, inputAxis, intervalWords, logGrid, lossAxis, lossLabel, type Chart } from "./shared.js";

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
  const dataMax = Math.max(...pointRows(observations, x, false).map((p) => p.x));
  // The largest fitted run is on the grid: the solid line ends there and the dashed one starts there.
  const grid = [...logGrid(lo, hi, 60), dataMax].sort((a, b) => a - b);
  let curve: Array<{ x: number; loss: number; lo: number; hi: number }>;
  if (chinchillaLike) {
    curve = grid.map((C) => {
      const a = computeOptimal(fit, C);
      return { x: C, loss: a.loss, ...band(a.loss, a.intervals?.loss) };
    });
  } else if (inputs.length === 1) {
    const predictions = predictLoss(
      fit,
      grid.map((v) => ({ [x]: v })),
    );
    curve = predictions.map((p, i) => ({ x: grid[i]!, loss: p.loss, ...band(p.loss, p.interval) }));
  } else {
    throw new RangeError(
      `lawFitChart draws laws of one input or of N and D; ${fit.law.name} has ${inputs.join(", ")}`,
    );
  }
  // No interval anywhere (a parameter the loss moves with is not identified): say so instead of naming a band.
  const banded = curve.some((p) => p.hi > p.lo);
  const solid = curve.filter((p) => p.x <= dataMax);
  const dashed = curve.filter((p) => p.x >= dataMax);
  return {
    id,
    title: `${fit.law.name}: ${fit.law.formula}`,
    caption: `Dots: ${observations.loss.length} fitted runs${heldOut ? `; hollow red dots: ${heldOut.loss.length} held-out runs` : ""}. Line: ${
      chinchillaLike ? "the loss at the compute-optimal N and D for each budget" : "the fitted law"
    }; ${banded ? `band: ${intervalWords(fit)}` : "no band: the fit gives this loss no interval (a parameter it moves with is not identified)"}. Right of the dashed rule (the largest fitted run, ${x} = ${formatPower(dataMax)}) the law extrapolates: shaded, the line dashed, to ${decadesWords(hi, dataMax)} beyond.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 60,
      marginRight: 30,
      x: inputAxis(x),
      y: lossAxis(true),
      marks: [
        ...beyondData(dataMax, hi, lossLabel(true)),
        Plot.areaY(curve, { x: "x", y1: "lo", y2: "hi", fill: "steelblue", fillOpacity: 0.25 }),
        Plot.line(solid, { x: "x", y: "loss", stroke: "steelblue", strokeWidth: 2 }),
        Plot.line(dashed, { x: "x", y: "loss", stroke: "steelblue", strokeWidth: 2, strokeDasharray: "6,4" }),
        Plot.dot(
          points.filter((p) => !p.held),
          { x: "x", y: "loss", r: 2.5, fill: "#333", fillOpacity: 0.7, title: "run" },
        ),
        Plot.dot(
          points.filter((p) => p.held),
          { x: "x", y: "loss", r: 4, stroke: "crimson", strokeWidth: 1.5, title: "run" },
        ),
      ],
    },
  };
}
