/**
 * The `scalefit/report` entry: chart functions (Observable Plot options from library results), server-side
 * rendering to SVG and PNG, and the static HTML report. A separate entry so that `import "scalefit"` does not
 * load Plot; linkedom and resvg-js load on the first render.
 */
export {
  batchCharts,
  bootstrapCharts,
  curvePredictionChart,
  encdecChart,
  encdecSurfaceChart,
  frontierCharts,
  isoFlopChart,
  lawFitChart,
  logGrid,
  lossCurvesChart,
  qatChart,
  residualsChart,
  type Chart,
  type RunCurve,
} from "./charts.js";
export { renderPng, renderSvg } from "./render.js";
export {
  buildReport,
  escapeHtml,
  fitCharts,
  writeReport,
  type RenderedChart,
  type ReportData,
  type ReportFit,
} from "./report.js";
export { reportFromStore, type StoreReportOptions } from "./fromStore.js";
