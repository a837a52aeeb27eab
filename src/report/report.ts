/**
 * A static HTML report: one file that opens without a server and without the network (charts inline as SVG,
 * styles inline, no scripts), plus a PNG of every chart beside it. It summarises the runs (a table and their
 * loss curves), each fit (the fit report text, warnings, parameters with intervals, charts of the law against
 * the data, residuals, isoFLOP curves, the compute-optimal frontier, parameter distributions) and predictions
 * (compute-optimal allocations at a few budgets). Every user string is escaped.
 */
import { join } from "node:path";
import { ownEntry } from "../names.js";
import { makeFolder, writeAtomic } from "../writeAtomic.js";
import { formatFitReport } from "../fit/report.js";
import type { SensitivityReport } from "../fit/sensitivity.js";
import { formatSensitivity, readSensitivity } from "../fit/sensitivityReport.js";
import { movesWithAny } from "../fit/identifiability.js";
import { computeOptimal, isComputeLaw } from "../predict/computeOptimal.js";
import { predictCurve } from "../predict/predictCurve.js";
import type { Interval } from "../fit/draws.js";
import type { FitArtifact } from "../types.js";
import type { FittedLaw } from "../types.js";
import type { HoldoutReport } from "../predict/backtest.js";
import type { Observations } from "../dataTypes.js";
import type { FitResult } from "../types.js";
import { version } from "../version.js";
import { withFooter } from "./charts/_annotate.js";
import { formatCount, formatLoss, formatPower } from "./charts/_format.js";
import { bootstrapCharts } from "./charts/bootstrap.js";
import { curvePredictionChart } from "./charts/curvePrediction.js";
import { frontierCharts } from "./charts/frontier.js";
import { budgetWords, isoFlopChart } from "./charts/isoFlop.js";
import { lawFitChart } from "./charts/lawFit.js";
import { lossCurvesChart, type RunCurve } from "./charts/lossCurves.js";
import { residualsChart } from "./charts/residuals.js";
import { logGrid, type Chart } from "./charts/shared.js";
import { lawCharts } from "./lawCharts.js";
import { escapeHtml, fmt } from "./_html.js";
export { escapeHtml } from "./_html.js";
import { chartNotes, fitIssues } from "./_notes.js";
import { runsTable } from "./runsTable.js";
import { renderPng, renderSvg } from "./render.js";

/** A fit to show: a fit made now with the data it was fitted to, or a saved artifact (no data at hand). */
export type ReportFit =
  | {
      label: string;
      fit: FitResult;
      observations: Observations;
      /** Where the data came from, in words. */
      description: string;
      /** A backtest: the rule and the held-out runs' errors (the fit then used only the other runs). */
      holdout?: HoldoutReport;
      /** The backtest's held-out rows of `observations` (drawn apart). */
      held?: readonly number[];
      /** The fit refitted under other conventions (`fitSensitivity`), shown as a table. */
      sensitivity?: SensitivityReport;
    }
  | {
      label: string;
      /** A saved fit (`loadFit`): the law, parameters, intervals and draws. */
      artifact: FittedLaw & { artifact: FitArtifact };
      description: string;
      /** Its data, when the file it was fitted to is still there with the same content. */
      observations?: Observations;
    };

/** Everything a report shows. */
export interface ReportData {
  title: string;
  /** The database (or other source) named in the header. */
  source: string;
  /** Rows of `listRuns`. */
  runs: ReadonlyArray<Record<string, unknown>>;
  curves: readonly RunCurve[];
  fits: readonly ReportFit[];
  /**
   * Compute budgets for allocations and isoFLOP curves; default: the largest run's C (to two digits) and one
   * and two decades beyond it.
   */
  budgets?: readonly number[];
}

/** A rendered chart. */
export interface RenderedChart {
  chart: Chart;
  svg: string;
}

/**
 * The charts of one fit, in the order the report shows them (law against data, residuals, isoFLOP, frontier,
 * allocation charts of encdec / qat / bcrit fits, parameter distributions; predicted curves for curve laws).
 * @example for (const chart of fitCharts({ label: "chinchilla", fit, observations, description: "epoch.csv" }, [1e21, 1e22])) console.log(chart.id)
 */
export function fitCharts(item: ReportFit, budgets: readonly number[]): Chart[] {
  const fit = "fit" in item ? item.fit : withArtifact(item.artifact);
  const issues = fitIssues(fit);
  // A chart of the law's predictions depends on every parameter; each chart below says which it reads.
  const noted = (chart: Chart, dependsOn: (name: string) => boolean = () => true) =>
    withFooter(chart, { notes: chartNotes(issues, dependsOn) });
  const observations = item.observations;
  const charts: Chart[] = [];
  const inputs = fit.law.inputs;
  const slug = item.label.replace(/[^A-Za-z0-9._-]+/g, "_");
  if (fit.law.curve && observations) {
    const runs = [...new Set(observations.run ?? [])].slice(0, 6);
    for (const run of runs) {
      const lr = ownEntry(observations.schedules, run);
      if (!lr) continue;
      const rows = (observations.run ?? []).map((r, i) => (r === run ? i : -1)).filter((i) => i >= 0);
      const N = inputs.includes("N") ? observations.inputs.N![rows[0]!]! : undefined;
      const prediction = predictCurve(fit, lr, {
        ...(N ? { N } : {}),
        steps: Array.from({ length: Math.min(400, lr.length - 1) }, (_, k) =>
          Math.round(((k + 1) * (lr.length - 1)) / Math.min(400, lr.length - 1)),
        ),
      });
      const chart = curvePredictionChart(
        prediction,
        {
          step: rows.map((i) => observations.inputs.step![i]!),
          loss: rows.map((i) => observations.loss[i]!),
        },
        run,
        fit.level,
      );
      charts.push(noted({ ...chart, id: `${slug}-${chart.id}` }));
    }
    return charts;
  }
  if (fit.law.curve) return charts;
  const input = { fit, observations, result: "fit" in item ? item.fit : undefined };
  for (const name of fit.law.charts ?? [])
    for (const chart of lawCharts.get(name)?.(input) ?? [])
      charts.push(noted({ ...chart, id: `${slug}-${chart.id}` }));
  // A batch-size sweep's points are steps to targets: its own charts describe it, the generic ones would not.
  if (fit.law.sweepTargets && observations && "fit" in item) return charts;
  const chinchillaLike = isComputeLaw(fit.law);
  // A law that fits points of its own making (hparams' near-optimal runs, envelope's lower envelope) is not
  // drawn against the points given: its own charts describe it.
  if (observations && !fit.law.prepare) {
    // A backtest's held-out rows are drawn apart.
    const heldRows = "held" in item && item.held ? new Set(item.held) : undefined;
    const pick = (keep: (i: number) => boolean): Observations => {
      const rows = Array.from(observations.loss.keys()).filter(keep);
      return {
        inputs: Object.fromEntries(
          Object.entries(observations.inputs).map(([k, v]) => [k, Float64Array.from(rows, (i) => v[i]!)]),
        ),
        loss: Float64Array.from(rows, (i) => observations.loss[i]!),
        ...(observations.run ? { run: rows.map((i) => observations.run![i]!) } : {}),
      };
    };
    const held = heldRows ? pick((i) => heldRows.has(i)) : undefined;
    const fitted = heldRows ? pick((i) => !heldRows.has(i)) : observations;
    if (chinchillaLike || inputs.length === 1) {
      const options = held && held.loss.length ? { heldOut: held } : {};
      charts.push(noted({ ...lawFitChart(fit, fitted, options), id: `${slug}-fit` }));
    }
    for (const x of inputs) {
      if (observations.inputs[x])
        charts.push({ ...residualsChart(fit, observations, x), id: `${slug}-residuals-${x}` });
    }
  }
  if (chinchillaLike) {
    const range = computeRange(item);
    const largestC = range?.[1];
    charts.push(noted({ ...isoFlopChart(fit, budgets.slice(0, 5), { largestC }), id: `${slug}-isoflop` }));
    // The frontier from the smallest run to the largest budget: the data's part solid, the rest extrapolated.
    const from = Math.min(range?.[0] ?? Infinity, ...budgets);
    const to = Math.max(...budgets);
    const [sizes, ratio] = frontierCharts(fit, logGrid(from, to, 30), { largestC });
    // N* and D* do not move with every parameter (not with Chinchilla's E): only those they move with are noted.
    const at = largestC ?? to;
    const moves = (name: string) =>
      movesWithAny((p) => computeOptimal({ ...fit, params: p, draws: null }, at).N, fit.params, [name]);
    charts.push(
      noted({ ...sizes, id: `${slug}-frontier` }, moves),
      noted({ ...ratio, id: `${slug}-tokens-per-parameter` }, moves),
    );
  }
  // A law of coefficients per budget or per cell is described by its own charts, not one histogram each.
  if (!fit.law.groupCoefficients)
    for (const chart of bootstrapCharts(fit)) {
      const name = chart.id.slice(`draws-${fit.law.name}-`.length);
      charts.push(noted({ ...chart, id: `${slug}-${chart.id}` }, (p) => p === name));
    }
  return charts;
}

/** A saved fit with the fields the charts read. */
function withArtifact(saved: FittedLaw & { artifact: FitArtifact }) {
  return {
    ...saved,
    intervals: saved.artifact.intervals ?? {},
    intervalMethod: saved.artifact.intervalMethod,
    warnings: saved.artifact.warnings ?? [],
    variables: saved.artifact.variables ?? [],
  };
}

/**
 * The smallest and largest training compute of a fit's runs: C = 6ND of its fitted points when at hand (or
 * their C; a backtest's held-out points aside), else the fit's data range (C, or 6·N·D of the range's ends,
 * the most it can be).
 */
function computeRange(item: ReportFit): [number, number] | undefined {
  const o = item.observations;
  const held = new Set("held" in item ? (item.held ?? []) : []);
  const all =
    o?.inputs.C ??
    (o?.inputs.N && o.inputs.D ? o.inputs.N.map((n, i) => 6 * n * o.inputs.D![i]!) : undefined);
  // A loop, not Math.min(...C): a fit of every logged point (envelope) has millions.
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < (all?.length ?? 0); i++)
    if (!held.has(i)) [lo, hi] = [Math.min(lo, all![i]!), Math.max(hi, all![i]!)];
  if (lo <= hi) return [lo, hi];
  const range = "fit" in item ? item.fit.dataRange : item.artifact.dataRange;
  if (range.C) return [range.C[0], range.C[1]];
  if (range.N && range.D) return [6 * range.N[0] * range.D[0], 6 * range.N[1] * range.D[1]];
  return undefined;
}

function defaultBudgets(fits: readonly ReportFit[]): number[] {
  const largest = Math.max(0, ...fits.map((item) => computeRange(item)?.[1] ?? 0));
  if (!(largest > 0)) return [1e18, 1e19, 1e20];
  const C = Number(largest.toPrecision(2));
  return [C, 10 * C, 100 * C];
}

const style = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.1rem; }
table { border-collapse: collapse; font-size: 12px; max-width: 100%; } th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } td.name, code, p, li { overflow-wrap: anywhere; }
pre { background: #f6f6f6; padding: 0.8rem; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
figure { margin: 1.5rem 0; } figcaption { color: #555; font-size: 12px; max-width: 45rem; } .warning { color: #a40; }
ul.warnings { background: #fff6e8; border-left: 4px solid #d80; margin: 0.8rem 0; padding: 0.5rem 0.8rem 0.5rem 2rem; }
svg { max-width: 100%; height: auto; }`;

/**
 * Renders the report: the HTML document and every chart's SVG.
 * @example const { html, charts } = await buildReport(data)
 */
export async function buildReport(data: ReportData): Promise<{ html: string; charts: RenderedChart[] }> {
  const budgets = data.budgets ?? defaultBudgets(data.fits);
  const rendered: RenderedChart[] = [];
  const figure = async (chart: Chart) => {
    const svg = await renderSvg(chart);
    rendered.push({ chart, svg });
    return `<figure id="${escapeHtml(chart.id)}"><h3>${escapeHtml(chart.title)}</h3>${svg}<figcaption>${escapeHtml(chart.caption)} <a href="${escapeHtml(chartFile(chart.id))}">PNG</a></figcaption></figure>`;
  };
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(data.title)}</h1>`);
  parts.push(
    `<p>Source: <code>${escapeHtml(data.source)}</code> · ${data.runs.length} runs · ${data.fits.length} fits · scalefit ${escapeHtml(version)}</p>`,
  );

  parts.push(`<h2>Runs</h2>`);
  parts.push(runsTable(data.runs));
  if (data.curves.some((c) => c.tokens.length > 1)) parts.push(await figure(lossCurvesChart(data.curves)));

  for (const item of data.fits) {
    const fit = "fit" in item ? item.fit : withArtifact(item.artifact);
    parts.push(`<h2>Fit: ${escapeHtml(item.label)}</h2>`);
    // The warnings first: what a reader must know before reading anything else of the fit.
    if (fit.warnings.length) {
      parts.push(
        `<ul class="warnings">${fit.warnings.map((w) => `<li class="warning">${escapeHtml(`${w.code}: ${w.message}`)}</li>`).join("")}</ul>`,
      );
    } else parts.push(`<p>No warnings.</p>`);
    parts.push(`<p>${escapeHtml(fit.law.formula)} — data: ${escapeHtml(item.description)}</p>`);
    if ("fit" in item && item.holdout) {
      const h = item.holdout;
      const c = h.calibration;
      const calibrated =
        c.factor === null
          ? `; no calibration factor: ${escapeHtml(c.reason)}`
          : `; split-conformal calibration widens them ×${fmt(c.factor, 3)} in log space${c.factor < 1 ? " (they are wider than needed; not shrunk)" : ""}, after which ${fmt(100 * c.insideAfter, 3)} % of the held-out points are inside (in-sample), promising at least ${fmt(100 * c.guarantee, 3)} % coverage to new points like them`;
      const inside =
        h.insideInterval === null
          ? ""
          : `, ${fmt(100 * h.insideInterval, 3)} % inside their ${Math.round(fit.level * 100)}% prediction intervals (one-sided binomial p = ${fmt(h.coveragePValue, 2)})${calibrated}`;
      parts.push(
        `<p>Backtest ${escapeHtml(h.rule)}: fitted on ${h.trainPoints} points, ${h.points} held out; mean |relative error| ${fmt(100 * h.meanAbsRelError, 3)} %, largest ${fmt(100 * h.maxAbsRelError, 3)} %${inside}.</p>`,
      );
      if (h.warnings.length)
        parts.push(
          `<ul>${h.warnings.map((w) => `<li class="warning">${escapeHtml(`${w.code}: ${w.message}`)}</li>`).join("")}</ul>`,
        );
    }
    if ("fit" in item)
      parts.push(`<pre>${escapeHtml(formatFitReport(item.fit, { data: item.description }))}</pre>`);
    else {
      const a = item.artifact.artifact;
      parts.push(
        `<table><thead><tr><th>parameter</th><th>value</th><th>${Math.round(fit.level * 100)}% interval (${escapeHtml(String(a.intervalMethod))})</th></tr></thead><tbody>${Object.entries(
          fit.params,
        )
          .map(
            ([name, value]) =>
              `<tr><td>${escapeHtml(name)}</td><td>${fmt(value, 6)}</td><td>${fit.intervals[name] ? `[${fmt(fit.intervals[name]![0], 5)}, ${fmt(fit.intervals[name]![1], 5)}]` : "fixed"}</td></tr>`,
          )
          .join("")}</tbody></table>`,
        `<p>${fmt(a.points)} points, objective ${fmt(a.objective, 6)}, ${a.converged ? "converged" : "not converged"} (${escapeHtml(String(a.status))}); saved by scalefit ${escapeHtml(String(a.version))}.</p>`,
      );
    }
    // The refits under other conventions: asked for with the fit, or saved in its artifact (fit --sensitivity).
    const sensitivity = "fit" in item ? item.sensitivity : readSensitivity(item.artifact.artifact);
    if (sensitivity)
      parts.push(
        `<h3>Sensitivity to the fitting conventions</h3><pre>${escapeHtml(formatSensitivity(sensitivity))}</pre>`,
      );
    if (isComputeLaw(fit.law) && !fit.law.curve) {
      const rows = budgets.map((C) => computeOptimal(fit, C));
      const largestC = computeRange(item)?.[1];
      // FLOPs in powers of ten, sizes in k/M/B/T, ratios and losses as plain decimals, as the charts print them;
      // an interval missing from an allocation that has others moves with a parameter that is not identified.
      const cell = (
        value: number,
        v: Interval | null | undefined,
        format: (x: number) => string,
        some: boolean,
      ) =>
        `<td>${escapeHtml(format(value))}</td><td>${v ? escapeHtml(`[${format(v[0])}, ${format(v[1])}]`) : some ? "not identified" : "none"}</td>`;
      parts.push(`<h3>Compute-optimal allocations (${Math.round(fit.level * 100)}% intervals)</h3>`);
      parts.push(
        `<table><thead><tr><th>C (FLOPs)</th><th>vs the data</th><th>N*</th><th>interval</th><th>D*</th><th>interval</th><th>D*/N*</th><th>interval</th><th>loss</th><th>interval</th></tr></thead><tbody>${rows
          .map(
            (a) =>
              `<tr><td>${escapeHtml(formatPower(a.C))}</td><td>${escapeHtml(budgetWords(a.C, largestC))}</td>${cell(a.N, a.intervals?.N, formatCount, !!a.intervals)}${cell(a.D, a.intervals?.D, formatCount, !!a.intervals)}${cell(a.tokensPerParameter, a.intervals?.tokensPerParameter, formatLoss, !!a.intervals)}${cell(a.loss, a.intervals?.loss, formatLoss, !!a.intervals)}</tr>`,
          )
          .join("")}</tbody></table>`,
      );
    }
    for (const chart of fitCharts(item, budgets)) parts.push(await figure(chart));
  }
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">
<title>${escapeHtml(data.title)}</title><style>${style}</style></head>
<body>
${parts.join("\n")}
</body></html>
`;
  return { html, charts: rendered };
}

/**
 * Writes `index.html` and one PNG per chart into `dir` (created if needed); returns the files written.
 * @example await writeReport("report", data)
 */
export async function writeReport(
  dir: string,
  data: ReportData,
): Promise<{ html: string; files: string[]; charts: number }> {
  const { html, charts } = await buildReport(data);
  makeFolder(dir);
  // Each file through a temporary one and a rename (no partial or empty file on a full disk); the PNGs first,
  // index.html last, so a report whose index is there is complete.
  const files: string[] = [];
  for (const { chart, svg } of charts) {
    const png = join(dir, chartFile(chart.id));
    await writeAtomic(png, await renderPng(svg));
    files.push(png);
  }
  const index = join(dir, "index.html");
  await writeAtomic(index, html);
  return { html: index, files: [index, ...files], charts: charts.length };
}

/**
 * The file name of a chart's PNG inside the report's folder: its id (which carries names from the data: run
 * labels, parameter names of an artifact's draws) reduced to letters, digits, dots, dashes and underscores,
 * never starting with a dot, so no name reaches outside `--out` (`/../../x/PWNED` → `_.._.._x_PWNED.png`).
 * @example chartFile("draws-chinchilla-alpha") // "draws-chinchilla-alpha.png"
 */
export function chartFile(id: string): string {
  return `${id.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_") || "chart"}.png`;
}
