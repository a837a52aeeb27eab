import { UserError } from "../errors.js";
import { rows, type Store } from "./duckdb.js";
import { gradientNoiseColumns, runColumns } from "./schema.js";
import { formatValue, roleOf, rowAt, staged, type SourceLabel, type Staging } from "./staging.js";

/**
 * The checks of staged rows, each a named query that finds the first offending row of a staging table (in
 * file order) and says what is wrong with it. `checkStaged` runs them in the order their failures are
 * reported; the row checks share one scan of the table.
 */

const metaNames = Object.keys(runColumns);

/** A test of single rows: SQL true on a bad row, the column a failure names, the message for its value. */
interface RowCheck {
  readonly column: string;
  readonly test: string;
  readonly message: (value: unknown) => string;
}

/** Finds a row without a run name. */
const emptyRun: RowCheck = {
  column: "run",
  test: "run IS NULL OR trim(run) = ''",
  message: () => "empty value",
};

/** Finds a train or eval loss that is not positive and finite. */
const badLoss = (column: string): RowCheck => ({
  column,
  test: `${column} IS NOT NULL AND NOT (isfinite(${column}) AND ${column} > 0)`,
  message: (v) => `${formatValue(v)} is not a positive finite loss`,
});

/** Finds a learning rate that is negative or not finite. */
const badLearningRate: RowCheck = {
  column: "lr",
  test: "lr IS NOT NULL AND NOT (isfinite(lr) AND lr >= 0)",
  message: (v) => `learning rate ${formatValue(v)} is ${Number(v) < 0 ? "negative" : "not a finite number"}`,
};

/** Finds a step that is not a whole non-negative number. */
const badStep: RowCheck = {
  column: "step",
  // Steps are stored as BIGINT and read back as doubles: at most 2^53 - 1, the largest exact one.
  test: "step IS NOT NULL AND NOT (isfinite(step) AND step >= 0 AND step = floor(step) AND step <= 9007199254740991)",
  message: (v) =>
    Number(v) > 9007199254740991 && Number(v) === Math.floor(Number(v))
      ? `${formatValue(v)} is too large for a step count (at most 2^53 - 1 = 9007199254740991)`
      : `${formatValue(v)} is not a whole number of steps`,
};

/** Finds tokens, flops or numeric run metadata that are not positive and finite (0 where the column allows it). */
const badSize = (column: string): RowCheck => {
  const spec = (runColumns as Record<string, { zero?: boolean }>)[column];
  const zeroAllowed = spec?.zero === true || column.endsWith("_norm2");
  return {
    column,
    test: `${column} IS NOT NULL AND NOT (isfinite(${column}) AND ${column} ${zeroAllowed ? ">=" : ">"} 0)`,
    message: (v) => `${formatValue(v)} is not a ${zeroAllowed ? "non-negative" : "positive"} finite number`,
  };
};

/** Finds a row with no loss and no learning rate. */
const noLossNorLr = (staging: Staging): RowCheck => ({
  column: "train_loss",
  test: ["train_loss", "eval_loss", "lr"].map((c) => `${staged(staging, c)} IS NULL`).join(" AND "),
  message: () => "the row has no loss and no learning rate",
});

/** The row checks of a staging table's columns, in the order their failures are reported. */
function rowChecks(staging: Staging): RowCheck[] {
  const has = (column: string) => staging.columns.has(column);
  const sizes = [
    "tokens",
    "flops",
    ...gradientNoiseColumns,
    ...metaNames.filter((c) => runColumns[c as keyof typeof runColumns].type === "DOUBLE"),
  ];
  return [
    emptyRun,
    ...["train_loss", "eval_loss"].filter(has).map((c) => badLoss(c)),
    ...(has("lr") ? [badLearningRate] : []),
    ...(has("step") ? [badStep] : []),
    ...sizes.filter(has).map((c) => badSize(c)),
    noLossNorLr(staging),
  ];
}

/** A staging table with what its one scan found: the checks below read it. */
interface Scanned {
  readonly store: Store;
  readonly staging: Staging;
  readonly label: SourceLabel;
  readonly rowChecks: readonly RowCheck[];
  /** `rows`; non-null counts of step and metadata; the first row failing row check i (`check_i`), and with fewer tokens than steps (`units`). */
  readonly scan: Record<string, unknown>;
}

/** A check of the staged rows: the message naming the first offending row, or undefined. */
type StagingCheck = (scanned: Scanned) => Promise<string | undefined>;

/** One scan of the staging table: row and column counts, and the first row failing each row check. */
async function scanStaged(
  store: Store,
  staging: Staging,
  checks: readonly RowCheck[],
): Promise<Record<string, unknown>> {
  const has = staging.columns;
  const counted = ["step", ...metaNames].filter((c) => has.has(c));
  return (
    await rows(
      store,
      `SELECT count(*) AS rows${counted.map((c) => `, count(${c}) AS ${c}`).join("")}${checks.map((c, i) => `, min(source_row) FILTER (WHERE ${c.test}) AS check_${i}`).join("")}${has.has("tokens") && has.has("step") ? ", min(source_row) FILTER (WHERE tokens < step) AS units" : ""} FROM ${staging.table}`,
    )
  )[0]!;
}

/** How a message names a cell: `file line 12, column step`. */
const where = (label: SourceLabel, row: unknown, column: string) => `${rowAt(label, row)}, column ${column}`;

/** The first row of a query in file order. */
const first = async (store: Store, sql: string): Promise<Record<string, unknown> | undefined> =>
  (await rows(store, `${sql} ORDER BY source_row LIMIT 1`))[0];

/** The scan's count of non-null values of a column (0 for a column the table lacks). */
const count = (scan: Record<string, unknown>, column: string) => (scan[column] as number | undefined) ?? 0;

/** Finds a file with no data rows. */
const noRows: StagingCheck = async ({ label, scan }) =>
  (scan.rows as number) === 0 ? `${label.file} has no data rows` : undefined;

/** Finds the first row failing a row check (the scan found the row; this reads its value for the message). */
const failedRowCheck: StagingCheck = async ({ store, staging, label, rowChecks, scan }) => {
  for (const [i, check] of rowChecks.entries()) {
    const row = scan[`check_${i}`];
    if (row === null || row === undefined) continue;
    const bad = (
      await rows(
        store,
        `SELECT ${staged(staging, check.column)} AS value FROM ${staging.table} WHERE source_row = ?`,
        [row as number],
      )
    )[0]!;
    return `${where(label, row, roleOf(check.column))}: ${check.message(bad.value)}`;
  }
  return undefined;
};

/** Finds a step that does not increase within its run: a duplicate, or one after a larger step. */
const stepOrder: StagingCheck = async ({ store, staging, label, scan }) => {
  if (count(scan, "step") === 0) return undefined;
  const t = staging.table;
  // Partitioned by an integer key per run: sorting on it is cheaper than on the names.
  await store.connection.run(
    `CREATE OR REPLACE TEMP TABLE ${t}_keys AS SELECT run, row_number() OVER () AS run_key FROM (SELECT DISTINCT run FROM ${t})`,
  );
  const order = await first(
    store,
    `SELECT source_row, (SELECT run FROM ${t}_keys WHERE run_key = w.run_key) AS run, step, previous FROM (SELECT s.source_row, k.run_key, s.step, lag(s.step) OVER (PARTITION BY k.run_key ORDER BY s.source_row) AS previous FROM ${t} s JOIN ${t}_keys k ON k.run = s.run) w WHERE step <= previous`,
  );
  await store.connection.run(`DROP TABLE ${t}_keys`);
  if (!order) return undefined;
  return `${where(label, order.source_row, "step")}: step ${order.step} of run ${order.run} ${order.step === order.previous ? "is duplicated" : `comes after step ${order.previous}`} (steps must increase within a run)`;
};

/** Finds a row without a step in a run of several rows. */
const missingStep: StagingCheck = async ({ store, staging, label, scan }) => {
  if (count(scan, "step") >= (scan.rows as number)) return undefined;
  const repeat = await first(
    store,
    `SELECT source_row, run FROM (SELECT source_row, run, count(*) OVER (PARTITION BY run) AS n, count(${staged(staging, "step")}) OVER (PARTITION BY run) AS stepped FROM ${staging.table}) WHERE n > 1 AND stepped < n`,
  );
  if (!repeat) return undefined;
  return `${where(label, repeat.source_row, "step")}: run ${repeat.run} has several rows, so every row needs a step`;
};

/** Finds fewer tokens than steps on a row (a tokens column that counts steps). */
const tokensBelowSteps: StagingCheck = async ({ store, staging, label, scan }) => {
  if (scan.units === null || scan.units === undefined) return undefined;
  const units = (
    await rows(store, `SELECT source_row, tokens, step FROM ${staging.table} WHERE source_row = ?`, [
      scan.units as number,
    ])
  )[0];
  if (!units) return undefined;
  return `${where(label, units.source_row, "tokens")}: ${formatValue(units.tokens)} tokens at step ${units.step}: fewer tokens than steps (is the column a step count?)`;
};

/** Finds run metadata that changes within a run. */
const varyingMetadata: StagingCheck = async ({ store, staging, label, scan }) => {
  const t = staging.table;
  const meta = metaNames.filter((c) => count(scan, c) > 0);
  if (!meta.length) return undefined;
  // Cheap test first: do any runs carry two values of a metadata column?
  const varying = (
    await rows(
      store,
      `SELECT ${meta.map((c) => `bool_or(v_${c}) AS ${c}`).join(", ")} FROM (SELECT run, ${meta.map((c) => `min(${c}) <> max(${c}) OR (count(${c}) < count(*) AND count(${c}) > 0) AS v_${c}`).join(", ")} FROM ${t} GROUP BY run)`,
    )
  )[0]!;
  for (const column of meta.filter((c) => varying[c])) {
    const bad = await first(
      store,
      `SELECT source_row, run, ${column} AS value, reference FROM (SELECT source_row, run, ${column}, first(${column}) OVER (PARTITION BY run ORDER BY source_row ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS reference FROM ${t}) WHERE ${column} IS DISTINCT FROM reference`,
    );
    if (bad)
      return `${where(label, bad.source_row, roleOf(column))}: run ${bad.run} has ${roleOf(column)} = ${formatValue(bad.reference)} on its first row and ${formatValue(bad.value)} here (run metadata must not change within a run)`;
  }
  return undefined;
};

/** The checks of staged rows, in the order their failures are reported. */
const stagingChecks: readonly StagingCheck[] = [
  noRows,
  failedRowCheck,
  stepOrder,
  missingStep,
  tokensBelowSteps,
  varyingMetadata,
];

/**
 * Checks the staged rows and throws a `UserError` naming the first bad one: losses finite and positive,
 * learning rates finite and non-negative, steps whole and increasing within a run (no duplicates), tokens not
 * fewer than steps (tokens must count tokens), sizes positive, run metadata constant within a run, and every
 * row carrying a loss or a learning rate.
 */
export async function checkStaged(store: Store, staging: Staging, label: SourceLabel): Promise<void> {
  const checks = rowChecks(staging);
  const scanned: Scanned = {
    store,
    staging,
    label,
    rowChecks: checks,
    scan: await scanStaged(store, staging, checks),
  };
  for (const check of stagingChecks) {
    const message = await check(scanned);
    if (message !== undefined) throw new UserError(message);
  }
}
