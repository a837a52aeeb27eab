import type { Observations } from "../dataTypes.js";
import type { Law } from "../types.js";
import { checkMapTargets, dropHighestLoss, mapColumns, tableToObservations } from "./observations.js";
import type { Table } from "./readTable.js";

/**
 * A table's rows as the observations a law needs, with no file access: what `loadObservations` (files),
 * `loadFitData` and the notebooks (bundled CSV text) share.
 */

/** Options of `loadObservations` and `observationsFromTable`. */
export interface LoadOptions {
  /** Column renames, role → file column: `{loss: "val_loss"}`. */
  readonly map?: Readonly<Record<string, string>>;
  /** Drop this many highest-loss points (Epoch drops 5 of Chinchilla's 245). @default 0 */
  readonly dropHighest?: number;
  /** The file already read (a Parquet or Arrow file read by the store); by default `readTable(file)`. */
  readonly table?: Table;
}

/** Observations for a law, with the table they came from and how they were built (for provenance). */
export interface LoadedData {
  readonly observations: Observations;
  readonly table: Table;
  /** Rows in the file, points kept, columns derived. */
  readonly provenance: {
    readonly file: string;
    readonly rows: number;
    readonly points: number;
    readonly droppedHighest: number;
    readonly derived: readonly string[];
    readonly map: Readonly<Record<string, string>>;
  };
}

/**
 * The observations a law needs from a table already read, every cell checked: columns renamed by `map`,
 * derived ones (C = 6ND, …) filled in, the `dropHighest` highest-loss points dropped.
 * @example const {observations} = observationsFromTable(table, chinchilla, {dropHighest: 5});
 */
export function observationsFromTable(
  raw: Table,
  law: Pick<Law, "inputs" | "name" | "zeroInputs" | "checkPoint">,
  options: Omit<LoadOptions, "table"> = {},
): LoadedData {
  checkMapTargets(options.map ?? {}, law.inputs);
  const table = mapColumns(raw, options.map ?? {});
  const { observations, notes } = tableToObservations(
    table,
    law.inputs,
    law.name,
    law.zeroInputs,
    law.checkPoint ? (x) => law.checkPoint!(x) : undefined,
  );
  const dropHighest = options.dropHighest ?? 0;
  const kept = dropHighestLoss(observations, dropHighest);
  return {
    observations: kept,
    table,
    provenance: {
      file: raw.file,
      rows: table.lines.length,
      points: kept.loss.length,
      droppedHighest: dropHighest,
      derived: notes.derived,
      map: options.map ?? {},
    },
  };
}
