import { loadFit } from "../fit/artifact.js";

/**
 * Stores fit artifacts written by `scalefit fit --out` in a database's fits table (`scalefit import --format
 * fit`): each is checked as `predict` checks it, all are stored in one transaction, and an artifact stored
 * before is not stored twice. The way to keep a fit that `fit --save` could not store (another process held
 * the database).
 * @example await importFitFiles("runs.duckdb", ["fit.json"]) // [{file: "fit.json", id: 1, added: true}]
 */
export async function importFitFiles(
  db: string,
  files: readonly string[],
): Promise<{ file: string; id: number; added: boolean }[]> {
  const artifacts = [];
  for (const file of files) artifacts.push((await loadFit(file)).artifact);
  const { openStore } = await import("../store/duckdb.js");
  const { saveFits } = await import("../store/fits.js");
  const store = await openStore(db);
  try {
    const saved = await saveFits(store, artifacts);
    return saved.map((s, i) => ({ file: files[i]!, ...s }));
  } finally {
    store.close();
  }
}
