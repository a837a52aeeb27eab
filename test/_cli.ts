import { main } from "../src/cli/main.js";

/** Output of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams (no terminal, CI set: no progress bars). */
export async function runCli(...argv: string[]): Promise<CliRun> {
  return runCliWith({}, ...argv);
}

/** `runCli` with more environment variables (`SCALEFIT_DEBUG=1` for a stack trace). */
export async function runCliWith(env: Record<string, string>, ...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    isTTY: false,
    env: { CI: "true", ...env },
  });
  return { code, stdout, stderr };
}

/** Keys DESIGN.md's CLI contract promises in the fit document (`fit --json` and the artifact). */
export const contractKeys = [
  "law",
  "params",
  "intervals",
  "objective",
  "points",
  "converged",
  "warnings",
  "options",
];

/** The command line that runs `script` (ESM, TypeScript imports allowed) in a fresh Node: for a child process. */
export const inlineScript = (script: string): string[] => [
  process.execPath,
  "--import",
  "tsx",
  "--input-type=module",
  "-e",
  script,
];
