import type { DuckDBValue } from "@duckdb/node-api";
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
    const json = (value: unknown) =>
      JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
    await store.connection.run(
      "INSERT INTO fits (fit_id, law, params, intervals, objective, options, data_digest, artifact) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        id,
        artifact.law,
        json(artifact.params),
        json(artifact.intervals),
        artifact.objective,
        json(artifact.options),
        artifact.dataDigest,
        json(artifact),
      ] as DuckDBValue[],
    );
    return id;
  });
}
