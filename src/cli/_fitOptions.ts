import { parseMap } from "../data/observations.js";
import { UserError } from "../errors.js";
import { parseHoldout, type HoldoutRule } from "../predict/backtest.js";
import { lawDefinition, lawOptions, resolveLaw } from "../fit/laws/index.js";
import type { FitOptions, IntervalMethod, LossName, OptionValue } from "../dataTypes.js";
import type { Law } from "../types.js";
import type { OptionDef, OptionValues } from "./_command.js";
import { flagOf, readOption } from "./_options.js";
import {
  bootstrapOption,
  dataOptions,
  listOption,
  numberOption,
  parameterOverrides,
  parseAssignments,
} from "./_shared.js";

/**
 * The law options as flags (`--x`, `--formula`, `--inputs`, `--targets`, …), each described with the laws
 * that take it; hidden ones (constants read from a saved fit) are left out.
 */
export const lawFlags: Readonly<Record<string, OptionDef>> = Object.fromEntries(
  [...lawOptions()]
    // --log is also every law's parameter override (dataOptions), described there.
    .filter(([key, option]) => !option.spec.hidden && !Object.hasOwn(dataOptions, key))
    .map(([key, option]) => [key, flagOf(option.spec, option.laws)]),
);

/**
 * The law named on the command line, configured by the flags of its options. A law flag given for a law
 * that does not take it is refused (by `resolveLaw`); with `others` (compare and report: the laws of one
 * command line) each law takes the flags it has, and a flag none of them takes is refused. `--log` is also a
 * parameter override of every law, so it is passed only to the laws that take it.
 */
export async function lawFrom(
  values: OptionValues,
  name: string,
  { others = [] as readonly string[] } = {},
): Promise<Law> {
  const own = lawDefinition(name).options ?? {};
  const request: Record<string, OptionValue> = {};
  for (const [key, option] of lawOptions()) {
    if (option.spec.hidden || values[key] === undefined) continue;
    const takes = Object.hasOwn(own, key);
    // A flag that is also every law's option (--log: parameters fitted as logarithms) goes to the laws that
    // declare it only; in compare, a flag another compared law takes is that law's.
    if (!takes && (Object.hasOwn(dataOptions, key) || option.laws.some((law) => others.includes(law))))
      continue;
    if (!takes && others.length)
      throw new UserError(
        `--${key} is only for law ${option.laws.join(" and ")}; none of the laws given (${others.join(", ")}) takes it`,
      );
    const value = readOption(values, key, takes ? own[key]! : option.spec);
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) request[key] = value;
  }
  return resolveLaw(name, request);
}

/** The flags that name parameters of the law fitted: `name=…` items or bare names. */
const parameterFlags = ["fix", "bounds", "grid", "init", "log", "profile", "free"] as const;

/**
 * Refuses a parameter flag naming what is not a parameter of every law given (`--bounds __proto__=0:1`,
 * `--init toString=1`), naming the flag and the name.
 * @example checkParameterFlags({bounds: ["delta=0:1"]}, [chinchilla]) // throws: unknown parameter delta in --bounds: …
 */
function checkParameterFlags(values: OptionValues, laws: readonly Law[]): void {
  for (const flag of parameterFlags) {
    for (const item of listOption(values, flag)) {
      const name = item.split("=")[0]!.trim();
      for (const law of laws) {
        const names = law.params.map((p) => p.name);
        if (!names.includes(name))
          throw new UserError(
            `unknown parameter ${name} in --${flag}: law ${law.name} has ${names.join(", ")}`,
          );
      }
    }
  }
}

/**
 * Fit options from the command line (only what was given; the library fills the defaults). With `laws`,
 * every parameter a flag names must be one of theirs (`checkParameterFlags`).
 */
export function fitOptionsFrom(
  values: OptionValues,
  { defaultIntervals, laws = [] }: { defaultIntervals?: IntervalMethod; laws?: readonly Law[] } = {},
): FitOptions {
  const bootstrap = bootstrapOption(values);
  let intervals = values.intervals as IntervalMethod | undefined;
  if (intervals === undefined) intervals = bootstrap !== undefined ? "bootstrap" : defaultIntervals;
  if (bootstrap !== undefined && intervals !== "bootstrap") {
    throw new UserError(`--bootstrap ${bootstrap} conflicts with --intervals ${intervals}`);
  }
  const fix = parseAssignments(listOption(values, "fix"), "--fix");
  const params = parameterOverrides(values);
  checkParameterFlags(values, laws);
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

/**
 * `--sensitivity` with its `--compute <FLOPs>` and `--at N=…,D=…`, or undefined; either of those without
 * `--sensitivity` is refused (one fit's answers come from optimize and predict).
 */
export function sensitivityFrom(
  values: OptionValues,
): { compute?: number; at?: Record<string, number> } | undefined {
  const compute = numberOption(
    values,
    "compute",
    (v) => v > 0 && Number.isFinite(v),
    "a positive number of FLOPs",
  );
  const at = typeof values.at === "string" ? parseAssignments([values.at], "--at") : undefined;
  if (values.sensitivity !== true) {
    const given = compute !== undefined ? "compute" : at ? "at" : undefined;
    if (given)
      throw new UserError(
        given === "compute"
          ? "--compute goes with --sensitivity (each refit's N*, D* and loss); one fit's allocation: scalefit optimize --fit <fit.json> --compute …"
          : "--at goes with --sensitivity (each refit's loss); one fit's prediction: scalefit predict --fit <fit.json> --at …",
      );
    return undefined;
  }
  return { ...(compute !== undefined ? { compute } : {}), ...(at ? { at } : {}) };
}
