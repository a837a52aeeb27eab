import type { Table as ArrowTable } from "apache-arrow";
import { UserError } from "../../errors.js";
import type { Table } from "../../data/readTable.js";

/**
 * An Arrow IPC file (file or stream format) as a raw table of columns, so it goes through the same role
 * mapping and checks as CSV; rows are numbered from 1. A truncated or corrupt file is an error naming it.
 * @example arrowTable("runs.arrow", bytes, digest).columns
 */
export async function arrowTable(file: string, bytes: Uint8Array, digest: string): Promise<Table> {
  const { DataType, Precision, tableFromIPC } = await import("apache-arrow");
  let table: ArrowTable;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new UserError(
      `${file} is not a readable Arrow IPC file (${(error as Error).message.split("\n")[0]})`,
    );
  }
  if (table.numRows === 0) throw new UserError(`${file} has no data rows`);
  // By column name in a Map: a column named `__proto__` is an own key of the table's cells like any other.
  const cells = new Map<string, (string | number | undefined)[]>();
  const columns: string[] = [];
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (!vector) continue;
    columns.push(field.name);
    const values: (string | number | undefined)[] = new Array(table.numRows);
    if (vector.nullCount === 0 && DataType.isFloat(field.type) && field.type.precision !== Precision.HALF) {
      // Floats without nulls: the column's typed array, read once.
      const typed = vector.toArray() as Float64Array | Float32Array;
      for (let i = 0; i < table.numRows; i++) values[i] = typed[i];
      cells.set(field.name, values);
      continue;
    }
    for (let i = 0; i < table.numRows; i++) {
      const v = vector.get(i) as unknown;
      values[i] =
        v === null || v === undefined
          ? undefined
          : typeof v === "bigint"
            ? Number(v)
            : typeof v === "number"
              ? v
              : String(v);
    }
    cells.set(field.name, values);
  }
  return {
    file,
    columns,
    cells: Object.fromEntries(cells),
    lines: Array.from({ length: table.numRows }, (_, i) => i + 1),
    digest,
    rowWord: "row",
  };
}
