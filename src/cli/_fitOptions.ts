import { parseMap } from "../data/observations.js";
import { UserError } from "../errors.js";
import { parseHoldout, type HoldoutRule } from "../fit/backtest.js";
import { resolveLaw } from "../fit/laws/index.js";
import type { FitOptions, IntervalMethod, Law, LossName } from "../types.js";
import type { OptionValues } from "./_command.js";
import { listOption, numberOption, parameterOverrides, parseAssignments, parseNumber } from "./_shared.js";

/**
 * The law named on the command line, configured by --x, --formula, --inputs and --log. With `shared`
 * (compare: several laws, one command line) --x goes to power only and --formula to custom only.
 */
export async function lawFrom(values: OptionValues, name: string, { shared = false } = {}): Promise<Law> {
  const inputs = listOption(values, "inputs");
  const log = listOption(values, "log");
  const x = typeof values.x === "string" && (!shared || name === "power") ? values.x : undefined;
  const formula =
    typeof values.formula === "string" && (!shared || name === "custom") ? values.formula : undefined;
  const targets = listOption(values, "targets").map((text) => parseNumber(text, "--targets"));
  return resolveLaw(name, {
    ...(targets.length ? { targets } : {}),
    ...(x !== undefined ? { x } : {}),
    ...(formula !== undefined ? { formula } : {}),
    ...(inputs.length ? { inputs } : {}),
    ...(name === "custom" && log.length ? { log } : {}),
  });
}

/** Fit options from the command line (only what was given; the library fills the defaults). */
export function fitOptionsFrom(
  values: OptionValues,
  { defaultIntervals }: { defaultIntervals?: IntervalMethod } = {},
): FitOptions {
  const bootstrap = numberOption(values, "bootstrap", (v) => Number.isInteger(v) && v >= 0, "a whole number");
  let intervals = values.intervals as IntervalMethod | undefined;
  if (intervals === undefined) intervals = bootstrap !== undefined ? "bootstrap" : defaultIntervals;
  if (bootstrap !== undefined && intervals !== "bootstrap") {
    throw new UserError(`--bootstrap ${bootstrap} conflicts with --intervals ${intervals}`);
  }
  const fix = parseAssignments(listOption(values, "fix"), "--fix");
  const params = parameterOverrides(values);
  const delta = numberOption(values, "delta", (v) => v > 0, "a positive number");
  const level = numberOption(values, "level", (v) => v > 0 && v < 1, "a number between 0 and 1");
  const seed = numberOption(values, "seed", Number.isInteger, "an integer");
  return {
    ...(values.loss !== undefined ? { loss: values.loss as LossName } : {}),
    ...(delta !== undefined ? { delta } : {}),
    ...(values.space !== undefined ? { space: values.space as "log" | "linear" } : {}),
    ...(Object.keys(fix).length ? { fix } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(intervals !== undefined ? { intervals } : {}),
    ...(bootstrap !== undefined ? { bootstrap } : {}),
    ...(level !== undefined ? { level } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/** Data-loading options from the command line. */
export function loadOptionsFrom(values: OptionValues): { map: Record<string, string>; dropHighest: number } {
  const dropHighest =
    numberOption(values, "drop-highest", (v) => Number.isInteger(v) && v >= 0, "a whole number") ?? 0;
  return { map: parseMap(listOption(values, "map")), dropHighest };
}

/** The --holdout rule, if given. */
export function holdoutFrom(values: OptionValues): HoldoutRule | undefined {
  return typeof values.holdout === "string" ? parseHoldout(values.holdout) : undefined;
}
