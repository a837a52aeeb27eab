import { parseArgs } from "node:util";
import { UserError } from "../errors.js";

/** Where a command writes; the process's streams in production, buffers in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is an interactive terminal (progress bars only then). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One option of a command, as `node:util` parseArgs takes it plus help text. */
export interface OptionDef {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder in help, e.g. `<file>`. */
  readonly value?: string;
  readonly description: string;
}

/** Parsed option values. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** A command: metadata for help, its options, and a run function that parses, calls the library, prints. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly examples: readonly string[];
  readonly options: Readonly<Record<string, OptionDef>>;
  /** Whether the command takes arguments after its options (files to import). */
  readonly positionals?: boolean;
  run(values: OptionValues, io: CliIO, positionals?: readonly string[]): Promise<void>;
}

/** Declares a command (an identity function that keeps the literal types, as citty's `defineCommand`). */
export function defineCommand(command: Command): Command {
  return command;
}

/**
 * Parses a command's arguments strictly with `node:util` parseArgs: an unknown option, a missing value or
 * a stray argument is a `UserError` naming it.
 */
export function parseCommandArgs(
  command: Command,
  argv: readonly string[],
): { values: OptionValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, def]) => [
      name,
      {
        type: def.type,
        ...(def.multiple ? { multiple: true } : {}),
        ...(def.short ? { short: def.short } : {}),
      },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    const e = error as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
    const help = `see scalefit ${command.name} --help`;
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new UserError(`unknown option ${quoted.split(" ")[0]} for scalefit ${command.name} (${help})`);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
        const option = quoted.split(" ")[0];
        if (/ambiguous/.test(e.message)) {
          throw new UserError(
            `option ${option} is followed by a value that starts with a dash: write ${option}=<value> (${help})`,
          );
        }
        throw new UserError(
          `option ${option} ${/argument missing/.test(e.message) ? "needs a value" : "takes no value"} (${help})`,
        );
      }
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new UserError(`unexpected argument ${quoted} for scalefit ${command.name} (${help})`);
      default:
        throw new UserError(`${e.message} (${help})`);
    }
  }
}

/** The help text of a command, generated from its options. */
export function commandHelp(command: Command): string {
  const lines = [
    `scalefit ${command.name}: ${command.summary}`,
    "",
    `Usage: ${command.usage}`,
    "",
    "Options:",
  ];
  const entries = Object.entries(command.options);
  const labels = entries.map(
    ([name, def]) => `${def.short ? `-${def.short}, ` : ""}--${name}${def.value ? ` ${def.value}` : ""}`,
  );
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  entries.forEach(([, def], i) =>
    lines.push(`  ${labels[i]!.padEnd(width)}${def.description}${def.multiple ? " (repeatable)" : ""}`),
  );
  lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}
