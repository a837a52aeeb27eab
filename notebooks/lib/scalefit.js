// The browser entry of the notebooks: scalefit's pure functions (fits, predictions, charts) straight from
// src/, Observable Plot from node_modules (not the CDN: the built notebooks make no network requests), and
// the bundled data inlined by Vite (`?raw`), so a built notebook opens with no server-side state.
import * as Plot from "@observablehq/plot";
export { fitLaw } from "../../src/fit/fitLaw.ts";
import { observationsFromTable } from "../../src/data/tableObservations.ts";
export { chinchilla } from "../../src/fit/laws/chinchilla.ts";
export { multipower } from "../../src/fit/laws/multipower.ts";
export { computeOptimal } from "../../src/predict/computeOptimal.ts";
export { predictCurve } from "../../src/predict/predictCurve.ts";
export { parseSchedule } from "../../src/schedules/parseSchedule.ts";
export { denseSchedule } from "../../src/schedules/schedule.ts";
export { bootstrapCharts } from "../../src/report/charts/bootstrap.ts";
export { curvePredictionChart } from "../../src/report/charts/curvePrediction.ts";
export { frontierCharts } from "../../src/report/charts/frontier.ts";
export { isoFlopChart } from "../../src/report/charts/isoFlop.ts";
export { lawFitChart } from "../../src/report/charts/lawFit.ts";
export { logGrid } from "../../src/report/charts/shared.ts";
export { formatCount, formatLoss, formatPower } from "../../src/report/charts/_format.ts";
import { formatPower } from "../../src/report/charts/_format.ts";
export { lossCurvesChart } from "../../src/report/charts/lossCurves.ts";
export { residualsChart } from "../../src/report/charts/residuals.ts";
export { default as epochCsv } from "../../data/chinchilla/epoch.csv?raw";
export { default as multipowerCsv } from "../../data/multipower/curves.csv?raw";
export { default as multipowerSchedules } from "../../data/multipower/schedules.json";
export { default as kjvSweepCsv } from "../../data/sweeps/kjv-chinchilla/final.csv?raw";
export { default as kjvPointsCsv } from "../../data/sweeps/kjv-chinchilla/points.csv?raw";

/** Rows of a simple CSV (no quoted commas), numbers converted. */
export function parseCsv(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(
      columns.map((c, i) => [c, cells[i] === "" || isNaN(Number(cells[i])) ? cells[i] : Number(cells[i])]),
    );
  });
}

/**
 * A bundled CSV (no quoted commas) as the library's table: raw cells by column with their file lines, so the
 * observations come from the same role checks and derived columns as `scalefit fit --data`.
 */
function csvTable(file, text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(",");
  const rows = lines.map((line) => line.split(","));
  const cells = Object.fromEntries(
    columns.map((c, j) => [c, rows.map((r) => (r[j] === "" ? undefined : r[j]))]),
  );
  return { file, columns, cells, lines: rows.map((_, i) => i + 2), digest: "" };
}

/** The observations a law fits from a bundled CSV, read as the CLI reads a data file (`observationsFromTable`). */
export function observationsOf(file, text, law, options = {}) {
  return observationsFromTable(csvTable(file, text), law, options).observations;
}

/** A fit's parameters with their intervals (a fixed parameter has none, nor one the data do not identify). */
export function parameterTable(fit) {
  return table(
    fit.variables.map((v) => {
      const interval = fit.intervals[v.name];
      const none = v.fixed ? "fixed" : (fit.unidentified ?? []).includes(v.name) ? "not identified" : "none";
      return { parameter: v.name, value: v.value, low: interval?.[0] ?? none, high: interval?.[1] ?? none };
    }),
  );
}

/** A chart as a figure: its title, the SVG (marked with data-chart for the browser test) and its caption. */
export function figure(chart) {
  const svg = Plot.plot(chart.options);
  svg.setAttribute("data-chart", chart.id);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", chart.title);
  const out = document.createElement("figure");
  const title = document.createElement("h4");
  title.textContent = chart.title;
  const caption = document.createElement("figcaption");
  caption.textContent = chart.caption;
  out.append(title, svg, caption);
  return out;
}

/** A number in a table: four significant digits as a plain decimal from 0.001 to 100 000, a power of ten outside. */
const formatNumber = (v) => {
  const size = Math.abs(v);
  return size === 0 || (size >= 1e-3 && size < 1e5) ? String(Number(v.toPrecision(4))) : formatPower(v);
};

/** A small HTML table of rows (objects), numbers as `formatNumber` writes them. */
export function table(rows) {
  const t = document.createElement("table");
  const columns = Object.keys(rows[0] ?? {});
  const head = t.createTHead().insertRow();
  for (const c of columns) head.insertCell().textContent = c;
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const v = row[c];
      tr.insertCell().textContent = typeof v === "number" ? formatNumber(v) : String(v);
    }
  }
  return t;
}
