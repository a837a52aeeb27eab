/**
 * `scalefit report`'s library call: reads the runs and curves of a store, fits the requested laws to them
 * (final losses, or whole curves for curve laws), loads saved fits, and writes the report.
 */
import { existsSync } from "node:fs";
import { loadFitData } from "../data/fitData.js";
import { loadFit } from "../fit/artifact.js";
import { backtest, parseHoldout } from "../predict/backtest.js";
import { fitLaw } from "../fit/fitLaw.js";
import { fitSensitivity } from "../fit/sensitivity.js";
import type { SensitivityOptions } from "../fit/sensitivityTypes.js";
import { nonEmbeddingData } from "../data/nonEmbedding.js";
import { isComputeLaw } from "../predict/computeOptimal.js";
import { frontier } from "../predict/frontier.js";
import { UserError } from "../errors.js";
import { resolveLaw } from "../fit/laws/index.js";
import { openStore } from "../store/duckdb.js";
import { downsampledCurves } from "../store/downsampledCurves.js";
import { listRuns } from "../store/readRuns.js";
import type { Observations } from "../dataTypes.js";
import type { Law } from "../types.js";
import { curveColumns, type RunCurve } from "./charts/lossCurves.js";
import { writeReport, type ReportFit } from "./report.js";

/** What to put in a report. */
export interface StoreReportOptions {
  /** The output directory (index.html and the PNGs). */
  out: string;
  /** Laws to fit now to the filtered runs: a registered name, or a law configured by `resolveLaw` (bcrit with its
   * target losses, `power` in D). */
  laws?: ReadonlyArray<string | Law>;
  /** Saved fit artifacts to include. */
  fits?: readonly string[];
  /** `--where` filters on runs. */
  where?: readonly string[];
  /** Bootstrap refits of the fits made now. Default 200. */
  bootstrap?: number;
  /**
   * Refit each law fitted now under the conventions people disagree on (`fitSensitivity`: Huber δ 1e-3 / 1e-4 /
   * least squares, log or raw losses, N total or non-embedding where stored) and show how far its answers move,
   * N*, D* and the loss at a budget two decades beyond the largest run for laws in N and D.
   */
  sensitivity?: boolean;
  /** Backtest rule for the laws fitted now (`C:0.125`): fit on the small runs, show the held-out ones. */
  holdout?: string;
  title?: string;
}

/**
 * Builds the report of a database; resolves with the files written.
 * @example await reportFromStore("runs.duckdb", { out: "report", laws: ["chinchilla"] })
 */
export async function reportFromStore(
  db: string,
  options: StoreReportOptions,
): Promise<{ html: string; files: string[]; charts: number; runs: number; fits: number }> {
  const where = [...(options.where ?? [])];
  if (options.sensitivity && options.holdout)
    throw new UserError("--sensitivity refits all the points: it does not go with --holdout");
  const laws = await Promise.all(
    (options.laws ?? []).map((law) => (typeof law === "string" ? resolveLaw(law) : law)),
  );
  const saved = await Promise.all(
    (options.fits ?? []).map(async (file) => ({ file, fit: await loadFit(file) })),
  );
  const store = await openStore(db, { readOnly: true });
  let runs: Record<string, unknown>[];
  const curves: RunCurve[] = [];
  try {
    runs = await listRuns(store, where);
    // Read downsampled as the chart draws them (its columns for this many runs, log tokens), each run with its N
    // (the lines' colour when there are too many runs to name). Training and held-out losses as separate
    // series: joined into one line they zigzag.
    const present = (v: unknown) => v !== null && v !== undefined;
    const drawn = runs.filter((r) => present(r.last_eval_loss) || present(r.last_train_loss));
    const columns = { count: curveColumns(drawn.length), log: true };
    const sizes = new Map(drawn.filter((r) => present(r.n)).map((r) => [String(r.name), Number(r.n)]));
    for (const curve of await downsampledCurves(store, where, columns)) {
      const N = sizes.get(curve.run);
      curves.push({ ...curve, ...(N !== undefined && Number.isFinite(N) ? { N } : {}) });
    }
  } finally {
    store.close();
  }
  const fits: ReportFit[] = [];
  for (const law of laws) {
    const { observations } = await loadFitData({ db, where }, law);
    const fitOptions = { bootstrap: options.bootstrap ?? 200, seed: 1 };
    const tested =
      options.holdout && !law.curve
        ? backtest(law, observations, parseHoldout(options.holdout), fitOptions)
        : undefined;
    const fit = tested ? tested.fit : fitLaw(law, observations, fitOptions);
    const sensitivity = options.sensitivity
      ? fitSensitivity(law, observations, fitOptions, await sensitivitySettings(db, where, law, observations))
      : undefined;
    fits.push({
      label: law.name,
      fit,
      observations,
      ...(sensitivity ? { sensitivity } : {}),
      ...(tested ? { holdout: tested.holdout, held: tested.held } : {}),
      description: `${db}: ${observations.loss.length} ${law.curve || law.everyPoint ? "logged points of the runs' curves" : "runs (last logged loss of each)"}${where.length ? `, where ${where.join(" and ")}` : ""}`,
    });
  }
  for (const { file, fit } of saved) {
    // The points behind a fit made from a file, if the file is unchanged (same sha256 as the artifact's).
    const data = fit.artifact.data as {
      file?: string;
      droppedHighest?: number;
      map?: Record<string, string>;
      /** A curve fit's runs and their schedules, as it read them. */
      runs?: string[];
      schedules?: Record<string, string>;
    };
    let observations: Observations | undefined;
    if (typeof data.file === "string" && existsSync(data.file)) {
      try {
        const loaded = await loadFitData(
          {
            file: data.file,
            dropHighest: data.droppedHighest ?? 0,
            map: data.map ?? {},
            ...(fit.law.curve && Array.isArray(data.runs) ? { runs: data.runs } : {}),
            ...(fit.law.curve && data.schedules ? { schedules: data.schedules } : {}),
          },
          fit.law,
        );
        if (loaded.digest === fit.artifact.dataDigest) observations = loaded.observations;
      } catch {
        // The file no longer reads as this law's data: the fit is shown without its points.
      }
    }
    fits.push({
      label: `${fit.law.name} (${file})`,
      artifact: fit,
      description: observations ? `saved fit ${file}, data ${data.file}` : `saved fit ${file}`,
      ...(observations ? { observations } : {}),
    });
  }
  const written = await writeReport(options.out, {
    title: options.title ?? `scalefit report: ${db}`,
    source: db,
    runs,
    curves,
    fits,
  });
  return { ...written, runs: runs.length, fits: fits.length };
}

/**
 * What a report's sensitivity refits answer: for a law in N and D, N*, D* and the loss at 100× the largest run's
 * compute (6ND; the report's farthest budget), by the law's closed form or the frontier sweep; the runs again with
 * N non-embedding where the store has it.
 */
async function sensitivitySettings(
  db: string,
  where: readonly string[],
  law: Law,
  observations: Observations,
): Promise<SensitivityOptions> {
  const counted = await nonEmbeddingData({ db, where: [...where] }, law);
  const { N, D } = observations.inputs;
  let largest = 0;
  if (N && D) for (let i = 0; i < N.length; i++) largest = Math.max(largest, 6 * N[i]! * D[i]!);
  return {
    ...(isComputeLaw(law) && largest > 0 ? { compute: 100 * largest } : {}),
    ...("observations" in counted
      ? { nonEmbedding: counted.observations }
      : { nonEmbeddingNote: counted.note }),
    allocate: (l, p, C) => (isComputeLaw(l) ? frontier(l, p, C) : undefined),
  };
}
