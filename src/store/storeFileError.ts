import type { DuckDBConnection } from "@duckdb/node-api";
import { resolve } from "node:path";
import { UserError } from "../errors.js";

/** The file system's refusals, as DuckDB words them (ENOSPC, EACCES, EISDIR, ENOENT, EROFS, EFBIG, EDQUOT). */
export const refusals =
  /No space left on device|Permission denied|Is a directory|No such file or directory|Read-only file system|File too large|Disk quota exceeded/i;

/**
 * DuckDB's errors about the database's own files, as one line naming the database (exit 1): a file cut short
 * or overwritten in its middle (DuckDB reads blocks only when a query needs them, so such a file opens and
 * fails later: "Could not read enough bytes from file …", "Corrupt database file: computed checksum … does
 * not match"), and the file system refusing a write to the database, its log or its spill folder (a full
 * disk while a sweep commits: "Could not write file "….wal": No space left on device"). Any other error,
 * including one about another file (a Parquet file being imported, an export's output), is returned as it is.
 * @example throw storeFileError(error, "runs.duckdb")
 */
export function storeFileError(error: unknown, path: string): unknown {
  const message = error instanceof Error ? error.message : "";
  // DuckDB names a file by its absolute path: the database, X.wal, X.tmp/… .
  const named = /(?:file|directory) "([^"]*)"/.exec(message)?.[1];
  const database = resolve(path);
  const ours =
    named !== undefined && (resolve(named) === database || resolve(named).startsWith(`${database}.`));
  const damaged = /Corrupt database file/.test(message)
    ? "a block's checksum does not match"
    : ours && /Could not read enough bytes/.test(message)
      ? "it is shorter than its own index says (cut short?)"
      : undefined;
  if (damaged) return new UserError(`database ${path} is damaged: ${damaged}; restore it from a copy`);
  const refused = ours ? refusals.exec(message) : null;
  return refused ? new UserError(`${path}: ${refused[0].toLowerCase()}`) : error;
}

/**
 * The connection, whose queries (`run`, `runAndReadAll`, `stream`) give the errors of the database's own
 * files as one line naming it (`storeFileError`); everything else is the connection's own.
 * @example const connection = guardedConnection(await instance.connect(), "runs.duckdb")
 */
export function guardedConnection(connection: DuckDBConnection, path: string): DuckDBConnection {
  const guarded = new Set<PropertyKey>(["run", "runAndReadAll", "stream"]);
  // Each method is wrapped once, not at every call (a sweep runs thousands of queries).
  const methods = new Map<PropertyKey, unknown>();
  const wrap = (key: PropertyKey, method: (...args: unknown[]) => unknown) =>
    guarded.has(key)
      ? async (...args: unknown[]) => {
          try {
            return await method.apply(connection, args);
          } catch (error) {
            throw storeFileError(error, path);
          }
        }
      : method.bind(connection);
  return new Proxy(connection, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (!methods.has(key)) methods.set(key, wrap(key, value as (...args: unknown[]) => unknown));
      return methods.get(key);
    },
  });
}
