import { isUserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { version } from "../version.js";
import { commandHelp, parseCommandArgs, type CliIO, type Command } from "./_command.js";

/** The commands, loaded only when run: start-up stays cheap and heavy modules load on demand. */
const commands: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  fit: { summary: "fit a scaling law to runs", load: () => import("./fit.js") },
  predict: { summary: "predict the loss of new models from a fit", load: () => import("./predict.js") },
  optimize: { summary: "compute-optimal N and D for a budget", load: () => import("./optimize.js") },
  compare: { summary: "fit several laws to the same data and rank them", load: () => import("./compare.js") },
  laws: { summary: "list the laws, their formulas and parameters", load: () => import("./laws.js") },
  import: { summary: "import runs and curves into a DuckDB database", load: () => import("./import.js") },
  runs: { summary: "list the runs of a database", load: () => import("./runs.js") },
  export: {
    summary: "write runs, points or fits to CSV, Parquet or Arrow",
    load: () => import("./export.js"),
  },
  train: { summary: "train one small language model (throughput, losses)", load: () => import("./train.js") },
  sweep: {
    summary: "train a grid of small models into a database (resumable, shardable)",
    load: () => import("./sweep.js"),
  },
  report: {
    summary: "write a static HTML report of a database's runs and fits",
    load: () => import("./report.js"),
  },
  demo: {
    summary: "fit the bundled Chinchilla data, predict 70B on 1.4T tokens, plan budgets",
    load: () => import("./demo.js"),
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  return [
    `scalefit ${version}: fit scaling laws to small runs, predict large ones with honest intervals`,
    "",
    "Usage: scalefit <command> [options]   (scalefit <command> --help for its options)",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    "",
  ].join("\n");
}

/** The process's streams. */
export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: !!process.stderr.isTTY,
    env: process.env,
  };
}

/**
 * Runs the CLI on arguments (without `node` and the script) and returns the exit code: 0 on success,
 * 1 on a user error (one line on stderr, no stack), 2 on an internal error.
 * @example process.exitCode = await main(["fit", "--law", "chinchilla", "--data", "runs.csv"]);
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(overview());
    if (name !== undefined) return 0;
    // No command is a user error: the overview above, and the one line on stderr every exit 1 has.
    io.stderr(
      "scalefit: no command given (the commands are listed above; scalefit <command> --help for one)\n",
    );
    return 1;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${version}\n`);
    return 0;
  }
  // Own keys only: `scalefit constructor` or `scalefit __proto__` is an unknown command, not a built-in.
  const entry = ownEntry(commands, name);
  if (!entry) {
    io.stderr(`scalefit: unknown command ${oneLine(name)} (commands: ${Object.keys(commands).join(", ")})\n`);
    return 1;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const { values, positionals } = parseCommandArgs(command, rest);
    await command.run(values, io, positionals);
    return 0;
  } catch (error) {
    if (isUserError(error)) {
      // A message that names the command already ("scalefit fit needs …") is not prefixed twice.
      const prefix = error.message.startsWith(`scalefit ${name} `) ? "" : `scalefit ${name}: `;
      io.stderr(`${prefix}${oneLine(error.message)}\n`);
      return 1;
    }
    const e = error as Error;
    io.stderr(`scalefit ${name}: internal error: ${e?.message ?? String(error)}\n`);
    if (io.env.SCALEFIT_DEBUG) io.stderr(`${e?.stack ?? ""}\n`);
    else io.stderr("(set SCALEFIT_DEBUG=1 for the stack trace, and please report it)\n");
    return 2;
  }
}

/** A message on one line: line breaks in the values it echoes (a file name, an argument) written as backslash-n. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\\n");
}
