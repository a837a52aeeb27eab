import type { DuckDBValue } from "@duckdb/node-api";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { parseDecimal, sizeSuffixes } from "../parseDecimal.js";

/** Fields `--where` can test, and the SQL column each one is (r = runs, p = points). */
const whereFields: Readonly<Record<string, { column: string; text: boolean }>> = {
  run: { column: "r.name", text: true },
  kind: { column: "r.kind", text: true },
  source: { column: "r.source", text: true },
  status: { column: "r.status", text: true },
  backend: { column: "r.backend", text: true },
  N: { column: "r.n", text: false },
  D: { column: "r.d", text: false },
  Ne: { column: "r.ne", text: false },
  Nd: { column: "r.nd", text: false },
  B: { column: "r.batch_size", text: false },
  bits: { column: "r.bits", text: false },
  seed: { column: "r.seed", text: false },
  step: { column: "p.step", text: false },
  tokens: { column: "p.tokens", text: false },
};

/** A filter as SQL with its bound values: never a value pasted into the SQL text. */
interface WhereClause {
  readonly sql: string;
  readonly values: DuckDBValue[];
  /** Whether it tests point columns (step, tokens). */
  readonly onPoints: boolean;
}

/**
 * Parses `--where` filters into one parameterised SQL condition: `field op value` with op one of
 * = != < <= > >= and ~ (a glob with `*`, for text fields); `run=a,b` matches any of the names. Several
 * filters are all required. Numbers are decimal, with the size suffixes of the command line (`N>=70B`).
 * @example whereClause(["kind=lm", "N>=1e8", "run~25M/*"]) // r.kind IN (?) AND r.n >= ? AND r.name LIKE ? with ["lm", 1e8, "25M/%"]
 */
export function whereClause(filters: readonly string[]): WhereClause {
  const parts: string[] = [];
  const values: DuckDBValue[] = [];
  let onPoints = false;
  for (const filter of filters) {
    const match = /^\s*([A-Za-z]+)\s*(<=|>=|!=|=|<|>|~)\s*(.+?)\s*$/.exec(filter);
    if (!match)
      throw new UserError(`invalid --where ${filter} (expected field op value, e.g. N>=1e8 or run~25M/*)`);
    const [, field, op, raw] = match;
    const spec = ownEntry(whereFields, field!);
    if (!spec)
      throw new UserError(
        `invalid --where ${filter}: unknown field ${field} (fields: ${Object.keys(whereFields).join(", ")})`,
      );
    if (spec.column.startsWith("p.")) onPoints = true;
    if (op === "~") {
      if (!spec.text)
        throw new UserError(
          `invalid --where ${filter}: ~ matches text fields (${Object.keys(whereFields)
            .filter((f) => whereFields[f]!.text)
            .join(", ")})`,
        );
      parts.push(`${spec.column} LIKE ? ESCAPE '\\'`);
      values.push(raw!.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%"));
      continue;
    }
    if (spec.text) {
      if (op !== "=" && op !== "!=")
        throw new UserError(`invalid --where ${filter}: ${field} is text: use =, != or ~`);
      // run=a,b,c: any of the names
      const names = raw!.split(",").map((v) => v.trim());
      // `run=,` or `run=a,,b`: an empty name matches no run and is surely a slip (an empty IN () is no SQL).
      if (names.some((name) => name === ""))
        throw new UserError(
          `invalid --where ${filter}: empty name in the list (expected ${field}=a or ${field}=a,b)`,
        );
      parts.push(
        `${op === "=" ? "" : "NOT "}coalesce(${spec.column} IN (${names.map(() => "?").join(", ")}), false)`,
      );
      values.push(...names);
    } else {
      const value = parseDecimal(raw!, sizeSuffixes);
      if (typeof value !== "number")
        throw new UserError(
          `invalid --where ${filter}: ${raw} is not a ${value === "overflow" ? "finite number" : "decimal number (such as 1e8 or 70B)"}`,
        );
      parts.push(`${spec.column} ${op === "!=" ? "IS DISTINCT FROM" : op} ?`);
      values.push(value);
    }
  }
  return { sql: parts.length ? parts.join(" AND ") : "TRUE", values, onPoints };
}
