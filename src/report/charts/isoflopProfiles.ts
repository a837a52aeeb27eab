/** An isoflop (Approach 2) fit: its parabolas with the runs and vertices, and N*(C) through the vertices. */
import * as Plot from "@observablehq/plot";
import type { Observations } from "../../dataTypes.js";
import { withDraws } from "../../fit/draws.js";
import type { FittedLaw } from "../../types.js";
import { inputAxis, logGrid, lossAxis, nStarAxis, percent, type Chart } from "./shared.js";

interface Budgets {
  readonly budgets: readonly number[];
  readonly centers: readonly number[];
}

/**
 * Two charts of an isoflop fit: each budget's parabola in ln N with its runs and its vertex N*_k (with the
 * vertex's interval from the fit's draws), and the vertices against C with N*(C) = kN·C^aN through them,
 * extended a decade beyond the largest budget (dashed).
 * @example isoflopCharts(fit, observations).map((c) => c.id) // ["isoflop-profiles", "isoflop-frontier"]
 */
export function isoflopCharts(fit: FittedLaw, observations: Observations | undefined): Chart[] {
  const spec = fit.law.spec as unknown as Budgets;
  const derived = fit.law.derived ?? {};
  const name = (C: number) => `C = ${C.toExponential(1)}`;
  const vertices = spec.budgets.map((C, k) => {
    const quantity = derived[`Nstar_${k + 1}`]!;
    const { best, interval } = withDraws(
      fit,
      (p) => quantity.value(p),
      (v) => v,
    );
    return {
      C,
      budget: name(C),
      N: best,
      loss: derived[`Lstar_${k + 1}`]!.value(fit.params),
      lo: interval?.[0] ?? best,
      hi: interval?.[1] ?? best,
    };
  });
  const runs = observations
    ? Array.from(observations.loss, (loss, i) => {
        const C = observations.inputs.C![i]!;
        const k = nearest(spec.budgets, C);
        return { N: observations.inputs.N![i]!, loss, budget: name(spec.budgets[k]!) };
      })
    : [];
  const curves = spec.budgets.flatMap((C, k) => {
    const sizes = runs.filter((r) => r.budget === name(C)).map((r) => r.N);
    const centre = Math.exp(spec.centers[k]!);
    const [lo, hi] = sizes.length ? [Math.min(...sizes), Math.max(...sizes)] : [centre / 4, centre * 4];
    return logGrid(lo, hi, 40).map((N) => ({
      N,
      loss: fit.law.predict(fit.params, { C, N }),
      budget: name(C),
    }));
  });
  const convex = vertices.filter((v) => Number.isFinite(v.N));
  const profiles: Chart = {
    id: "isoflop-profiles",
    title: "isoflop: isoFLOP profiles (Approach 2)",
    caption: `Each colour is one compute budget: its runs (open circles), the parabola in ln N fitted to them, and its vertex N*_k (filled) with the ${percent(fit.level)} interval of the vertex from the fit's draws (horizontal bar).`,
    options: {
      width: 720,
      height: 440,
      marginLeft: 60,
      marginRight: 20,
      x: inputAxis("N"),
      y: lossAxis(false),
      color: { type: "ordinal", scheme: "viridis", domain: spec.budgets.map(name) },
      marks: [
        Plot.line(curves, { x: "N", y: "loss", stroke: "budget", z: "budget" }),
        Plot.dot(runs, { x: "N", y: "loss", stroke: "budget", r: 2.5 }),
        Plot.link(convex, { x1: "lo", x2: "hi", y1: "loss", y2: "loss", stroke: "budget", strokeWidth: 2 }),
        Plot.dot(convex, { x: "N", y: "loss", fill: "budget", r: 4.5, stroke: "white" }),
        Plot.text(convex, {
          x: "hi",
          y: "loss",
          text: "budget",
          dx: 6,
          textAnchor: "start",
          fontSize: 9,
          fill: "budget",
        }),
      ],
    },
  };
  const aN = derived.aN?.value(fit.params) ?? NaN;
  const kN = derived.kN?.value(fit.params) ?? NaN;
  const [first, last] = [Math.min(...spec.budgets), Math.max(...spec.budgets)];
  const line = (from: number, to: number, part: string) =>
    logGrid(from, to, 30).map((C) => ({ C, N: kN * C ** aN, part }));
  const frontier: Chart = {
    id: "isoflop-frontier",
    title: "isoflop: compute-optimal size N*(C)",
    caption: `Each budget's vertex N*_k with its ${percent(fit.level)} interval (vertical bar), and N*(C) = ${kN.toPrecision(4)}·C^${aN.toPrecision(4)} fitted through them by least squares in logs; dashed: a decade beyond the largest budget.`,
    options: {
      width: 720,
      height: 420,
      marginLeft: 70,
      x: inputAxis("C"),
      y: nStarAxis(),
      marks: [
        Plot.line(line(first, last, "fit"), { x: "C", y: "N", stroke: "black" }),
        Plot.line(line(last, 10 * last, "beyond"), {
          x: "C",
          y: "N",
          stroke: "black",
          strokeDasharray: "5,4",
        }),
        Plot.link(convex, { x1: "C", x2: "C", y1: "lo", y2: "hi", stroke: "#555", strokeWidth: 1.5 }),
        Plot.dot(convex, { x: "C", y: "N", fill: "crimson", r: 4, stroke: "white" }),
      ],
    },
  };
  return [profiles, frontier];
}

/** The index of the value nearest to x in logs. */
function nearest(values: readonly number[], x: number): number {
  let best = 0;
  values.forEach((v, k) => {
    if (Math.abs(Math.log(v / x)) < Math.abs(Math.log(values[best]! / x))) best = k;
  });
  return best;
}
