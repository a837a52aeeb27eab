/** The encoder/decoder law's loss surface over encoder and decoder sizes. */
import * as Plot from "@observablehq/plot";
import { encdecSplit } from "../../fit/laws/encdec.js";
import type { Observations } from "../../dataTypes.js";
import type { FittedLaw } from "../../types.js";
import { inputAxis, logGrid, type Chart } from "./shared.js";

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
      x: inputAxis("Ne"),
      y: inputAxis("Nd"),
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
