import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

const root = fileURLToPath(new URL("..", import.meta.url));

/** A child process that opens the store (for writing, or read-only) and holds it until killed. */
export function holder(db: string, readOnly = false): Promise<ChildProcess> {
  const script = `
    const { DuckDBInstance } = await import(${JSON.stringify(join(root, "node_modules/@duckdb/node-api/lib/index.js"))});
    const instance = await DuckDBInstance.create(${JSON.stringify(db)}, ${readOnly ? '{ access_mode: "READ_ONLY" }' : "{}"});
    await instance.connect();
    process.stdout.write("ready\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
  });
}
