import type { Observations } from "../dataTypes.js";
import type { FitResult, FittedLaw } from "../types.js";
import type { Chart } from "./charts/shared.js";
import { batchCharts } from "./charts/batch.js";
import { dataConstrainedChart } from "./charts/dataConstrained.js";
import { encdecChart } from "./charts/encdec.js";
import { encdecSurfaceChart } from "./charts/encdecSurface.js";
import { envelopeCharts } from "./charts/envelope.js";
import { hparamsCharts } from "./charts/hparamsBowls.js";
import { isoflopCharts } from "./charts/isoflopProfiles.js";
import { qatChart } from "./charts/qat.js";

/** What a law's own chart reads: the fit, its data when at hand, and the fresh fit result when there is one. */
export interface LawChartInput {
  readonly fit: FittedLaw;
  readonly observations: Observations | undefined;
  /** The `FitResult` of a fit made now (undefined for a saved artifact). */
  readonly result: FitResult | undefined;
}

const geometric = (r: readonly [number, number] | undefined) => (r ? Math.sqrt(r[0] * r[1]) : undefined);

/**
 * The charts laws name in `Law.charts`, by name: each draws what is particular to its law (a chart it cannot
 * draw from what it is given is left out), with an id the report prefixes with the fit's label. Charts every law of a shape gets (law against data, residuals,
 * isoFLOP, frontier, parameter distributions, predicted curves) are drawn by `fitCharts` for every law.
 * @example lawCharts.get("encdec-split")?.({ fit, observations, result: fit })
 */
export const lawCharts: ReadonlyMap<string, (input: LawChartInput) => Chart[]> = new Map([
  [
    "encdec-surface",
    ({ fit, observations }: LawChartInput) =>
      fit.dataRange.Ne && fit.dataRange.Nd
        ? [{ ...encdecSurfaceChart(fit, observations), id: "encdec-surface" }]
        : [],
  ],
  [
    "encdec-split",
    ({ fit }: LawChartInput) => {
      const { Ne, Nd } = fit.dataRange;
      if (!Ne || !Nd) return [];
      const P = geometric(Ne)! + geometric(Nd)!;
      return [{ ...encdecChart(fit, [P, 10 * P, 100 * P]), id: "encdec" }];
    },
  ],
  [
    "qat-fraction",
    ({ fit }: LawChartInput) =>
      fit.dataRange.N ? [{ ...qatChart(fit, { N: geometric(fit.dataRange.N)!, bits: 4 }), id: "qat" }] : [],
  ],
  ["isoflop", ({ fit, observations }: LawChartInput) => isoflopCharts(fit, observations)],
  ["hparams", ({ fit, observations }: LawChartInput) => hparamsCharts(fit, observations)],
  ["envelope", ({ fit, observations }: LawChartInput) => envelopeCharts(fit, observations)],
  [
    "data-constrained",
    ({ fit, observations }: LawChartInput) => [{ ...dataConstrainedChart(fit, observations), id: "epochs" }],
  ],
  [
    "batch",
    ({ result, observations }: LawChartInput) => {
      if (!result || !observations) return [];
      const [hyperbolae, bcrit] = batchCharts(result, observations);
      return [
        { ...hyperbolae, id: "hyperbolae" },
        { ...bcrit, id: "bcrit" },
      ];
    },
  ],
]);
