/** A curve law's predicted loss curve for one schedule against the observed points. */
import * as Plot from "@observablehq/plot";
import type { CurvePrediction } from "../../predict/predictCurve.js";
import { downsample } from "./_downsample.js";
import { band, label, lossAxis, percent, type Chart } from "./shared.js";

/** The plot's pixel columns: its width (720) less its margins (60 and Plot's default 20). */
const columns = 640;

/**
 * A curve law's predicted loss curve for one schedule against the observed points, with its interval band;
 * observed points beyond two per pixel column are downsampled (`downsample`), as the caption says.
 * @example curvePredictionChart(predictCurve(fit, lr), { step, loss }, "25M cosine", fit.level)
 */
export function curvePredictionChart(
  prediction: CurvePrediction,
  observed: { step: ArrayLike<number>; loss: ArrayLike<number> } | undefined,
  name: string,
  level: number,
): Chart {
  const curve = prediction.points.map((p) => ({ step: p.step, loss: p.loss, ...band(p.loss, p.interval) }));
  const logged = observed?.step.length ?? 0;
  // From the first logged step on: the law's loss early in warmup is far above anything logged.
  let first = logged ? Infinity : 0;
  let last = -Infinity;
  for (let i = 0; i < logged; i++) {
    first = Math.min(first, observed!.step[i]!);
    last = Math.max(last, observed!.step[i]!);
  }
  // More observed points than the plot has pixel columns: each column's lowest and highest, and the ends.
  const kept = observed ? downsample(observed.step, observed.loss, { columns, domain: [first, last] }) : [];
  const points = kept.map((i) => ({ step: observed!.step[i]!, loss: observed!.loss[i]! }));
  const dots =
    points.length < logged
      ? `${points.length} of the ${logged} observed losses (all of them fitted): the lowest and highest in each of ${columns} columns of the x axis, and the first and last`
      : `${logged} observed losses`;
  const shown = curve.filter((p) => p.step >= first);
  // The y axis spans the observed losses and the predicted line, padded by a fifth; a band reaching far beyond
  // (one bootstrap draw that explodes at the first steps) is cut at the frame and said so in the caption.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...points.map((p) => p.loss), ...shown.map((p) => p.loss)]) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const pad = 0.2 * (hi - lo || Math.abs(hi) || 1);
  const domain: [number, number] | undefined = lo <= hi ? [lo - pad, hi + pad] : undefined;
  const cut = domain !== undefined && shown.some((p) => p.lo < domain[0] || p.hi > domain[1]);
  return {
    id: `curve-${name.replace(/[^A-Za-z0-9._-]+/g, "_")}`,
    title: `Predicted and observed loss curve: ${name}`,
    caption: `Line: the curve law's prediction for this schedule (from the first logged step); band: ${percent(level)} interval of the law${cut ? " (cut at the frame where it leaves the losses' range)" : ""}; dots: ${dots}.`,
    options: {
      width: 720,
      height: 380,
      marginLeft: 60,
      x: { label: label("step", false) },
      y: { ...lossAxis(false), ...(domain ? { domain } : {}) },
      marks: [
        Plot.areaY(shown, {
          x: "step",
          y1: "lo",
          y2: "hi",
          fill: "steelblue",
          fillOpacity: 0.25,
          clip: true,
        }),
        Plot.line(shown, { x: "step", y: "loss", stroke: "steelblue", strokeWidth: 2 }),
        Plot.dot(points, { x: "step", y: "loss", r: 2, fill: "#333" }),
      ],
    },
  };
}
