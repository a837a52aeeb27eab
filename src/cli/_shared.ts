import { UserError } from "../errors.js";
import { parseDecimal, sizeSuffixes } from "../parseDecimal.js";
import { maxBootstrap } from "../fit/checkFitOptions.js";
import { jsonText } from "../json.js";
import { backendNames } from "../trainers/backend.js";
import type { ParamSpec } from "../dataTypes.js";
import type { CliIO, OptionDef, OptionValues } from "./_command.js";

/** Options every command shares, declared once. */
export const sharedOptions = {
  json: { type: "boolean", description: "print one JSON document on stdout and nothing else" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies Record<string, OptionDef>;

/** Options of the commands that train (train, sweep). */
export const trainerOptions = {
  backend: {
    type: "string",
    value: "<name>",
    description: `${backendNames.join(", ")} (default auto)`,
  },
  threads: {
    type: "string",
    value: "<n>",
    description:
      "data-parallel threads on wasm and cpu (default: every core up to 4 when a step is big enough)",
  },
} as const satisfies Record<string, OptionDef>;

/** Options of commands that read data and fit a law. */
export const dataOptions = {
  data: {
    type: "string",
    value: "<file>",
    description:
      "data file: CSV, TSV, JSONL, Parquet or Arrow, with columns named by role (N, D, C, loss, run, …)",
  },
  map: {
    type: "string",
    multiple: true,
    value: "<role=column>",
    description: "rename columns to roles, e.g. loss=val_loss,N=params",
  },
  "drop-highest": {
    type: "string",
    value: "<k>",
    description: "drop the k points with the highest loss (Epoch drops 5 of Chinchilla's)",
  },
  log: {
    type: "string",
    multiple: true,
    value: "<names>",
    description: "parameters fitted as logarithms, e.g. E,A,B",
  },
  fix: {
    type: "string",
    multiple: true,
    value: "<name=value>",
    description: "hold a parameter fixed, e.g. E=0",
  },
  bounds: {
    type: "string",
    multiple: true,
    value: "<name=min:max>",
    description: "parameter bounds, either side may be empty, e.g. alpha=0:2",
  },
  grid: {
    type: "string",
    multiple: true,
    value: "<name=from:to:count>",
    description: "starting grid of a parameter, e.g. alpha=0.1:1.5:8",
  },
  init: {
    type: "string",
    multiple: true,
    value: "<name=value>",
    description: "starting value of a parameter",
  },
  loss: { type: "string", value: "<name>", description: "huber (default), linear, softL1 or cauchy" },
  delta: {
    type: "string",
    value: "<d>",
    description: "where the robust loss bends (default 1e-3, Hoffmann et al.)",
  },
  space: { type: "string", value: "<log|linear>", description: "compare log losses (default) or losses" },
  intervals: { type: "string", value: "<method>", description: "bootstrap (default), covariance or none" },
  bootstrap: {
    type: "string",
    value: "<k>",
    description: `bootstrap refits resampling runs (default 1000, at most ${maxBootstrap})`,
  },
  level: { type: "string", value: "<p>", description: "confidence level of intervals (default 0.95)" },
  seed: { type: "string", value: "<s>", description: "seed of the bootstrap (default 1)" },
  holdout: {
    type: "string",
    value: "<rule>",
    description: "fit on small runs, test on the rest: C:0.125, N:0.25 or D:0.25",
  },
} as const satisfies Record<string, OptionDef>;

/** A required string option, or a `UserError` naming it. */
export function requireOption(values: OptionValues, name: string, command: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") {
    throw new UserError(`scalefit ${command} needs --${name} (see scalefit ${command} --help)`);
  }
  return value;
}

/**
 * A number from the command line, in decimal or exponent form (`0x10`, `0b11` and `Infinity` are refused);
 * sizes may carry a suffix K, M, B (or G), T or P: `70B`, `1.4T`. The value is finite.
 * @example parseNumber("1.4T", "--at") // 1.4e12
 */
export function parseNumber(text: string, option: string): number {
  const value = parseDecimal(text, sizeSuffixes);
  if (value === undefined)
    throw new UserError(`invalid ${option}: ${text} (expected a decimal number such as 1000, 1e-3 or 70B)`);
  if (value === "overflow")
    throw new UserError(`invalid ${option}: ${text} (too large: numbers end near 1.8e308)`);
  return value;
}

/** An optional number option with a check. */
export function numberOption(
  values: OptionValues,
  name: string,
  check: (v: number) => boolean = () => true,
  expected = "a number",
): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = parseNumber(String(text), `--${name}`);
  if (!check(value)) throw new UserError(`invalid --${name}: ${text} (expected ${expected})`);
  return value;
}

/**
 * `--bootstrap`: a whole number of refits, at most the library's `maxBootstrap` (checked before any data
 * are read).
 * @example bootstrapOption({bootstrap: "1e8"}) // throws: invalid --bootstrap: 1e8 (expected a whole number up to 100000)
 */
export function bootstrapOption(values: OptionValues): number | undefined {
  return numberOption(
    values,
    "bootstrap",
    (v) => Number.isInteger(v) && v >= 0 && v <= maxBootstrap,
    `a whole number up to ${maxBootstrap}`,
  );
}

/** The values of a repeatable option as given (not split on commas: `--where run=a,b`). */
export function repeatedOption(values: OptionValues, name: string): string[] {
  const raw = values[name];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}

/** Comma-separated items of a repeatable option. */
export function listOption(values: OptionValues, name: string): string[] {
  const raw = values[name];
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return items
    .flatMap((item) => item.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * `name=value` pairs of a repeatable option: `--at N=7e10,D=1.4e12` → {N: 7e10, D: 1.4e12}. Every name is
 * an own key, `__proto__` and `constructor` included (collected in a Map), for its reader to refuse.
 * @example parseAssignments(["N=7e10,D=1.4e12"], "--at")
 */
export function parseAssignments(items: readonly string[], option: string): Record<string, number> {
  const out = new Map<string, number>();
  const given = new Map<string, string>();
  for (const item of items.flatMap((i) => i.split(","))) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(item);
    if (!match) throw new UserError(`invalid ${option} ${item} (expected name=value)`);
    const name = match[1]!;
    if (given.has(name)) throw twice(option, name, given.get(name)!, item.trim());
    given.set(name, item.trim());
    out.set(name, parseNumber(match[2]!, `${option} ${name}`));
  }
  return Object.fromEntries(out);
}

/** The error of a name given twice to one option (`--fix E=1,E=2`): which value was meant is unknowable. */
function twice(option: string, name: string, first: string, second: string): UserError {
  return new UserError(`invalid ${option}: ${name} is given twice (${first} and ${second})`);
}

/** Parameter spec overrides from --bounds, --grid, --init and --log, by name (every name an own key). */
export function parameterOverrides(values: OptionValues): Record<string, Partial<Omit<ParamSpec, "name">>> {
  const out = new Map<
    string,
    { min?: number; max?: number; grid?: number[]; value?: number; log?: boolean }
  >();
  const entry = (name: string) => {
    if (!out.has(name)) out.set(name, {});
    return out.get(name)!;
  };
  const bounds = new Map<string, string>();
  for (const item of listOption(values, "bounds")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^:]*):([^:]*)$/.exec(item);
    if (!match)
      throw new UserError(`invalid --bounds ${item} (expected name=min:max, e.g. alpha=0:2 or E=0:)`);
    const [, name, lo, hi] = match;
    if (bounds.has(name!)) throw twice("--bounds", name!, bounds.get(name!)!, item);
    bounds.set(name!, item);
    const min = lo ? parseNumber(lo, `--bounds ${name}`) : undefined;
    const max = hi ? parseNumber(hi, `--bounds ${name}`) : undefined;
    if (min !== undefined && max !== undefined && !(min < max))
      throw new UserError(
        `invalid --bounds ${item} (min ${lo} is ${min === max ? "equal to" : "above"} max ${hi}: write name=min:max with min < max${min === max ? ", or --fix the parameter" : ""})`,
      );
    if (min !== undefined) entry(name!).min = min;
    if (max !== undefined) entry(name!).max = max;
  }
  const grids = new Map<string, string>();
  for (const item of listOption(values, "grid")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^:]+):([^:]+):([^:]+)$/.exec(item);
    if (!match)
      throw new UserError(`invalid --grid ${item} (expected name=from:to:count, e.g. alpha=0.1:1.5:8)`);
    const [, name, a, b, c] = match;
    if (grids.has(name!)) throw twice("--grid", name!, grids.get(name!)!, item);
    grids.set(name!, item);
    const from = parseNumber(a!, `--grid ${name}`);
    const to = parseNumber(b!, `--grid ${name}`);
    const count = parseNumber(c!, `--grid ${name}`);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw new UserError(`invalid --grid ${item} (count must be a whole number from 1 to 1000)`);
    }
    entry(name!).grid = Array.from({ length: count }, (_, i) =>
      count === 1 ? from : from + ((to - from) * i) / (count - 1),
    );
  }
  for (const [name, value] of Object.entries(parseAssignments(listOption(values, "init"), "--init")))
    entry(name).value = value;
  for (const name of listOption(values, "log")) entry(name).log = true;
  return Object.fromEntries(out);
}

/** Prints one JSON document: NaN and infinities become null, typed arrays become arrays. */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout(jsonText(value, 2) + "\n");
}

/**
 * A progress callback: a bar on an interactive terminal, nothing in CI, with --json, or when stderr is
 * not a terminal.
 */
export async function progressFor(
  io: CliIO,
  json: boolean,
): Promise<{ onProgress?: (done: number, total: number, stage: string) => void; stop(): void }> {
  if (json || !io.isTTY || io.env.CI) return { stop() {} };
  const { default: progress } = await import("cli-progress");
  const bar = new progress.SingleBar(
    {
      format: "  {stage} [{bar}] {value}/{total} ({eta}s left)",
      clearOnComplete: true,
      hideCursor: true,
      stream: process.stderr,
    },
    progress.Presets.shades_classic,
  );
  let started = false;
  let current = "";
  return {
    onProgress(done, total, stage) {
      if (!started || stage !== current) {
        if (started) bar.stop();
        bar.start(total, done, { stage });
        started = true;
        current = stage;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
