import { basename, dirname, extname } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import { mapColumns } from "../data/observations.js";
import {
  fileDigest,
  fileSize,
  readBytes,
  readTable,
  sha256Digest,
  wholeFileBytes,
  type Table,
} from "../data/readTable.js";
import { UserError } from "../errors.js";
import type { StepBase } from "../dataTypes.js";
import { rows, storeError, transaction, type Store } from "./duckdb.js";
import { applyMetadata, readMeta } from "./importMetadata.js";
import { arrowTable } from "./importers/arrow.js";
import { exactPath, unreadableParquet } from "./readColumnar.js";
import { huggingfaceToStaged } from "./importers/huggingface.js";
import { mergeSameSteps, tableToStaged, wandbMap, withLossOrLr, type LossKind } from "./importers/table.js";
import { tensorboardToStaged } from "./importers/tensorboard.js";
import { gradientNoiseColumns, runColumns } from "./schema.js";
import {
  appendStaged,
  createStagingView,
  dropStaging,
  mergeStaged,
  runJsonColumns,
  shiftSteps,
  type MergeResult,
  type Staging,
  type SourceLabel,
} from "./staging.js";
import { stageDelimited, streamedBytes } from "./stageDelimited.js";
import { stageJsonLines } from "./stageJsonLines.js";
import { checkStaged } from "./stagingChecks.js";

/**
 * File formats `importFiles` reads (`--format`; by default from the file name).
 * @example importFormats.includes("tensorboard") // true
 */
export const importFormats = ["csv", "jsonl", "parquet", "arrow", "hf", "wandb", "tensorboard"] as const;
export type ImportFormat = (typeof importFormats)[number];

/** Options of `importFiles`. */
export interface ImportOptions {
  /** Format of every file; by default from the extension (and `tfevents` in a name, `trainer_state.json`). */
  readonly format?: ImportFormat;
  /** Column renames, role → file column (or TensorBoard tag). */
  readonly map?: Readonly<Record<string, string>>;
  /** Run metadata for every run of the files, by role: `{N: 1.2e8, kind: "lm"}`. Overrides the files' columns. */
  readonly set?: Readonly<Record<string, number | string>>;
  /** A sidecar JSON of run metadata: `{N: …}` for every run, or `{runs: {name: {N: …}}}` per run. */
  readonly meta?: string;
  /** Run name for formats that hold one run (HF trainer state, TensorBoard, a CSV without a run column). */
  readonly run?: string;
  /** What a plain `loss` column is. @default "train" */
  readonly lossKind?: LossKind;
  /** Counting conventions recorded with the runs: `{params: "non-embedding", flops: "exact", lossUnit: "bits/byte"}`. */
  readonly conventions?: Readonly<Record<string, string>>;
  /** Called as files are read and checked, then written: (files done, files, stage). */
  readonly onProgress?: (done: number, total: number, stage: string) => void;
  /** CSV/TSV/JSONL files of at least this many bytes are read by DuckDB in bounded memory. @default streamedBytes (64 MiB) */
  readonly streamFrom?: number;
  /** Where the files' steps count from: 1 for a trainer that logs its first update as step 1 (the store counts
   * from 0, as `fit --step-base` reads a file). @default 0 */
  readonly stepBase?: StepBase;
  /** Awaited in the transaction once everything is written, before the commit (crash tests stop there). */
  readonly beforeCommit?: () => Promise<void>;
}

/** What happened to one file. */
export interface FileImport extends Partial<MergeResult> {
  readonly file: string;
  readonly format: ImportFormat;
  readonly digest: string;
  /** `imported`, or `already imported` when the same content (file and options) was imported before. */
  readonly status: "imported" | "already imported";
}

/**
 * Imports files into the store in one transaction: every file is parsed, staged and checked, then merged
 * (new runs created, new steps appended to existing runs); a file whose content digest was imported before
 * adds nothing. If any file is malformed the transaction rolls back and the database is exactly as before.
 * @example await importFiles(store, ["runs.csv", "out/trainer_state.json"], {set: {N: 1.2e8}})
 */
export async function importFiles(
  store: Store,
  files: readonly string[],
  options: ImportOptions = {},
): Promise<FileImport[]> {
  if (files.length === 0) throw new UserError("nothing to import: give one or more files");
  const sidecar = options.meta ? readMeta(options.meta) : undefined;
  // Files are parsed, staged and checked outside the transaction (DuckDB scans committed temp tables much
  // faster than transaction-local ones), then merged in one transaction: all or nothing.
  const planned: (FileImport & { staging?: Staging; label: SourceLabel })[] = [];
  const digests = new Set<string>();
  let limited = false;
  try {
    for (const [k, file] of files.entries()) {
      options.onProgress?.(k, files.length, "reading and checking");
      const format = options.format ?? formatOf(file);
      // A large CSV/TSV/JSONL is read by DuckDB and Parquet by DuckDB too: their digests are read in chunks;
      // other files are read once, for their digest and their rows.
      const streamed =
        (format === "csv" || format === "jsonl") && fileSize(file) >= (options.streamFrom ?? streamedBytes);
      const whole = !streamed && format !== "parquet";
      // Formats read whole (W&B, HF, TensorBoard, Arrow; CSV and JSONL below the streaming size) have a limit.
      if (whole && fileSize(file) > wholeFileBytes)
        throw new UserError(
          `${file} is ${(fileSize(file) / 1e6).toFixed(0)} MB: --format ${format} files are read whole, up to ${wholeFileBytes / 2 ** 20} MiB (CSV, TSV, JSONL and Parquet files of any size are read in bounded memory)`,
        );
      const bytes = whole ? readBytes(file) : undefined;
      const described = JSON.stringify({
        format,
        map: options.map,
        set: options.set,
        sidecar,
        run: options.run,
        lossKind: options.lossKind,
        conventions: options.conventions,
        stepBase: options.stepBase,
      });
      const digest = bytes ? sha256Digest(bytes, described) : fileDigest(file, described);
      let label: SourceLabel = {
        file,
        rowWord: format === "parquet" || format === "arrow" ? "row" : format === "hf" ? "record" : "line",
      };
      const seen = await rows(store, "SELECT import_id FROM imports WHERE digest = ?", [digest]);
      if (seen.length || digests.has(digest)) {
        planned.push({ file, format, digest, status: "already imported", label });
        continue;
      }
      digests.add(digest);
      const table = `staging_${k}`;
      let staging: Staging;
      if (format === "parquet") staging = await stageParquet(store, table, file, options);
      else if (streamed) {
        // DuckDB spills past this limit: 1e7 CSV rows of 5 columns peaked at 0.8 GB instead of 1.4 GB, in
        // 10 s either way. Rows are numbered by record.
        if (!limited) await store.connection.run(`SET memory_limit = '${streamedMemory}'`);
        limited = true;
        const delimiter = extname(file).toLowerCase() === ".tsv" ? "\t" : ",";
        ({ staging, label } =
          format === "jsonl"
            ? await stageJsonLines(store, table, file, options)
            : await stageDelimited(store, table, file, delimiter, options));
      } else
        staging = await appendStaged(store, table, await stageInJs(file, bytes!, format, digest, options));
      planned.push({ file, format, digest, status: "imported", label, staging });
      try {
        await applyMetadata(store, staging, options.set ?? {}, sidecar, file);
        const rowsLabel: SourceLabel = format === "tensorboard" ? { file, rowWord: "row" } : label;
        if (options.stepBase === 1) await shiftSteps(store, staging, rowsLabel);
        await checkStaged(store, staging, rowsLabel);
      } catch (error) {
        // A Parquet file is read by every check: an error that is not about the data is about the file.
        if (error instanceof UserError || format !== "parquet") throw error;
        throw unreadableParquet(file, error);
      }
    }
    const results: FileImport[] = [];
    await transaction(store, async () => {
      for (const [k, { staging, label, ...result }] of planned.entries()) {
        options.onProgress?.(k, planned.length, "writing");
        if (!staging) {
          results.push(result);
          continue;
        }
        const merged = await mergeStaged(store, staging, {
          source: result.file,
          label,
          ...(options.conventions ? { conventions: { ...options.conventions } } : {}),
        });
        await store.connection.run(
          "INSERT INTO imports (import_id, digest, source, format, runs, points) VALUES ((SELECT coalesce(max(import_id), 0) + 1 FROM imports), ?, ?, ?, ?, ?)",
          [
            result.digest,
            result.file,
            result.format,
            merged.runsAdded + merged.runsExtended,
            merged.pointsAdded,
          ] as DuckDBValue[],
        );
        results.push({ ...result, ...merged });
      }
      await options.beforeCommit?.();
    });
    return results;
  } catch (error) {
    throw storeError(error, store.path);
  } finally {
    for (const { staging } of planned) if (staging) await dropStaging(store, staging).catch(() => undefined);
    if (limited) await store.connection.run("RESET memory_limit").catch(() => undefined);
  }
}

/** DuckDB's memory limit while a large CSV/TSV/JSONL file is staged and merged. */
const streamedMemory = "500MB";

/** The format of a file from its name. */
function formatOf(file: string): ImportFormat {
  const name = basename(file);
  const extension = extname(file).toLowerCase();
  if (/tfevents/.test(name)) return "tensorboard";
  if (extension === ".csv" || extension === ".tsv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  if (extension === ".parquet") return "parquet";
  if (extension === ".arrow" || extension === ".feather" || extension === ".ipc") return "arrow";
  if (extension === ".json") return "hf";
  throw new UserError(
    `cannot tell the format of ${file} from its name: use --format ${importFormats.join("|")}`,
  );
}

/** The run name of a one-run file: --run, else its directory (HF checkpoints: the directory above). */
function oneRunName(file: string, options: ImportOptions): string {
  if (options.run) return options.run;
  let dir = dirname(file);
  if (/^checkpoint-\d+$/.test(basename(dir))) dir = dirname(dir);
  const name = basename(dir);
  return name === "." || name === "" ? basename(file, extname(file)) : name;
}

async function stageInJs(
  file: string,
  bytes: Buffer,
  format: ImportFormat,
  digest: string,
  options: ImportOptions,
) {
  const lossKind = options.lossKind ?? "train";
  switch (format) {
    case "hf":
      return huggingfaceToStaged(file, new TextDecoder().decode(bytes), oneRunName(file, options));
    case "tensorboard": {
      const tags: Record<string, string> = {};
      for (const [role, tag] of Object.entries(options.map ?? {})) {
        const key = role === "loss" ? (lossKind === "eval" ? "eval_loss" : "train_loss") : role;
        if (!["train_loss", "eval_loss", "lr"].includes(key))
          throw new UserError(
            `--map ${role}=${tag}: TensorBoard files map only loss, train_loss, eval_loss and lr`,
          );
        tags[key] = tag;
      }
      return tensorboardToStaged(file, bytes, oneRunName(file, options), tags);
    }
    case "arrow":
      return tableToStaged(
        withRun(mapColumns(await arrowTable(file, bytes, digest), options.map ?? {}), options),
        {
          lossKind,
          rowWord: "row",
        },
      );
    case "wandb": {
      const table = readTable(file, bytes);
      // Without steps each row would become a one-point run: a history export has _step.
      if (!wandbMap(table.columns).step && !options.map?.step)
        throw new UserError(
          `${file} has no step column (_step, step, global_step or train/global_step), which a W&B history export has; --map step=<column> names one`,
        );
      const staged = tableToStaged(
        withRun(mapColumns(table, { ...wandbMap(table.columns), ...(options.map ?? {}) }), options),
        { lossKind },
      );
      return withLossOrLr(mergeSameSteps(staged, file));
    }
    default:
      return tableToStaged(withRun(mapColumns(readTable(file, bytes), options.map ?? {}), options), {
        lossKind,
      });
  }
}

/** A table without a run column gets the --run name on every row, when one is given. */
function withRun(table: Table, options: ImportOptions): Table {
  if (!options.run || table.columns.includes("run")) return table;
  return {
    ...table,
    columns: [...table.columns, "run"],
    cells: { ...table.cells, run: table.lines.map(() => options.run) },
  };
}

/** Reads a Parquet file straight into the staging table with DuckDB (the fast path: no rows through JS). */
async function stageParquet(
  store: Store,
  table: string,
  file: string,
  options: ImportOptions,
): Promise<Staging> {
  let described: Record<string, unknown>[];
  try {
    described = await rows(store, "DESCRIBE SELECT * FROM read_parquet(?)", [exactPath(file)]);
  } catch (error) {
    throw unreadableParquet(file, error);
  }
  const types = new Map(described.map((d) => [String(d.column_name), String(d.column_type)]));
  const roleSource = new Map<string, string>();
  for (const name of types.keys()) roleSource.set(name, name);
  for (const [role, source] of Object.entries(options.map ?? {})) {
    if (!types.has(source))
      throw new UserError(
        `--map ${role}=${source}: ${file} has no column ${source} (columns: ${[...types.keys()].join(", ")})`,
      );
    roleSource.set(role, source);
  }
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const numeric = (role: string): string | undefined => {
    const source = roleSource.get(role);
    if (!source) return undefined;
    const type = types.get(source)!;
    if (
      !/^(DOUBLE|FLOAT|REAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|UINTEGER|UBIGINT|USMALLINT|UTINYINT|DECIMAL)/.test(
        type,
      )
    ) {
      throw new UserError(`${file} column ${source}: expected numbers, found ${type}`);
    }
    return `CAST(${quote(source)} AS DOUBLE)`;
  };
  const lossKind = options.lossKind ?? "train";
  const select: Record<string, string> = {};
  const step = numeric("step");
  const stem = basename(file, extname(file));
  // Literals, not parameters: the staging view takes none (and a `?` in a quoted column name is a name).
  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
  if (roleSource.has("run")) select.run = `CAST(${quote(roleSource.get("run")!)} AS VARCHAR)`;
  else if (options.run) select.run = literal(options.run);
  else if (step) select.run = literal(stem);
  else select.run = `${literal(stem)} || '-' || CAST(file_row_number + 1 AS VARCHAR)`;
  if (step) select.step = step;
  for (const role of ["tokens", "lr", "train_loss", "eval_loss", ...gradientNoiseColumns]) {
    const expr = numeric(role);
    if (expr) select[role] = expr;
  }
  const flops = numeric("flops") ?? numeric("C");
  if (flops) select.flops = flops;
  const loss = numeric("loss");
  if (loss) {
    const target = lossKind === "eval" ? "eval_loss" : "train_loss";
    if (select[target]) throw new UserError(`${file} has both loss and ${target}: map one of them elsewhere`);
    select[target] = loss;
  }
  if (!select.train_loss && !select.eval_loss && !select.lr) {
    throw new UserError(
      `${file} has no loss column (loss, train_loss or eval_loss; columns: ${[...types.keys()].join(", ")}; --map loss=<column> renames one)`,
    );
  }
  for (const [column, spec] of Object.entries(runColumns)) {
    const source = roleSource.get(spec.role);
    if (!source) continue;
    select[column] = spec.type === "VARCHAR" ? `CAST(${quote(source)} AS VARCHAR)` : numeric(spec.role)!;
  }
  // A run's configuration and counting conventions (JSON text), as `export --table points` writes them for
  // trainer runs: a sweep shard's Parquet imports as the same runs.
  for (const column of runJsonColumns) {
    const source = roleSource.get(column);
    if (source) select[column] = `CAST(${quote(source)} AS VARCHAR)`;
  }
  const targets = Object.keys(select);
  // The staging "table" of a Parquet file is a view over it: DuckDB's Parquet scans are fast and
  // parallel, so checks read the file itself instead of a copy of it.
  const sql = `SELECT file_row_number + 1 AS source_row, ${targets.map((t) => `${select[t]!} AS ${t}`).join(", ")} FROM read_parquet(${literal(exactPath(file))}, file_row_number = true)`;
  try {
    return await createStagingView(store, table, targets, sql);
  } catch (error) {
    throw unreadableParquet(file, error);
  }
}
