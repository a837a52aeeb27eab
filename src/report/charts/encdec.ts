/** The encoder/decoder law's loss over the encoder's share of a parameter budget. */
import * as Plot from "@observablehq/plot";
import { encdecSplit } from "../../fit/laws/encdec.js";
import type { FittedLaw } from "../../types.js";
import { band, lossLabel, percent, type Chart } from "./shared.js";

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
      ...band(split.encoderShare, split.intervals?.encoderShare),
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
