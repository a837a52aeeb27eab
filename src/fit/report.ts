import type { FitResult } from "../types.js";

/** Extra lines for the report's header: where the data came from. */
export interface ReportContext {
  /** e.g. `data/chinchilla/epoch.csv (245 rows, 5 highest-loss dropped)` */
  readonly data?: string;
  /** Columns derived from others, e.g. `D = C / (6 N)`. */
  readonly derived?: readonly string[];
}

/**
 * A text fit report in the spirit of lmfit's `fit_report`: `[[Fit]]` statistics, `[[Variables]]` with
 * value ± stderr (relative), interval and start, `[[Derived]]` quantities, `[[Correlations]]` above 0.1,
 * `[[Minima]]` when several were found, and `[[Warnings]]`. A pure function of the result.
 * @example console.log(formatFitReport(fitLaw(chinchilla, data)))
 */
export function formatFitReport(fit: FitResult, context: ReportContext = {}): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`    ${label.padEnd(22)} = ${value}`);
  const o = fit.options;
  lines.push("[[Fit]]");
  row("law", `${fit.law.name}: ${formulaText(fit.law.formula)}`);
  row("reference", fit.law.reference);
  if (context.data) row("data", context.data);
  if (context.derived?.length) row("derived columns", context.derived.join("; "));
  row("objective", fit.objectiveDefinition);
  row("minimum", fit.objective.toExponential(10));
  row("# data points", String(fit.points));
  row("# variables", String(fit.freeParams));
  row(
    "# starts refined",
    `${fit.starts} (${fit.minima.length} distinct minim${fit.minima.length === 1 ? "um" : "a"})`,
  );
  row("# function evals", String(fit.evaluations));
  row("status", fit.message);
  row("chi-square", `${num(fit.chiSquare)} (Σ r², ${o.space} residuals)`);
  row("reduced chi-square", num(fit.reducedChiSquare));
  row(
    "RMS residual",
    o.space === "log"
      ? `${num(100 * Math.sqrt(meanSquare(fit.residuals)))}% (log)`
      : num(Math.sqrt(meanSquare(fit.residuals))),
  );
  row("Akaike info crit", num(fit.aic));
  row("Bayesian info crit", num(fit.bic));
  row("condition number", num(fit.conditionNumber));
  row("intervals", intervalText(fit));
  lines.push("[[Variables]]");
  const width = Math.max(...fit.variables.map((v) => v.name.length)) + 1;
  for (const v of fit.variables) {
    const name = `${v.name}:`.padEnd(width + 1);
    if (v.fixed) {
      lines.push(`    ${name} ${num(v.value).padStart(12)} (fixed)`);
      continue;
    }
    // A relative error means nothing for a value at its bound or far inside its own error (E = 7e-23 ± 5).
    const relative = v.stderr / Math.abs(v.value);
    const error = !Number.isFinite(v.stderr)
      ? "± (not estimable)"
      : v.atBound || !(relative <= 100)
        ? `± ${num(v.stderr)}`
        : `± ${num(v.stderr)} (${num(100 * relative, 3)}%)`;
    const interval = v.interval
      ? v.interval.some(Number.isNaN)
        ? "[cannot be estimated]"
        : `[${num(v.interval[0])}, ${num(v.interval[1])}]`
      : v.identified === false
        ? "[not identified]"
        : "";
    const profile = v.profile ? ` profile [${num(v.profile[0])}, ${num(v.profile[1])}]` : "";
    const notes = [
      `init = ${num(v.init)}`,
      v.log ? "log-scaled" : "",
      v.atBound ? `at ${v.atBound === "min" ? "lower" : "upper"} bound` : "",
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(
      `    ${name} ${num(v.value).padStart(12)} ${error.padEnd(26)} ${interval}${profile} (${notes})`,
    );
  }
  const derived = Object.entries(fit.derived);
  if (derived.length) {
    lines.push("[[Derived]]");
    for (const [name, d] of derived) {
      const interval = d.interval
        ? ` [${num(d.interval[0])}, ${num(d.interval[1])}]`
        : d.identified === false
          ? " [not identified]"
          : "";
      lines.push(
        `    ${`${name}:`.padEnd(width + 1)} ${num(d.value).padStart(12)}${interval}  ${d.description}`,
      );
    }
  }
  if (fit.correlations) {
    const free = fit.variables.filter((v) => !v.fixed);
    const pairs: [string, number][] = [];
    for (let a = 0; a < free.length; a++) {
      for (let b = a + 1; b < free.length; b++) {
        const r = fit.correlations[a]![b]!;
        if (Math.abs(r) > 0.1) pairs.push([`corr(${free[a]!.name}, ${free[b]!.name})`, r]);
      }
    }
    pairs.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
    lines.push("[[Correlations]] (unreported correlations are < 0.100)");
    const labelWidth = Math.max(0, ...pairs.map(([label]) => label.length));
    for (const [label, r] of pairs)
      lines.push(`    ${label.padEnd(labelWidth)} = ${r >= 0 ? "+" : ""}${r.toFixed(4)}`);
  }
  if (fit.minima.length > 1) {
    lines.push("[[Minima]] (distinct local minima of the refinements, best first)");
    for (const m of fit.minima) {
      const values = fit.variables.filter((v) => !v.fixed).map((v) => `${v.name}=${num(m.params[v.name]!)}`);
      lines.push(`    ${m.objective.toExponential(8)}  ${values.join(" ")}`);
    }
  }
  lines.push("[[Warnings]]");
  if (fit.warnings.length === 0) lines.push("    none");
  for (const w of fit.warnings) lines.push(`    - ${w.code}: ${w.message}`);
  return lines.join("\n") + "\n";
}

function intervalText(fit: FitResult): string {
  const level = `${num(100 * fit.level)}%`;
  const o = fit.options;
  switch (fit.intervalMethod) {
    case "bootstrap":
      return `${level} bootstrap percentile, ${o.bootstrap} refits resampling ${o.resample === "blocks" ? `blocks of ${o.blockLength} points within each run` : o.resample} (seed ${o.seed})`;
    case "covariance":
      return `${level} from the ${o.loss === "linear" ? "least-squares" : "robust (Huber 1981)"} covariance, Student t with ${fit.degreesOfFreedom} degrees of freedom${o.intervalsFallback ? " (too few units to resample for a bootstrap)" : ""}`;
    case "none":
      return "none requested";
  }
}

function meanSquare(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return sum / Math.max(values.length, 1);
}

/** A number with `digits` significant digits, exponent form for very large or small magnitudes. */
export function num(value: number, digits = 6): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e7 || magnitude < 1e-4) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/**
 * A law's formula as a line: `L = …` for a loss, as it is for an equation of its own (hparams' `lr* = …`,
 * bcrit's `S = …`, envelope's `N*(C) = …`).
 * @example formulaText("E + A/N^alpha") // "L = E + A/N^alpha"
 */
export function formulaText(formula: string): string {
  return /^[A-Za-z_][\w*]*(\([^)]*\))? = /.test(formula) ? formula : `L = ${formula}`;
}
