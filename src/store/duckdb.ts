import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { guardedConnection, refusals, storeFileError } from "./storeFileError.js";
import { migrations } from "./schema.js";

/** An open store: one DuckDB file and a connection to it. */
export interface Store {
  readonly path: string;
  readonly readOnly: boolean;
  readonly connection: DuckDBConnection;
  close(): void;
}

/**
 * Opens (and for writers creates and migrates) the store at `path`. Only one process may write at a time
 * (DuckDB's file lock): a second one gets "database is in use by another scalefit process (pid …)". Readers
 * open read-only and may be many while nobody writes.
 * @example const store = await openStore("runs.duckdb"); … store.close();
 */
export async function openStore(path: string, { readOnly = false } = {}): Promise<Store> {
  if (readOnly && !existsSync(path))
    throw new UserError(`no database at ${path} (create one with scalefit import … --db ${path})`);
  checkStorePath(path);
  // A query that spills (a sort past the memory limit) writes DuckDB's temporary files beside the database
  // (X.duckdb.tmp). A reader of a database in a folder it cannot write (a read-only mount, another user's
  // folder) spills into a folder of its own in the system's temporary folder, removed when it closes.
  const spill =
    readOnly && !writable(dirname(resolve(path)))
      ? mkdtempSync(join(tmpdir(), "scalefit-spill-"))
      : undefined;
  const removeSpill = () => spill && rmSync(spill, { recursive: true, force: true });
  let instance: DuckDBInstance;
  try {
    // Every query that needs an order says ORDER BY, so bulk inserts may run in parallel.
    const options: Record<string, string> = { preserve_insertion_order: "false" };
    if (readOnly) options.access_mode = "READ_ONLY";
    if (spill) options.temp_directory = spill;
    // Loaded here, not at import: the library's fitting functions need no native module.
    const { DuckDBInstance } = await import("@duckdb/node-api");
    instance = await DuckDBInstance.create(path, options);
  } catch (error) {
    removeSpill();
    throw storeError(error, path);
  }
  const connection = guardedConnection(await instance.connect(), path);
  const store: Store = {
    path,
    readOnly,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
      removeSpill();
    },
  };
  try {
    await migrate(store);
  } catch (error) {
    store.close();
    throw storeError(error, path);
  }
  return store;
}

/**
 * Opens the store (for writing, or read-only), waiting up to `waitSeconds` while another process holds its
 * write lock (retried every quarter second); the lock's error when it is still held after that.
 * @example const store = await openStoreWaiting("runs.duckdb", 30)
 */
export async function openStoreWaiting(
  path: string,
  waitSeconds: number,
  options: { readOnly?: boolean } = {},
): Promise<Store> {
  const deadline = performance.now() + 1000 * waitSeconds;
  for (;;) {
    try {
      return await openStore(path, options);
    } catch (error) {
      if (!isStoreLocked(error) || performance.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Whether an error is another process's write lock on a store (`storeError`'s words).
 * @example isStoreLocked(error) // true for "database runs.duckdb is in use by another scalefit process (pid 12)"
 */
export function isStoreLocked(error: unknown): boolean {
  return (
    error instanceof UserError && / is in use by another scalefit process \(pid \d+\)$/.test(error.message)
  );
}

/** The schema version of a store (0 for an empty file). */
export async function schemaVersion(store: Store): Promise<number> {
  const tables = await rows(
    store,
    "SELECT table_name FROM information_schema.tables WHERE table_name = 'meta'",
  );
  if (tables.length === 0) return 0;
  const version = await rows(store, "SELECT value FROM meta WHERE key = 'schema_version'");
  return version.length ? Number(version[0]!.value) : 0;
}

/**
 * A database path that cannot hold a store, in words before DuckDB tries: a directory, a file in a folder that
 * does not exist.
 */
function checkStorePath(path: string): void {
  if (existsSync(path)) {
    const stat = statSync(path);
    if (stat.isDirectory())
      throw new UserError(`--db ${path} is a directory, not a database file (give a file name inside it)`);
    // DuckDB would read a CSV, Parquet or JSON file named as a database as a table: check its header first.
    if (stat.size > 0 && !isDuckdbFile(path))
      throw new UserError(`${path} is not a scalefit database (not a DuckDB file: give a .duckdb file)`);
    return;
  }
  const folder = dirname(resolve(path));
  if (!existsSync(folder))
    throw new UserError(`--db ${path}: folder ${folder} does not exist (create it first)`);
  if (!statSync(folder).isDirectory()) throw new UserError(`--db ${path}: ${folder} is not a folder`);
}

/** Whether a file starts as a DuckDB database does: the magic bytes "DUCK" at offset 8 of its header. */
function isDuckdbFile(path: string): boolean {
  const header = Buffer.alloc(12);
  const fd = openSync(path, "r");
  try {
    return readSync(fd, header, 0, 12, 0) === 12 && header.toString("latin1", 8, 12) === "DUCK";
  } finally {
    closeSync(fd);
  }
}

async function migrate(store: Store): Promise<void> {
  const current = await schemaVersion(store);
  if (current === 0) {
    // A DuckDB file with tables and no scalefit schema is another program's: never write into it.
    const tables = await rows(
      store,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
    );
    if (tables.length > 0)
      throw new UserError(
        `${store.path} is another program's DuckDB database (tables ${tables
          .slice(0, 5)
          .map((t) => String(t.table_name))
          .join(", ")}${tables.length > 5 ? ", …" : ""}), not a scalefit store: give a new file`,
      );
  }
  if (current > migrations.length) {
    throw new UserError(
      `${store.path} has schema version ${current}, newer than this scalefit (${migrations.length}): upgrade scalefit`,
    );
  }
  if (current === migrations.length) return;
  if (store.readOnly)
    throw new UserError(
      `${store.path} needs a schema upgrade: open it once for writing (scalefit import … --db ${store.path})`,
    );
  await transaction(store, async () => {
    for (let v = current; v < migrations.length; v++) await store.connection.run(migrations[v]!);
    await store.connection.run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [
      String(migrations.length),
    ]);
  });
  // Write the new schema into the database file now. DuckDB 1.5 cannot replay an ALTER TABLE of a table
  // with a `DEFAULT current_timestamp` column from the write-ahead log (measured: "Failure while replaying
  // WAL file … no default database set"), so a process killed before its first automatic checkpoint would
  // leave a database that no longer opens.
  await store.connection.run("CHECKPOINT");
}

/**
 * Runs `work` in one transaction: committed when it resolves, rolled back when it throws, so a failed write
 * leaves the database as it was.
 * @example await transaction(store, async () => { await store.connection.run("INSERT …") })
 */
export async function transaction<T>(store: Store, work: () => Promise<T>): Promise<T> {
  await store.connection.run("BEGIN TRANSACTION");
  try {
    const result = await work();
    await store.connection.run("COMMIT");
    return result;
  } catch (error) {
    await store.connection.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Rows of a query as plain objects (numbers for BIGINTs that fit a double). */
export async function rows(
  store: Store,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<Record<string, unknown>[]> {
  const reader = await store.connection.runAndReadAll(sql, values);
  return reader
    .getRowObjectsJS()
    .map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
    );
}

/** The store's error in words: a lock held by another process, a file that is not a database. */
export function storeError(error: unknown, path: string): Error {
  if (error instanceof UserError) return error;
  const own = storeFileError(error, path);
  if (own !== error) return own as UserError;
  const message = (error as Error)?.message ?? String(error);
  const lock = /Conflicting lock is held in .*\(PID (\d+)\)/.exec(message);
  if (lock) return new UserError(`database ${path} is in use by another scalefit process (pid ${lock[1]})`);
  if (
    /not a valid DuckDB database file|Unable to read|Invalid Input|The file is not a valid/i.test(message)
  ) {
    return new UserError(`${path} is not a scalefit database (${message.split("\n")[0]})`);
  }
  // The file system's refusals, whichever file they name (the database's folder, its lock).
  const environment = refusals.exec(message);
  if (environment) return new UserError(`${path}: ${environment[0].toLowerCase()}`);
  return error as Error;
}

/**
 * Numeric columns of a query as Float64Arrays (NULL as NaN), read chunk by chunk: no row objects, so 1e7 rows
 * cost 8 bytes per cell. Each selected column must be a number (cast it in the SQL).
 * @example const [runId, loss] = await numberColumns(store, "SELECT run_id::DOUBLE, loss FROM points")
 */
export async function numberColumns(
  store: Store,
  sql: string,
  values: DuckDBValue[] = [],
): Promise<Float64Array[]> {
  // Counted first, so each column is allocated once at its size and filled chunk by chunk (2,048 rows).
  const [counted] = await rows(store, `SELECT count(*) AS n FROM (${sql})`, values);
  const result = await store.connection.stream(sql, values);
  let columns = Array.from({ length: result.columnCount }, () => new Float64Array(Number(counted!.n)));
  let length = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const count = chunk.rowCount;
    if (length + count > columns[0]!.length)
      // More rows than counted (never, in a database one process holds): grow.
      columns = columns.map((column) => {
        const grown = new Float64Array(2 * (length + count));
        grown.set(column.subarray(0, length));
        return grown;
      });
    for (const [j, column] of columns.entries()) {
      const vector = chunk.getColumnVector(j);
      // A DOUBLE vector without NULLs is copied whole from its items (the node-api's own fields, pinned with
      // its version); any other is read item by item, NULL as NaN.
      const { items, validity } = vector as unknown as { items?: unknown; validity?: { data?: unknown } };
      if (items instanceof Float64Array && items.length === count && validity?.data === null)
        column.set(items, length);
      else
        for (let i = 0; i < count; i++) {
          const value = vector.getItem(i);
          column[length + i] = value === null ? NaN : Number(value);
        }
    }
    length += count;
  }
  return length === columns[0]!.length ? columns : columns.map((column) => column.slice(0, length));
}

/** Whether this process may create files in `folder` (false on a read-only mount, even for root). */
function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
