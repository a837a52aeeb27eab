import { batchSweepObservations, sweepPoints, type SweepPoint } from "../data/batchSweep.js";
import { loadObservations } from "../data/loadObservations.js";
import { mapColumns } from "../data/observations.js";
import { readTable } from "../data/readTable.js";
import { UserError } from "../errors.js";
import type { Law, Observations } from "../types.js";
import type { OptionDef, OptionValues } from "./_command.js";
import { curvesFrom, scheduleSummary } from "./_curves.js";
import { loadOptionsFrom } from "./_fitOptions.js";
import { repeatedOption } from "./_shared.js";
import { schedulePeak } from "../schedules/schedule.js";

/** The database of import, runs and export: --db, else ./scalefit.duckdb (README.md, "The store"). */
export function storePath(values: OptionValues): string {
  return typeof values.db === "string" ? values.db : "scalefit.duckdb";
}

/** Options that take the data from a database instead of a file. */
export const storeOptions = {
  db: {
    type: "string",
    value: "<file>",
    description: "read the runs from a DuckDB database instead of --data",
  },
  where: {
    type: "string",
    multiple: true,
    value: "<filter>",
    description: "with --db: run~25M/*, kind=lm, N>=1e8, step<=1000, … (bound as parameters)",
  },
  "loss-kind": {
    type: "string",
    value: "<train|eval>",
    description: "with --db and a curve law: which logged loss the curves use (default train)",
  },
} as const satisfies Record<string, OptionDef>;

/** Data for a fit, wherever it comes from, with what the report and artifact say about it. */
export interface FitData {
  readonly observations: Observations;
  readonly digest: string;
  readonly provenance: Record<string, unknown>;
  readonly description: string;
  readonly derived: readonly string[];
}

/**
 * The observations a command fits: from `--db` (final losses, or whole curves for curve laws) or from
 * `--data` (a file: points, or curves with their schedules).
 */
export async function fitData(
  values: OptionValues,
  law: Pick<Law, "inputs" | "name" | "curve" | "spec">,
  command: string,
): Promise<FitData> {
  const hasData = typeof values.data === "string";
  const hasDb = typeof values.db === "string";
  if (hasData === hasDb)
    throw new UserError(`scalefit ${command} needs --data <file> or --db <file> (one of them)`);
  if (!hasDb && (values.where || values["loss-kind"]))
    throw new UserError("--where and --loss-kind read from a database: add --db <file>");
  if (hasDb && (values.map || values["drop-highest"] || values.schedule || values.schedules || values.runs)) {
    throw new UserError(
      "--map, --drop-highest, --schedule(s) and --runs are for --data files; with --db use --where",
    );
  }
  const lossKind = values["loss-kind"] as "train" | "eval" | undefined;
  if (lossKind !== undefined && lossKind !== "train" && lossKind !== "eval")
    throw new UserError(`invalid --loss-kind ${lossKind} (expected train or eval)`);
  if (law.name === "bcrit") {
    if (values["drop-highest"] || values.schedule || values.schedules || values.runs)
      throw new UserError(
        "--drop-highest, --schedule(s) and --runs are not for law bcrit (a batch-size sweep)",
      );
    return sweepData(values, (law.spec as { targets: number[] }).targets, lossKind);
  }
  if (hasDb) {
    const filters = repeatedOption(values, "where");
    // The store (and DuckDB's native module, ~0.2 s to load) only when a database is read.
    const { openStore } = await import("../store/duckdb.js");
    const { curvesFromStore, finalLosses, observationsDigest } = await import("../store/readRuns.js");
    const store = await openStore(values.db as string, { readOnly: true });
    try {
      const where = filters.length ? `; where ${filters.join(" and ")}` : "";
      if (law.curve) {
        const observations = await curvesFromStore(store, filters, {
          inputs: law.inputs,
          ...(lossKind ? { lossKind } : {}),
        });
        const runs = [...new Set(observations.run)];
        const peaks = Object.values(observations.schedules ?? {}).map(schedulePeak);
        return {
          observations,
          digest: observationsDigest(observations),
          provenance: {
            db: store.path,
            where: filters,
            runs,
            schedulePeak: Math.max(...peaks.map((p) => p.peak)),
            scheduleWarmup: Math.max(...peaks.map((p) => p.warmup)),
          },
          description: `${store.path} (${runs.length} curves, ${observations.loss.length} points${where})`,
          derived: [],
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
  const file = values.data as string;
  // Parquet and Arrow files are read by the store (DuckDB, apache-arrow), loaded only for them.
  const { isColumnar, readColumnarTable } = await import("../store/readColumnar.js");
  const table = isColumnar(file) ? await readColumnarTable(file) : undefined;
  const loadOptions = { ...loadOptionsFrom(values), ...(table ? { table } : {}) };
  if (law.curve) {
    if (loadOptions.dropHighest)
      throw new UserError(`--drop-highest is for final-loss tables, not curve law ${law.name}`);
    const curves = curvesFrom(values, file, law as Law, loadOptions.map, table);
    const summary = scheduleSummary(curves);
    return {
      observations: curves.observations,
      digest: curves.table.digest,
      provenance: { ...curves.provenance, schedulePeak: summary.peak, scheduleWarmup: summary.warmup },
      description: `${file} (${curves.provenance.runs.length} curves, ${curves.provenance.points} points: ${curves.provenance.runs.join(", ")})`,
      derived: [],
    };
  }
  if (values.schedule || values.schedules || values.runs) {
    throw new UserError(
      `--schedule, --schedules and --runs are for curve laws (lr-anneal, multipower), not ${law.name}`,
    );
  }
  const loaded = loadObservations(file, law, loadOptions);
  const p = loaded.provenance;
  return {
    observations: loaded.observations,
    digest: loaded.table.digest,
    provenance: { ...p },
    description: `${p.file} (${p.rows} rows${p.droppedHighest ? `, ${p.droppedHighest} highest-loss dropped` : ""})`,
    derived: p.derived,
  };
}

/**
 * A batch-size sweep for law bcrit, from --data (run, B, step, loss) or --db (runs with a batch size); its
 * options were checked by fitData.
 */
async function sweepData(
  values: OptionValues,
  targets: readonly number[],
  lossKind: "train" | "eval" | undefined,
): Promise<FitData> {
  const hasData = typeof values.data === "string";
  let points: SweepPoint[];
  let digest: string;
  let source: string;
  const filters = repeatedOption(values, "where");
  if (hasData) {
    const file = values.data as string;
    const { isColumnar, readColumnarTable } = await import("../store/readColumnar.js");
    const raw = isColumnar(file) ? await readColumnarTable(file) : readTable(file);
    points = sweepPoints(mapColumns(raw, loadOptionsFrom(values).map));
    digest = raw.digest;
    source = file;
  } else {
    const { openStore } = await import("../store/duckdb.js");
    const { sweepFromStore, observationsDigest } = await import("../store/readRuns.js");
    const store = await openStore(values.db as string, { readOnly: true });
    try {
      points = await sweepFromStore(store, filters, lossKind ? { lossKind } : {});
    } finally {
      store.close();
    }
    digest = observationsDigest({
      inputs: { B: Float64Array.from(points, (p) => p.B), step: Float64Array.from(points, (p) => p.step) },
      loss: Float64Array.from(points, (p) => p.loss),
      run: points.map((p) => p.run),
    });
    source = values.db as string;
  }
  const sweep = batchSweepObservations(points, targets);
  const runs = new Set(points.map((p) => p.run)).size;
  return {
    observations: sweep.observations,
    digest,
    provenance: {
      source,
      ...(hasData ? {} : { where: filters }),
      runs,
      targets: sweep.reached,
      notes: sweep.notes,
    },
    description: `${source} (${runs} runs; ${sweep.reached.map((r) => `loss ${r.target}: ${r.runs} runs at ${r.batchSizes} batch sizes`).join(", ")})`,
    derived: ["each run's steps to reach each target loss, interpolated on its running-minimum loss"],
  };
}
