/** The encoder/decoder law's loss over the encoder's share of a parameter budget. */
import * as Plot from "@observablehq/plot";
import { encdecSplit } from "../../fit/laws/encdec.js";
import type { FittedLaw } from "../../types.js";
import { directLabels, palette } from "./_annotate.js";
import { decadesWords, formatCount } from "./_format.js";
import { band, lossAxis, percent, type Chart } from "./shared.js";

/**
 * The encoder/decoder law's loss over the share of a parameter budget P given to the encoder, for a few
 * budgets, with the optimal split (and its interval) marked.
 * @example encdecChart(fit, [1e8, 1e9, 1e10])
 */
export function encdecChart(fit: FittedLaw, budgets: readonly number[]): Chart {
  const shares = Array.from({ length: 99 }, (_, i) => 0.01 * (i + 1));
  const { Ne, Nd } = fit.dataRange;
  // The data's largest model: budgets beyond it are extrapolations, drawn dashed and labelled in decades.
  const largest = Ne && Nd ? Ne[1] + Nd[1] : undefined;
  const colors = palette(budgets.length);
  const name = (P: number) => {
    const where = largest !== undefined && P > largest * 1.02 ? ` (${decadesWords(P, largest)})` : "";
    return `P = ${formatCount(P)}${where}`;
  };
  const rows = budgets.flatMap((P, k) =>
    shares.map((share) => ({
      share,
      loss: fit.law.predict(fit.params, { Ne: share * P, Nd: (1 - share) * P }),
      budget: name(P),
      color: colors[k]!,
      beyond: largest !== undefined && P > largest * 1.02,
    })),
  );
  const optima = budgets.map((P, k) => {
    const split = encdecSplit(fit, P);
    return {
      share: split.encoderShare,
      loss: split.loss,
      ...band(split.encoderShare, split.intervals?.encoderShare),
      budget: name(P),
      color: colors[k]!,
    };
  });
  return {
    id: `encdec-${fit.law.name}`,
    title: `${fit.law.name}: loss over the encoder's share of the parameters`,
    caption: `Each line: the fitted loss of a model with P parameters split Ne = share·P, Nd = (1 − share)·P; dots: the optimal split; whiskers: its ${percent(fit.level)} interval from the fit's draws.${
      largest !== undefined
        ? ` Budgets beyond the largest fitted model (${formatCount(largest)} parameters) are dashed and labelled with their distance in decades.`
        : ""
    }`,
    options: {
      width: 720,
      height: 400,
      marginLeft: 60,
      marginRight: 30,
      x: { label: "Encoder share Ne/(Ne+Nd) (fraction of parameters, linear scale)", domain: [0, 1] },
      y: lossAxis(true),
      marks: [
        Plot.line(
          rows.filter((r) => !r.beyond),
          { x: "share", y: "loss", stroke: "color", z: "budget", title: "budget" },
        ),
        Plot.line(
          rows.filter((r) => r.beyond),
          { x: "share", y: "loss", stroke: "color", z: "budget", strokeDasharray: "5,4", title: "budget" },
        ),
        Plot.ruleY(optima, { x1: "lo", x2: "hi", y: "loss", stroke: "color", strokeWidth: 3 }),
        Plot.dot(optima, { x: "share", y: "loss", fill: "color", r: 4, stroke: "white" }),
        // Beside the whisker's right end, so that a label never covers its own interval.
        directLabels(
          optima.map((o) => ({ x: Math.max(o.share, o.hi), y: o.loss, text: o.budget, fill: o.color })),
        ),
      ],
    },
  };
}
