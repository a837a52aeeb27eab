/** An hparams fit: the loss of each cell's runs around the fitted optimum, in LR and in batch size. */
import * as Plot from "@observablehq/plot";
import type { Observations } from "../../dataTypes.js";
import { optimumAt } from "../../fit/laws/hparams.js";
import type { FittedLaw } from "../../types.js";
import type { Chart } from "./shared.js";

interface Slice {
  readonly x: number;
  readonly excess: number;
  readonly cell: string;
  readonly N: number;
}

/**
 * Two charts of an hparams fit with its grid: in each (N, D) cell, the runs at the batch size nearest the
 * fitted B*(D) against lr / lr*(N, D), and the runs at the LR nearest lr* against B / B*(D), as the loss above
 * the cell's best run (%). Bowls whose bottoms sit on the rule at 1 are where the power laws put them.
 * @example hparamsCharts(fit, grid).map((c) => c.id) // ["hparams-lr", "hparams-batch"]
 */
export function hparamsCharts(fit: FittedLaw, observations: Observations | undefined): Chart[] {
  if (!observations?.inputs.lr || !observations.inputs.B) return [];
  const { N, D, lr, B } = observations.inputs as Record<string, Float64Array>;
  const cells = new Map<string, number[]>();
  observations.loss.forEach((_, i) => {
    const key = `N = ${N![i]!.toPrecision(3)}, D = ${D![i]!.toPrecision(3)}`;
    const rows = cells.get(key);
    if (rows) rows.push(i);
    else cells.set(key, [i]);
  });
  const lrRows: Slice[] = [];
  const BRows: Slice[] = [];
  for (const [cell, rows] of cells) {
    const i0 = rows[0]!;
    const optimum = optimumAt(fit.law, fit.params, N![i0]!, D![i0]!);
    const best = Math.min(...rows.map((i) => observations.loss[i]!));
    const slice = (
      along: Float64Array,
      across: Float64Array,
      target: number,
      scale: number,
      out: Slice[],
    ) => {
      const values = [...new Set(rows.map((i) => across[i]!))];
      const at = values.reduce((a, b) =>
        Math.abs(Math.log(b / target)) < Math.abs(Math.log(a / target)) ? b : a,
      );
      rows
        .filter((i) => across[i] === at)
        .sort((a, b) => along[a]! - along[b]!)
        .forEach((i) =>
          out.push({
            x: along[i]! / scale,
            excess: 100 * (observations.loss[i]! / best - 1),
            cell,
            N: N![i0]!,
          }),
        );
    };
    slice(lr!, B!, optimum.B, optimum.lr, lrRows);
    slice(B!, lr!, optimum.lr, optimum.B, BRows);
  }
  const method = String(fit.law.spec?.method ?? "");
  const chart = (id: string, rows: Slice[], what: string, fixed: string): Chart => {
    const cap = Math.min(5, Math.max(...rows.map((r) => r.excess)));
    return {
      id,
      title: `hparams: loss around the optimal ${what} (${method})`,
      caption: `Each line is one (N, D) cell of the grid: its runs at the ${fixed} nearest the fitted optimum, against ${what} divided by the power law's optimum for that cell, as the loss above the cell's best run (clipped at ${cap.toPrecision(2)} %). Colour: the cell's N (viridis, dark to light as N grows). The bottoms of the bowls sit on the rule at 1 where the fitted power laws are right.`,
      options: {
        width: 720,
        height: 420,
        marginLeft: 60,
        x: { type: "log", label: `${what} / fitted optimum (ratio, log scale)`, tickFormat: "~g" },
        y: { label: "Loss above the cell's best run (%)", grid: true, domain: [0, cap] },
        color: { type: "log", scheme: "viridis" },
        clip: true,
        marks: [
          Plot.ruleX([1], { stroke: "crimson", strokeDasharray: "4,3" }),
          Plot.line(rows, { x: "x", y: "excess", z: "cell", stroke: "N", strokeOpacity: 0.8 }),
          Plot.dot(rows, { x: "x", y: "excess", fill: "N", r: 2 }),
        ],
      },
    };
  };
  return [chart("hparams-lr", lrRows, "LR", "batch size"), chart("hparams-batch", BRows, "batch size", "LR")];
}
