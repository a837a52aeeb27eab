/**
 * Charts as pure functions of library results: each returns the Observable Plot options of one chart with a
 * title and a caption that says what is shown (axes with units, log scales, the interval and its level).
 * `renderSvg` (render.ts) draws them server-side; notebooks call `Plot.plot(chart.options)` in the browser.
 * No chart uses Plot's HTML wrappers (legends, figure titles): the SVG stands alone, so it converts to PNG.
 * One chart per file under charts/; what they share (the Chart type, logGrid, labels, interval bands) is in
 * charts/shared.ts. This file only re-exports them.
 */
export type { Chart } from "./charts/shared.js";
export { logGrid } from "./charts/shared.js";
export { lawFitChart } from "./charts/lawFit.js";
export { residualsChart } from "./charts/residuals.js";
export { isoFlopChart } from "./charts/isoFlop.js";
export { frontierCharts } from "./charts/frontier.js";
export { bootstrapCharts } from "./charts/bootstrap.js";
export { curvePredictionChart } from "./charts/curvePrediction.js";
export type { RunCurve } from "./charts/lossCurves.js";
export { lossCurvesChart } from "./charts/lossCurves.js";
export { encdecChart } from "./charts/encdec.js";
export { encdecSurfaceChart } from "./charts/encdecSurface.js";
export { qatChart } from "./charts/qat.js";
export { batchCharts } from "./charts/batch.js";
