import { isUserError } from "../errors.js";
import type { Observations } from "../dataTypes.js";
import type { Law } from "../types.js";
import type { DataSource } from "./fitData.js";
import { readTable } from "./readTable.js";
import { observationsFromTable } from "./tableObservations.js";

/** The same points with N counting non-embedding parameters, or why the data cannot give them. */
export type NonEmbeddingData = { readonly observations: Observations } | { readonly note: string };

/**
 * The points of a fit's source again, with N read from the non-embedding count: a file's `Nnonembedding`
 * column (or the column `--map Nnonembedding=…` names), a database's `n_nonembedding`. Where the data carry
 * one count only, or derive D from N, it says why instead. Final-loss points only: not curves or sweeps.
 * @example await nonEmbeddingData({ db: "kjv.duckdb", where: ["run~kjv-chinchilla/*"] }, chinchilla)
 */
export async function nonEmbeddingData(
  source: DataSource,
  law: Pick<Law, "inputs" | "name" | "zeroInputs" | "checkPoint" | "curve" | "sweepTargets" | "everyPoint">,
): Promise<NonEmbeddingData> {
  if (!law.inputs.includes("N")) return { note: `law ${law.name} does not read N` };
  if (law.curve || law.sweepTargets || law.everyPoint)
    return { note: `law ${law.name} is fitted to curves or sweeps; non-embedding counts are read for final losses` };
  try {
    return source.db !== undefined ? await fromStore(source.db, source.where ?? [], law.inputs) : await fromFile(source, law);
  } catch (error) {
    if (isUserError(error)) return { note: error.message };
    throw error;
  }
}

async function fromFile(source: DataSource, law: Parameters<typeof nonEmbeddingData>[1]): Promise<NonEmbeddingData> {
  const map = source.map ?? {};
  const column = map.Nnonembedding ?? "Nnonembedding";
  if (map.N === column) return { note: `N is already the non-embedding count (--map N=${column})` };
  const { isColumnar, readColumnarTable } = await import("../store/readColumnar.js");
  const file = source.file!;
  const table = isColumnar(file) ? await readColumnarTable(file) : readTable(file);
  if (!table.columns.includes(column))
    return { note: `${file} has no ${column} column (the non-embedding parameter count)` };
  const loaded = observationsFromTable(table, law, {
    map: { ...map, N: column },
    dropHighest: source.dropHighest ?? 0,
  });
  const fromN = loaded.provenance.derived.find((rule) => /= .*\bN\b/.test(rule));
  if (fromN)
    return {
      note: `${fromN} is derived from N and would change with the count (give ${fromN.split(" =")[0]} as a column)`,
    };
  return { observations: loaded.observations };
}

async function fromStore(db: string, where: readonly string[], inputs: readonly string[]): Promise<NonEmbeddingData> {
  const { openStore } = await import("../store/duckdb.js");
  const { finalLosses } = await import("../store/readRuns.js");
  const store = await openStore(db, { readOnly: true });
  try {
    const read = inputs.map((name) => (name === "N" ? "Nnonembedding" : name));
    const { observations } = await finalLosses(store, read, where);
    const columns = Object.fromEntries(inputs.map((name, j) => [name, observations.inputs[read[j]!]!]));
    return { observations: { ...observations, inputs: columns } };
  } finally {
    store.close();
  }
}
