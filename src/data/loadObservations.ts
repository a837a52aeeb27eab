import type { Law } from "../types.js";
import { readTable } from "./readTable.js";
import { observationsFromTable, type LoadedData, type LoadOptions } from "./tableObservations.js";

/**
 * Reads a CSV or JSONL file into the observations a law needs, every cell checked.
 * @example const {observations} = loadObservations("data/chinchilla/epoch.csv", chinchilla, {dropHighest: 5});
 */
export function loadObservations(
  file: string,
  law: Pick<Law, "inputs" | "name" | "zeroInputs" | "checkPoint">,
  options: LoadOptions = {},
): LoadedData {
  const loaded = observationsFromTable(options.table ?? readTable(file), law, options);
  return { ...loaded, provenance: { ...loaded.provenance, file } };
}
