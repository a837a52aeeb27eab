/** A data-constrained fit: what repeated data are worth, epoch by epoch (Muennighoff et al. 2023, eq. 5). */
import * as Plot from "@observablehq/plot";
import type { Observations } from "../../dataTypes.js";
import { withDraws } from "../../fit/draws.js";
import type { FittedLaw } from "../../types.js";
import { beyondData } from "./_annotate.js";
import { formatValue } from "./_format.js";
import { logGrid, percent, type Chart } from "./shared.js";

/** Effective epochs D′/U of `epochs` passes over the unique data: 1 + R*·(1 − exp(−(epochs − 1)/R*)). */
const effective = (epochs: number, RDstar: number) =>
  1 - RDstar * Math.expm1(-Math.max(epochs - 1, 0) / RDstar);

/**
 * The effective data of repeated tokens, D′/U, against the epochs trained, D/U (their Figure 3's "effective
 * data"): fresh data would lie on the diagonal; repeated data bend away from it and level off at 1 + RDstar.
 * The band is the fit's interval of D′/U from its draws of RDstar; the runs' epochs are marked on the axis, and
 * the epochs beyond the most repeated run are drawn as extrapolation.
 * @example dataConstrainedChart(fit, observations).id // "data-constrained-epochs"
 */
export function dataConstrainedChart(fit: FittedLaw, observations: Observations | undefined): Chart {
  const RDstar = fit.params.RDstar!;
  const runs = observations
    ? Array.from(observations.loss, (_, i) => observations.inputs.D![i]! / observations.inputs.U![i]!)
    : [];
  const most = runs.length ? Math.max(...runs) : 10 * RDstar;
  const hi = Math.max(10 * most, 10 * RDstar);
  const rows = logGrid(1, hi, 80).map((epochs) => {
    const { best, interval } = withDraws(
      fit,
      (p) => effective(epochs, p.RDstar!),
      (v) => v,
    );
    return {
      epochs,
      value: best,
      lo: interval?.[0] ?? best,
      hi: interval?.[1] ?? best,
      beyond: epochs > most,
    };
  });
  const top = 4 * Math.max(...rows.map((r) => r.hi));
  const inside = rows.filter((r) => !r.beyond);
  const beyond = [inside[inside.length - 1]!, ...rows.filter((r) => r.beyond)].filter(Boolean);
  const yLabel = "Effective data D′/U (epochs of fresh data, log scale)";
  return {
    id: "data-constrained-epochs",
    title: "data-constrained: what repeated data are worth",
    caption: `Effective data D′ of D tokens drawn from U unique ones, in epochs of fresh data, against the epochs trained D/U (solid to the most repeated run, ${formatValue(most)} epochs; dashed and shaded beyond). Fresh data would lie on the dotted diagonal; the k-th repetition is worth exp(−k/RDstar) of a fresh token, so repeated data level off at 1 + RDstar = ${formatValue(1 + RDstar)} epochs (RDstar = ${formatValue(RDstar)}; half-life ${formatValue(RDstar * Math.LN2)} epochs). Band: the ${percent(fit.level)} interval from the fit's draws of RDstar. Ticks on the axis: the runs' epochs.`,
    options: {
      width: 720,
      height: 400,
      marginLeft: 60,
      marginRight: 20,
      x: {
        type: "log",
        label: "Epochs trained D/U (epochs of the unique data, log scale)",
        tickFormat: "~g",
      },
      // Up to a few times the plateau: the fresh-data diagonal is cut there (clip), the curve stays readable.
      y: { type: "log", label: yLabel, tickFormat: "~g", grid: true, domain: [1, top] },
      marks: [
        ...beyondData(most, hi, yLabel),
        Plot.line(
          [
            { epochs: 1, value: 1 },
            { epochs: hi, value: hi },
          ],
          { x: "epochs", y: "value", stroke: "#888", strokeDasharray: "1,3", clip: true },
        ),
        Plot.areaY(rows, { x: "epochs", y1: "lo", y2: "hi", fill: "#4269d0", fillOpacity: 0.15 }),
        Plot.line(inside, { x: "epochs", y: "value", stroke: "#4269d0", strokeWidth: 1.8 }),
        Plot.line(beyond, {
          x: "epochs",
          y: "value",
          stroke: "#4269d0",
          strokeWidth: 1.8,
          strokeDasharray: "5,4",
        }),
        // A rug of the runs' epochs along the bottom (a short rule each, 1 to 1.12 on the log axis).
        Plot.ruleX(runs, { x: (e: number) => e, y1: 1, y2: 1.12, stroke: "#333", strokeOpacity: 0.6 }),
      ],
    },
  };
}
