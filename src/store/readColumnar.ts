import { extname } from "node:path";
import { readBytes, sha256Digest, type Table } from "../data/readTable.js";
import { UserError } from "../errors.js";
import { arrowTable } from "./importers/arrow.js";

/** Extensions `readColumnarTable` reads. */
const columnarFormats = [".parquet", ".arrow", ".feather", ".ipc"] as const;

/**
 * Whether a data file is Parquet or Arrow IPC (read by the store) rather than text, by its extension.
 * @example isColumnar("sweep.parquet") // true
 */
export function isColumnar(file: string): boolean {
  return (columnarFormats as readonly string[]).includes(extname(file).toLowerCase());
}

/**
 * A Parquet (read by an in-memory DuckDB) or Arrow IPC file (read by apache-arrow) as a raw table of
 * columns, so `--data file.parquet` goes through the same roles, `--map` and checks as a CSV file; rows are
 * numbered from 1 and messages name them as rows.
 * @example await readColumnarTable("sweep.parquet") // {columns: ["run", "step", "loss"], …}
 */
export async function readColumnarTable(file: string): Promise<Table> {
  const bytes = readBytes(file);
  const digest = sha256Digest(bytes);
  if (extname(file).toLowerCase() !== ".parquet") return arrowTable(file, bytes, digest);
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    let columns: Record<string, unknown[]>;
    try {
      const reader = await connection.runAndReadAll("SELECT * FROM read_parquet(?)", [exactPath(file)]);
      columns = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    } catch (error) {
      throw unreadableParquet(file, error);
    }
    const names = Object.keys(columns);
    const rows = names.length ? columns[names[0]!]!.length : 0;
    if (rows === 0) throw new UserError(`${file} has no data rows`);
    const cells = new Map<string, (string | number | undefined)[]>();
    for (const name of names) {
      const values = columns[name]!.map((v) =>
        v === null || v === undefined
          ? undefined
          : typeof v === "number"
            ? v
            : typeof v === "bigint"
              ? Number(v)
              : v instanceof Date
                ? v.toISOString()
                : String(v),
      );
      cells.set(name, values);
    }
    return {
      file,
      columns: names,
      cells: Object.fromEntries(cells),
      lines: Array.from({ length: rows }, (_, i) => i + 1),
      digest,
      rowWord: "row",
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The one-line error for a Parquet file DuckDB cannot read: its message's first line, made printable.
 * @example unreadableParquet("x.parquet", error).message // "x.parquet is not a readable Parquet file (…)"
 */
export function unreadableParquet(file: string, error: unknown): UserError {
  const reason = ((error as Error)?.message ?? String(error))
    .split("\n")[0]!
    // Control characters of a native error message are replaced, so the message stays one printable line.
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]/g, "?");
  return new UserError(`${file} is not a readable Parquet file (${reason})`);
}

/**
 * A file name as DuckDB's readers take it literally: its glob characters escaped in brackets (`*` → `[*]`,
 * `?` → `[?]`, `[` → `[[]`), so `x*.parquet` reads that file and not `xa.parquet` beside it.
 * @example exactPath("runs/x*.parquet") // "runs/x[*].parquet"
 */
export function exactPath(file: string): string {
  return file.replace(/[*?[]/g, (c) => `[${c}]`);
}
