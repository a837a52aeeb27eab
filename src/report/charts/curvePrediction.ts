/** A curve law's predicted loss curve for one schedule against the observed points. */
import * as Plot from "@observablehq/plot";
import type { CurvePrediction } from "../../predict/predictCurve.js";
import { band, label, lossAxis, percent, type Chart } from "./shared.js";

/**
 * A curve law's predicted loss curve for one schedule against the observed points, with its interval band.
 * @example curvePredictionChart(predictCurve(fit, lr), { step, loss }, "25M cosine", fit.level)
 */
export function curvePredictionChart(
  prediction: CurvePrediction,
  observed: { step: ArrayLike<number>; loss: ArrayLike<number> } | undefined,
  name: string,
  level: number,
): Chart {
  const curve = prediction.points.map((p) => ({ step: p.step, loss: p.loss, ...band(p.loss, p.interval) }));
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
      y: lossAxis(false),
      marks: [
        Plot.areaY(shown, { x: "step", y1: "lo", y2: "hi", fill: "steelblue", fillOpacity: 0.25 }),
        Plot.line(shown, { x: "step", y: "loss", stroke: "steelblue", strokeWidth: 2 }),
        Plot.dot(points, { x: "step", y: "loss", r: 2, fill: "#333" }),
      ],
    },
  };
}
