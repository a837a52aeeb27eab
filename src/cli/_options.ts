import { UserError } from "../errors.js";
import type { OptionArgs, OptionSpec, OptionValue } from "../dataTypes.js";
import type { OptionDef, OptionValues } from "./_command.js";
import { listOption, parseAssignments, parseNumber } from "./_shared.js";

/**
 * A law's or a question's option as a command-line flag: lists and name=value pairs repeat and split on
 * commas; `owners` (the laws that take it) prefix the description.
 * @example flagOf({kind: "numbers", value: "<L,…>", description: "target losses"}, ["bcrit"])
 */
export function flagOf(spec: OptionSpec, owners: readonly string[] = []): OptionDef {
  const prefix = owners.length ? `${owners.join(", ")}: ` : "";
  const many = spec.kind === "strings" || spec.kind === "numbers" || spec.kind === "assignments";
  return {
    type: spec.kind === "boolean" ? "boolean" : "string",
    ...(many ? { multiple: true } : {}),
    ...(spec.value ? { value: spec.value } : {}),
    description: prefix + spec.description,
  };
}

/**
 * The value of one flag read by its option's kind, or undefined when it was not given.
 * @example readOption({targets: ["3,2.6"]}, "targets", {kind: "numbers", description: ""}) // [3, 2.6]
 */
export function readOption(values: OptionValues, key: string, spec: OptionSpec): OptionValue | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  switch (spec.kind) {
    case "boolean":
      return raw === true;
    case "string": {
      const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (typeof text !== "string" || text === "") throw new UserError(`--${key} needs a value`);
      return text;
    }
    case "number":
      return parseNumber(String(raw), `--${key}`);
    case "strings":
      return listOption(values, key);
    case "numbers":
      return listOption(values, key).map((text) => parseNumber(text, `--${key}`));
    case "assignments":
      return parseAssignments(listOption(values, key), `--${key}`);
  }
}

/**
 * The given flags among `options`, read by kind.
 * @example readOptions(values, question.options) // {"total-params": [1e9]}
 */
export function readOptions(values: OptionValues, options: Readonly<Record<string, OptionSpec>>): OptionArgs {
  const out: Record<string, OptionValue> = {};
  for (const [key, spec] of Object.entries(options)) {
    const value = readOption(values, key, spec);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
