import type { DuckDBConnection } from "@duckdb/node-api";
import { resolve } from "node:path";
import { UserError } from "../errors.js";

/**
 * DuckDB reads a database's blocks only when a query needs them, so a file cut short or overwritten in its
 * middle opens and fails later, in any query, as "IO Error: Could not read enough bytes from file …" or
 * "Corrupt database file: computed checksum … does not match". Those are the file's fault, not scalefit's:
 * one line naming the database, exit 1. Any other error, including a short read of another file (a
 * Parquet file being imported), is returned as it is.
 * @example throw damagedStoreError(error, "runs.duckdb")
 */
export function damagedStoreError(error: unknown, path: string): unknown {
  const message = error instanceof Error ? error.message : "";
  const short = /Could not read enough bytes from file "([^"]*)"/.exec(message);
  // DuckDB names the file by its absolute path.
  const ours = short
    ? [resolve(path), `${resolve(path)}.wal`].includes(resolve(short[1]!))
    : /Corrupt database file/.test(message);
  if (!ours) return error;
  const words = short
    ? "it is shorter than its own index says (cut short?)"
    : "a block's checksum does not match";
  return new UserError(`database ${path} is damaged: ${words}; restore it from a copy`);
}

/**
 * The connection, whose queries (`run`, `runAndReadAll`, `stream`) give a damaged database's errors as one
 * line naming it (`damagedStoreError`); everything else is the connection's own.
 * @example const connection = guardedConnection(await instance.connect(), "runs.duckdb")
 */
export function guardedConnection(connection: DuckDBConnection, path: string): DuckDBConnection {
  const guarded = new Set<PropertyKey>(["run", "runAndReadAll", "stream"]);
  return new Proxy(connection, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!guarded.has(key)) return method.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (error) {
          throw damagedStoreError(error, path);
        }
      };
    },
  });
}
