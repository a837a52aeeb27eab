import type { DuckDBValue } from "@duckdb/node-api";
import { jsonText } from "../json.js";
import type { FitArtifact } from "../types.js";
import { rows, transaction, type Store } from "./duckdb.js";

/**
 * Stores a fit artifact in the `fits` table (law, parameters, intervals, objective, options, data digest and
 * the whole artifact as JSON), in its own transaction; returns its id.
 * @example const id = await saveFit(store, fitToArtifact(fit, {dataDigest}))
 */
export async function saveFit(store: Store, artifact: FitArtifact): Promise<number> {
  return transaction(store, async () => {
    const id = Number((await rows(store, "SELECT coalesce(max(fit_id), 0) + 1 AS id FROM fits"))[0]!.id);
    await store.connection.run(
      "INSERT INTO fits (fit_id, law, params, intervals, objective, options, data_digest, artifact) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        id,
        artifact.law,
        jsonText(artifact.params),
        jsonText(artifact.intervals),
        artifact.objective,
        jsonText(artifact.options),
        artifact.dataDigest,
        jsonText(artifact),
      ] as DuckDBValue[],
    );
    return id;
  });
}
