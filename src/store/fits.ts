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
  return transaction(store, () => insertFit(store, artifact, jsonText(artifact)));
}

/**
 * Stores fit artifacts (checked by the caller: `loadFit`) in one transaction, as `scalefit import --format
 * fit` does: an artifact stored before, to the byte, is not stored twice. Each one's id and whether it was new.
 * @example await saveFits(store, [artifact]) // [{id: 3, added: true}]
 */
export async function saveFits(
  store: Store,
  artifacts: readonly FitArtifact[],
): Promise<{ id: number; added: boolean }[]> {
  return transaction(store, async () => {
    const saved: { id: number; added: boolean }[] = [];
    for (const artifact of artifacts) {
      const text = jsonText(artifact);
      const [stored] = await rows(
        store,
        "SELECT fit_id FROM fits WHERE artifact = ? ORDER BY fit_id LIMIT 1",
        [text],
      );
      if (stored) saved.push({ id: Number(stored.fit_id), added: false });
      else saved.push({ id: await insertFit(store, artifact, text), added: true });
    }
    return saved;
  });
}

/** Inserts one artifact into the fits table; its new id. */
async function insertFit(store: Store, artifact: FitArtifact, text: string): Promise<number> {
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
      text,
    ] as DuckDBValue[],
  );
  return id;
}
