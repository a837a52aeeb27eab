import { basename, dirname, extname, join } from "node:path";
import { loadFitData, type DataSource, type FitData } from "../data/fitData.js";
import { nonEmbeddingData } from "../data/nonEmbedding.js";
import type { NoiseAtTarget } from "../data/batchSweep.js";
import { UserError } from "../errors.js";
import { jsonText } from "../json.js";
import { writeAtomic } from "../writeAtomic.js";
import { fitToArtifact } from "../fit/artifact.js";
import { fitLaw } from "../fit/fitLaw.js";
import { formatFitReport, num } from "../fit/report.js";
import { fitSensitivity, type SensitivityReport } from "../fit/sensitivity.js";
import { formatSensitivity } from "../fit/sensitivityReport.js";
import { backtest, type HoldoutReport, type HoldoutRule } from "../predict/backtest.js";
import { isComputeLaw } from "../predict/computeOptimal.js";
import { frontier } from "../predict/frontier.js";
import type { FitOptions, Inputs } from "../dataTypes.js";
import type { FitArtifact, FitResult, Law } from "../types.js";

/** What `fitFromSource` fits, and where it writes the result. */
export interface FitRequest {
  readonly law: Law;
  readonly source: DataSource;
  readonly options?: FitOptions;
  /** Fit on the small runs only and predict the held-out large ones (`C:0.125`). */
  readonly holdout?: HoldoutRule;
  /** Write the fit artifact (JSON) to this file. */
  readonly out?: string;
  /** Also store the fit in the `fits` table of the database it was read from. */
  readonly save?: boolean;
  /** With `save`: how long to wait for a database another process is writing. @default 30 s */
  readonly saveWait?: number;
  /**
   * Also refit under the conventions people disagree on (`fitSensitivity`: Huber δ 1e-3 / 1e-4 / least
   * squares, log or raw losses, N total or non-embedding where the data carry both), with each refit's
   * N*, D* and loss at `compute` and its loss at `at`.
   */
  readonly sensitivity?: { readonly compute?: number; readonly at?: Readonly<Inputs> };
}

/** A fit with its data, its artifact and, for a backtest, the held-out runs' errors. */
export interface FitRun {
  readonly fit: FitResult;
  readonly data: FitData;
  /** The artifact (`fit --json`, `--out`): the fit, where the data came from, the backtest and the law's answers. */
  readonly artifact: FitArtifact & { holdout?: HoldoutReport; sensitivity?: SensitivityReport };
  readonly holdout?: HoldoutReport;
  /** The refits under other conventions, when asked for. */
  readonly sensitivity?: SensitivityReport;
  /** The id of the fit in the database's fits table, when saved (`--save`). */
  readonly saved?: number;
}

/**
 * Loads the data of a source, fits a law (or backtests it) and writes the artifact where asked: the library
 * call behind `scalefit fit`.
 * @example const { fit, artifact } = await fitFromSource({ law: chinchilla, source: { file: "epoch.csv", dropHighest: 5 }, out: "fit.json" })
 */
export async function fitFromSource(request: FitRequest): Promise<FitRun> {
  const { law, options = {} } = request;
  if (request.save && request.source.db === undefined)
    throw new UserError("--save stores the fit in --db: give the database");
  if (request.sensitivity && request.holdout)
    throw new UserError("--sensitivity refits all the points: it does not go with --holdout");
  const data = await loadFitData(request.source, law);
  // Before the fit with its intervals: a budget the law cannot answer at fails after one point fit.
  const sensitivity = request.sensitivity ? await sensitivityOf(request, data) : undefined;
  let fit: FitResult;
  let holdout: HoldoutReport | undefined;
  if (request.holdout) ({ fit, holdout } = backtest(law, data.observations, request.holdout, options));
  else fit = fitLaw(law, data.observations, options);
  // The data's soft issues (a guessed step base) are the fit's too: in its report and its artifact.
  if (data.warnings?.length) fit = { ...fit, warnings: [...data.warnings, ...fit.warnings] };
  const artifact = {
    ...fitToArtifact(fit, {
      dataDigest: data.digest,
      data: { ...data.provenance },
      ...(data.stepBase !== undefined ? { stepBase: data.stepBase } : {}),
    }),
    ...(holdout ? { holdout } : {}),
    ...(sensitivity ? { sensitivity } : {}),
  };
  const artifactText = () => jsonText(artifact, 2) + "\n";
  if (request.out !== undefined) {
    await writeAtomic(request.out, artifactText());
  }
  let saved: number | undefined;
  if (request.save) {
    const { isStoreLocked, openStoreWaiting } = await import("../store/duckdb.js");
    const { saveFit } = await import("../store/fits.js");
    const db = request.source.db!;
    const wait = request.saveWait ?? 30;
    let store;
    try {
      store = await openStoreWaiting(db, wait);
    } catch (error) {
      if (!isStoreLocked(error)) throw error;
      // The finished fit is kept: in --out, or in a file beside the database.
      const kept = request.out ?? unsavedFile(db);
      if (request.out === undefined) await writeAtomic(kept, artifactText());
      throw new UserError(
        `${(error as Error).message} after waiting ${wait} s: the fit is in ${kept}; store it later with scalefit import --db ${db} --format fit ${kept}`,
      );
    }
    try {
      saved = await saveFit(store, artifact);
    } finally {
      store.close();
    }
  }
  return {
    fit,
    data,
    artifact,
    ...(holdout ? { holdout } : {}),
    ...(sensitivity ? { sensitivity } : {}),
    ...(saved !== undefined ? { saved } : {}),
  };
}

/** Where a fit that could not be saved is kept: beside the database, named by the time (`runs-unsaved-fit-20261202T145600.json`). */
function unsavedFile(db: string): string {
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+Z$/g, "");
  return join(dirname(db), `${basename(db, extname(db))}-unsaved-fit-${stamp}.json`);
}

/** The refits of a request's law under each convention, with N non-embedding where the source has it. */
async function sensitivityOf(request: FitRequest, data: FitData): Promise<SensitivityReport> {
  const counted = await nonEmbeddingData(request.source, request.law);
  return fitSensitivity(request.law, data.observations, request.options, {
    ...request.sensitivity,
    ...("observations" in counted
      ? { nonEmbedding: counted.observations }
      : { nonEmbeddingNote: counted.note }),
    // Laws in N and D without a closed form: the frontier sweep, as optimize does.
    allocate: (law, p, C) => (isComputeLaw(law) ? frontier(law, p, C) : undefined),
  });
}

/**
 * A fit run for people: the fit report (lmfit's layout), the refits under other conventions when asked for, and,
 * for a backtest, the held-out errors.
 * @example console.log(formatFitRun(await fitFromSource(request)))
 */
export function formatFitRun({ fit, data, holdout, sensitivity }: FitRun): string {
  const report = formatFitReport(fit, {
    data: `${data.description}${holdout ? `, ${holdout.points} held out` : ""}; ${data.digest.slice(0, 19)}…`,
    derived: data.derived,
  });
  const noise = data.provenance.noiseScale as readonly NoiseAtTarget[] | undefined;
  const measured =
    (noise ? report + formatNoiseScale(noise) : report) + (sensitivity ? formatSensitivity(sensitivity) : "");
  if (!holdout) return measured;
  return (
    measured +
    [
      "[[Holdout]]",
      `    rule                   = ${holdout.rule} (fit on ${holdout.trainPoints} points, predict ${holdout.points})`,
      `    mean |rel. error|      = ${num(100 * holdout.meanAbsRelError, 4)}%`,
      `    max |rel. error|       = ${num(100 * holdout.maxAbsRelError, 4)}%`,
      `    inside pred. interval  = ${holdout.insideInterval === null ? "n/a (no intervals)" : `${num(100 * holdout.insideInterval, 4)}% at level ${holdout.level} (one-sided binomial p = ${num(holdout.coveragePValue!, 2)})`}`,
      ...(holdout.insideInterval === null ? [] : calibrationLines(holdout)),
      ...holdout.warnings.map((w) => `    - ${w.code}: ${w.message}`),
      "",
    ].join("\n")
  );
}

/** The split-conformal factor of a backtest and the coverage it gives, or why there is none. */
function calibrationLines({ calibration: c, points, level }: HoldoutReport): string[] {
  if (c.factor === null) return [`    calibration factor     = n/a (${c.reason})`];
  const scores = c.rank === points ? `the largest of ${points} scores` : `score ${c.rank} of ${points}`;
  // The conformal rank ⌈(m + 1)·level⌉ fits in m points from m = level / (1 − level) on (19 at 95 %).
  const enough = Math.ceil(level / (1 - level) - 1e-9);
  const short = c.guarantee < level ? ` (${num(100 * level, 3)}% needs ${enough} held-out points)` : "";
  return [
    `    calibration factor     = ×${num(c.factor, 3)} in log space (split conformal, ${scores})${c.factor < 1 ? ": intervals wider than needed, not shrunk" : ""}`,
    `    calibrated coverage    = ${num(100 * c.insideAfter, 4)}% of the held-out points (in-sample); ≥ ${num(100 * c.guarantee, 3)}% for new points like them${short}`,
  ];
}

/** The simple noise scale at each target of a batch-size sweep, beside the fitted B_crit. */
function formatNoiseScale(noise: readonly NoiseAtTarget[]): string {
  const lines = noise.map((n) => {
    const value =
      n.Bsimple === null
        ? "n/a"
        : `${num(n.Bsimple, 4)}${n.interval ? ` [${num(n.interval[0], 3)}, ${num(n.interval[1], 3)}]` : ""}`;
    return `    loss ${String(n.target).padEnd(8)} B_simple = ${value} tokens (${n.measurements} measurements, ${n.runs} runs${n.note ? `; ${n.note}` : ""})`;
  });
  return [
    "[[Gradient noise scale]] (McCandlish et al. 2018, appendix A.1; 95% interval over runs)",
    ...lines,
    "",
  ].join("\n");
}
