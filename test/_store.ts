import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, rows } from "../src/store/duckdb.js";

/** A fresh temporary directory and a helper writing files into it. */
export function scratch(prefix: string): {
  dir: string;
  file: (name: string, content: string | Uint8Array) => string;
  db: (name?: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), `scalefit-${prefix}-`));
  return {
    dir,
    file: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    db: (name = "runs.duckdb") => join(dir, name),
  };
}

/**
 * A fingerprint of everything a store holds (row counts and a hash of every row of runs, points, imports
 * and fits): equal fingerprints mean the database is exactly as it was.
 */
export async function fingerprint(path: string): Promise<string> {
  const store = await openStore(path, { readOnly: true });
  try {
    const parts: string[] = [];
    for (const table of ["runs", "points", "imports", "fits"]) {
      const [row] = await rows(store, `SELECT count(*) AS n, coalesce(sum(hash(t)), 0) AS h FROM ${table} t`);
      parts.push(`${table}:${row!.n}:${row!.h}`);
    }
    return parts.join(" ");
  } finally {
    store.close();
  }
}
