import { UserError } from "../errors.js";
import { schedulePeak } from "../schedules/schedule.js";
import type { Observations, StepBase, Warning } from "../dataTypes.js";
import type { Law } from "../types.js";
import { batchSweepObservations, sweepPoints, type SweepPoint } from "./batchSweep.js";
import { loadCurves, readSchedules } from "./curves.js";
import { loadObservations } from "./loadObservations.js";
import { checkMapTargets, mapColumns } from "./observations.js";
import { readTable } from "./readTable.js";

/**
 * Where the data of a fit come from: a file (points, or curves with their schedules) or a scalefit database
 * (final losses, whole curves, or a batch-size sweep), with how to read it.
 * @example {file: "data/chinchilla/epoch.csv", dropHighest: 5} or {db: "runs.duckdb", where: ["kind=lm"]}
 */
export interface DataSource {
  /** A CSV, TSV, JSONL, Parquet or Arrow file with columns named by role (or renamed by `map`). */
  readonly file?: string;
  /** A scalefit database: its runs' last losses, or their curves for curve laws. */
  readonly db?: string;
  /** Filters on the database's runs (`kind=lm`, `N>=1e8`, `run~25M/*`), bound as parameters. */
  readonly where?: readonly string[];
  /** With `db` and a curve law: which logged loss the curves use. @default "train" */
  readonly lossKind?: "train" | "eval";
  /** File columns renamed to roles, `{loss: "val_loss"}`. */
  readonly map?: Readonly<Record<string, string>>;
  /** Drop the k points with the highest loss (Epoch drops 5 of Chinchilla's). @default 0 */
  readonly dropHighest?: number;
  /** Curve laws: each run's schedule in compact form (`cosine:peak=3e-4,…`), by run name. */
  readonly schedules?: Readonly<Record<string, string>>;
  /** Curve laws: a JSON file of schedules by run (merged under `schedules`). */
  readonly schedulesFile?: string;
  /** Curve laws: fit only these runs of the file (`*` matches anything). */
  readonly runs?: readonly string[];
  /**
   * Curve laws, with `file`: where the file's steps count from (`StepBase`; 1: step s is the state after s
   * updates). @default read from the file where only one reading works, else 0 (a database's runs count from 0)
   */
  readonly stepBase?: StepBase;
  /** With `db`: seconds to wait while another process writes the database. @default 0 */
  readonly wait?: number;
}

/** The data of a fit, with what the report and the fit artifact say about them. */
export interface FitData {
  readonly observations: Observations;
  /** sha256 of the file, or of the observations read from a database. */
  readonly digest: string;
  /** How the data were read (file, filters, runs, schedule peak and warmup of curve fits): the artifact's `data`. */
  readonly provenance: Record<string, unknown>;
  /** In words, for the fit report. */
  readonly description: string;
  /** Columns derived from others (C = 6ND, Dfp = D − Dqat), in words. */
  readonly derived: readonly string[];
  /** Curve laws: where the data's steps counted from (the observations count from 0). */
  readonly stepBase?: StepBase;
  /** Soft issues of the data (a step base guessed where it matters), added to the fit's warnings. */
  readonly warnings?: readonly Warning[];
}

/** What `loadFitData` needs of a law: the inputs it reads and what kind of points it fits. */
export type DataLaw = Pick<Law, "inputs" | "name" | "curve" | "sweepTargets" | "everyPoint">;

/**
 * The observations a law is fitted to, wherever they come from: final losses, whole curves (curve laws) or a
 * batch-size sweep's steps to target losses (laws with `sweepTargets`), from a file or a database. The one
 * function behind `fit`, `compare` and `report`.
 * @example const { observations } = await loadFitData({ file: "data/chinchilla/epoch.csv", dropHighest: 5 }, chinchilla)
 */
export async function loadFitData(source: DataSource, law: DataLaw): Promise<FitData> {
  const curveOnly = source.schedules || source.schedulesFile || source.runs?.length;
  if ((source.file === undefined) === (source.db === undefined))
    throw new UserError("the data come from a file or a database (one of them)");
  checkMapTargets(source.map ?? {}, law.inputs);
  if (source.stepBase !== undefined) {
    if (!law.curve)
      throw new UserError(`--step-base is for curve laws (lr-anneal, multipower), not ${law.name}`);
    if (source.db !== undefined)
      throw new UserError("--step-base is for --data files: the runs of a database count their steps from 0");
  }
  if (law.sweepTargets) {
    if (source.dropHighest || curveOnly)
      throw new UserError(
        `--drop-highest, --schedule(s) and --runs are not for law ${law.name} (a batch-size sweep)`,
      );
    return sweepData(source, law.sweepTargets);
  }
  if (source.db !== undefined) return storeData(source.db, source, law);
  const file = source.file!;
  // Parquet and Arrow files are read by the store (DuckDB, apache-arrow), loaded only for them.
  const { isColumnar, readColumnarTable } = await import("../store/readColumnar.js");
  const table = isColumnar(file) ? await readColumnarTable(file) : undefined;
  const map = { ...(source.map ?? {}) };
  if (law.curve) {
    if (source.dropHighest)
      throw new UserError(`--drop-highest is for final-loss tables, not curve law ${law.name}`);
    const curves = loadCurves(file, {
      map,
      schedules: {
        ...(source.schedulesFile ? readSchedules(source.schedulesFile) : {}),
        ...(source.schedules ?? {}),
      },
      ...(source.runs?.length ? { runs: source.runs } : {}),
      inputs: law.inputs.filter((name) => name !== "step"),
      ...(table ? { table } : {}),
      ...(source.stepBase !== undefined ? { stepBase: source.stepBase } : {}),
    });
    const summary = schedulesSummary(curves.observations);
    const counted =
      curves.stepBase === 1
        ? `; steps counted from 1${curves.stepBaseDetected ? `: ${curves.stepBaseDetected}` : ""}`
        : "";
    return {
      observations: curves.observations,
      digest: curves.table.digest,
      provenance: { ...curves.provenance, schedulePeak: summary.peak, scheduleWarmup: summary.warmup },
      description: `${file} (${curves.provenance.runs.length} curves, ${curves.provenance.points} points: ${curves.provenance.runs.join(", ")}${counted})`,
      derived: [],
      stepBase: curves.stepBase,
      warnings: curves.warnings,
    };
  }
  if (curveOnly) {
    throw new UserError(
      `--schedule, --schedules and --runs are for curve laws (lr-anneal, multipower), not ${law.name}`,
    );
  }
  const loaded = loadObservations(file, law, {
    map,
    dropHighest: source.dropHighest ?? 0,
    ...(table ? { table } : {}),
  });
  const p = loaded.provenance;
  return {
    observations: loaded.observations,
    digest: loaded.table.digest,
    provenance: { ...p },
    description: `${p.file} (${p.rows} rows${p.droppedHighest ? `, ${p.droppedHighest} highest-loss dropped` : ""})`,
    derived: p.derived,
  };
}

/** Peak LR and warmup of the training schedules: the defaults of `optimize --family`. */
function schedulesSummary(observations: Observations): { peak: number; warmup: number } {
  const summaries = Object.values(observations.schedules ?? {}).map(schedulePeak);
  return {
    peak: Math.max(...summaries.map((s) => s.peak)),
    warmup: Math.max(...summaries.map((s) => s.warmup)),
  };
}

/** Final losses, or whole curves for curve laws, of a database's filtered runs. */
async function storeData(db: string, source: DataSource, law: DataLaw): Promise<FitData> {
  const filters = [...(source.where ?? [])];
  // The store (and DuckDB's native module) only when a database is read.
  const { openStoreWaiting } = await import("../store/duckdb.js");
  const { curvesFromStore, finalLosses, observationsDigest } = await import("../store/readRuns.js");
  const { pointsFromStore } = await import("../store/storedPoints.js");
  const store = await openStoreWaiting(db, source.wait ?? 0, { readOnly: true });
  try {
    const where = filters.length ? `; where ${filters.join(" and ")}` : "";
    if (law.curve) {
      const observations = await curvesFromStore(store, filters, {
        inputs: law.inputs,
        ...(source.lossKind ? { lossKind: source.lossKind } : {}),
      });
      const runs = [...new Set(observations.run)];
      const summary = schedulesSummary(observations);
      return {
        observations,
        digest: observationsDigest(observations),
        provenance: {
          db: store.path,
          where: filters,
          runs,
          schedulePeak: summary.peak,
          scheduleWarmup: summary.warmup,
        },
        description: `${store.path} (${runs.length} curves, ${observations.loss.length} points${where})`,
        derived: [],
        stepBase: 0,
      };
    }
    if (law.everyPoint) {
      const observations = await pointsFromStore(store, filters);
      const runs = [...new Set(observations.run)];
      return {
        observations,
        digest: observationsDigest(observations),
        provenance: { db: store.path, where: filters, runs },
        description: `${store.path} (${runs.length} runs, ${observations.loss.length} logged losses${where})`,
        derived: ["C = 6 N · tokens (the stored FLOPs where a point has no tokens)"],
      };
    }
    const final = await finalLosses(store, law.inputs, filters);
    return {
      observations: final.observations,
      digest: final.digest,
      provenance: {
        db: store.path,
        where: filters,
        runs: final.observations.loss.length,
        usedEval: final.usedEval,
        usedTrain: final.usedTrain,
      },
      description: `${store.path} (${final.observations.loss.length} runs: last eval loss of ${final.usedEval}, train loss of ${final.usedTrain}${where})`,
      derived: law.inputs.includes("C") ? ["C = 6 N D where a run has no flops"] : [],
    };
  } finally {
    store.close();
  }
}

/** A batch-size sweep (points `run, B, step, loss`) as each run's steps to reach each target loss. */
async function sweepData(source: DataSource, targets: readonly number[]): Promise<FitData> {
  let points: SweepPoint[];
  let digest: string;
  const filters = [...(source.where ?? [])];
  const origin = source.file ?? source.db!;
  if (source.file !== undefined) {
    const { isColumnar, readColumnarTable } = await import("../store/readColumnar.js");
    const raw = isColumnar(source.file) ? await readColumnarTable(source.file) : readTable(source.file);
    points = sweepPoints(mapColumns(raw, { ...(source.map ?? {}) }));
    digest = raw.digest;
  } else {
    const { openStoreWaiting } = await import("../store/duckdb.js");
    const { sweepFromStore, observationsDigest } = await import("../store/readRuns.js");
    const store = await openStoreWaiting(source.db!, source.wait ?? 0, { readOnly: true });
    try {
      points = await sweepFromStore(store, filters, source.lossKind ? { lossKind: source.lossKind } : {});
    } finally {
      store.close();
    }
    digest = observationsDigest({
      inputs: { B: Float64Array.from(points, (p) => p.B), step: Float64Array.from(points, (p) => p.step) },
      loss: Float64Array.from(points, (p) => p.loss),
      run: points.map((p) => p.run),
    });
  }
  const sweep = batchSweepObservations(points, targets);
  const runs = new Set(points.map((p) => p.run)).size;
  return {
    observations: sweep.observations,
    digest,
    provenance: {
      source: origin,
      ...(source.file !== undefined ? {} : { where: filters }),
      runs,
      targets: sweep.reached,
      notes: sweep.notes,
      ...(sweep.noiseScale ? { noiseScale: sweep.noiseScale } : {}),
    },
    description: `${origin} (${runs} runs; ${sweep.reached.map((r) => `loss ${r.target}: ${r.runs} runs at ${r.batchSizes} batch sizes`).join(", ")})`,
    derived: [
      "each run's steps to reach each target loss, interpolated on its running-minimum loss",
      ...(sweep.noiseScale ? ["B_simple from the gradient norms logged where each run crossed each target"] : []),
    ],
  };
}
