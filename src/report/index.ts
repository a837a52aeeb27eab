/**
 * The `scalefit/report` entry: chart functions (Observable Plot options from library results), server-side
 * rendering to SVG and PNG, and the static HTML report. A separate entry so that `import "scalefit"` does not
 * load Plot; linkedom and resvg-js load on the first render.
 */
export { batchCharts } from "./charts/batch.js";
export { bootstrapCharts } from "./charts/bootstrap.js";
export { curvePredictionChart } from "./charts/curvePrediction.js";
export { encdecChart } from "./charts/encdec.js";
export { encdecSurfaceChart } from "./charts/encdecSurface.js";
export { frontierCharts } from "./charts/frontier.js";
export { isoFlopChart } from "./charts/isoFlop.js";
export { lawFitChart } from "./charts/lawFit.js";
export { lossCurvesChart, type RunCurve } from "./charts/lossCurves.js";
export { qatChart } from "./charts/qat.js";
export { residualsChart } from "./charts/residuals.js";
export { logGrid, type Chart } from "./charts/shared.js";
export { renderPng, renderSvg } from "./render.js";
export {
  buildReport,
  fitCharts,
  writeReport,
  type RenderedChart,
  type ReportData,
  type ReportFit,
} from "./report.js";
export { escapeHtml } from "./_html.js";
export { reportFromStore, type StoreReportOptions } from "./fromStore.js";
