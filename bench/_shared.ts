import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, the peer baselines and Debian's python (with SciPy) that runs them. */
export const root = fileURLToPath(new URL("..", import.meta.url));
export const anchors = process.env.SCALEFIT_ANCHORS ?? join(root, "../shared/anchors");
export const python = process.env.SCALEFIT_PYTHON ?? "/usr/bin/python3";

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const line = (label: string, value: string) => console.log(`${label.padEnd(62)} ${value}`);

/** Runs a command `runs` times; the median wall time in seconds and the last stdout. */
export function wholeProcess(
  command: string,
  args: string[],
  runs: number,
  env: Record<string, string> = {},
): { seconds: number; stdout: string } {
  const times: number[] = [];
  let stdout = "";
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    const result = spawnSync(command, args, {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CI: "true", ...env },
      maxBuffer: 1 << 28,
    });
    times.push((performance.now() - start) / 1000);
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
    stdout = result.stdout;
  }
  return { seconds: median(times), stdout };
}

/** Why an anchor script cannot run here, or undefined when it can. */
export function anchorUnavailable(script: string): string | undefined {
  if (!existsSync(join(anchors, script))) return `no ${join(anchors, script)}`;
  const probe = existsSync(python)
    ? spawnSync(python, ["-c", "import scipy"], { encoding: "utf8" })
    : undefined;
  if (!probe || probe.status !== 0) return `${python} cannot import scipy: apt-get install -y python3-scipy`;
  return undefined;
}
