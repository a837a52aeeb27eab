import type { FitResult } from "../types.js";

/**
 * What prediction needs of a fit: the law, its parameters, the draws behind its intervals, the residuals
 * (for prediction intervals) and the data range (for extrapolation distances). A `FitResult` is one;
 * `fitFromArtifact` rebuilds one from a saved fit.
 */
export type FittedLaw = Pick<
  FitResult,
  "law" | "params" | "draws" | "residuals" | "dataRange" | "level" | "options"
>;
