/**
 * The README's tours, run as a new user would: every shell command of every `sh` block, in order, in a fresh
 * folder that holds only what the repository gives (data/, examples/, node_modules) and what earlier commands
 * wrote. `npx scalefit` runs the built CLI (bin/scalefit.js: `npm test` builds first). Output the README shows
 * under a command (a `# [[Section]]` comment and its indented lines) must appear in what the command prints.
 * Two long training steps run on shrunken copies of their sweep configs (same names and grids, a few steps per
 * run: the smoke preset's scale) so the tour fits in CI; `npm` commands are the install, the test suite and the
 * notebook build, which CI runs itself. The library tour is examples/tour.ts, which the README shows verbatim.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

interface TourCommand {
  readonly command: string;
  /** Lines the README shows as this command's output. */
  readonly expected: readonly string[];
}

/** The commands of the README's `sh` blocks, continuation lines joined, with the output shown under each. */
function tourCommands(): TourCommand[] {
  const commands: { command: string; expected: string[] }[] = [];
  for (const [, block] of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block!.replace(/\\\n\s*/g, "").split("\n");
    let output = false;
    for (const line of lines) {
      const last = commands[commands.length - 1];
      if (line.startsWith("#")) {
        if (last && (line.startsWith("# [[") || (output && line.startsWith("#     ")))) {
          output = true;
          last.expected.push(line.slice(2).trimEnd());
        } else output = false;
        continue;
      }
      output = false;
      if (!line.trim()) continue;
      const command = line.replace(/^npm ci && /, "");
      if (/^npm /.test(command)) continue;
      commands.push({ command, expected: [] });
    }
  }
  return commands;
}

/** A copy of a sweep config at the smoke preset's scale: same name and grid, a few steps per run. */
function shrunken(file: string): string {
  const config = JSON.parse(readFileSync(join(root, file), "utf8")) as {
    grid: Record<string, unknown>;
    train: Record<string, unknown>;
  };
  config.grid.tokens = config.grid.encoderDModel ? [8192] : [8192, 16384];
  config.train = { ...config.train, logEvery: 2, evalEvery: 4, evalBatches: 2 };
  return JSON.stringify(config, null, 2);
}

test("the README's command-line tours run in order from a fresh folder, printing what the README shows", () => {
  const commands = tourCommands();
  // The tour covers every section: fits, the store, training, reports.
  assert.ok(commands.length > 50, `only ${commands.length} commands found`);
  const dir = mkdtempSync(join(tmpdir(), "scalefit-tour-"));
  try {
    symlinkSync(join(root, "data"), join(dir, "data"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    mkdirSync(join(dir, "examples", "sweeps"), { recursive: true });
    for (const name of readdirSync(join(root, "examples")))
      if (name !== "sweeps") symlinkSync(join(root, "examples", name), join(dir, "examples", name));
    for (const name of readdirSync(join(root, "examples", "sweeps"))) {
      const path = join("examples", "sweeps", name);
      if (name === "kjv-widths.json" || name === "kjv-encdec.json")
        writeFileSync(join(dir, path), shrunken(path));
      else symlinkSync(join(root, path), join(dir, path));
    }
    const npx = `npx() { if [ "$1" = scalefit ]; then shift; node '${join(root, "bin", "scalefit.js")}' "$@"; else command npx "$@"; fi; }`;
    const failures: string[] = [];
    for (const { command, expected } of commands) {
      const run = spawnSync("bash", ["-c", `${npx}\n${command}`], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true" },
        maxBuffer: 64 * 1024 * 1024,
      });
      if (run.status !== 0) {
        failures.push(
          `${command}\n  exit ${run.status}: ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`,
        );
        continue;
      }
      const printed = new Set(run.stdout.split("\n").map((line) => line.trimEnd()));
      for (const line of expected)
        if (!printed.has(line)) failures.push(`${command}\n  did not print the README's line: ${line}`);
    }
    assert.deepEqual(failures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's library tour is examples/tour.ts, verbatim", () => {
  const script = readFileSync(join(root, "examples", "tour.ts"), "utf8");
  const body = script.slice(script.indexOf("*/\n") + 3);
  assert.ok(readme.includes("```ts\n" + body + "```"), "README.md's ts block differs from examples/tour.ts");
});

test("examples/tour.ts runs from a fresh folder: fits, the store, a trained model and a report", () => {
  const dir = mkdtempSync(join(tmpdir(), "scalefit-library-tour-"));
  try {
    symlinkSync(join(root, "data"), join(dir, "data"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    const run = spawnSync(process.execPath, ["--import", "tsx", join(root, "examples", "tour.ts")], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    // Epoch's 240 points less 5 (README): 70B on 1.4T tokens at 1.9734, N*(5.76e23) = 7.32e10.
    assert.match(run.stdout, /^70B on 1\.4T: loss 1\.9734; at 5\.76e23 FLOPs: N\* 7\.32e\+10$/m);
    // kjv-chinchilla without its 3 runs of 29.5k parameters (N>=3e4).
    assert.match(run.stdout, /^12 runs from the store: alpha \d\.\d{3}$/m);
    assert.match(run.stdout, /^trained 100 steps at \d+ tokens\/s$/m);
    assert.match(run.stdout, /^a \d+-character SVG; report-library\/ has \d+ charts$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
