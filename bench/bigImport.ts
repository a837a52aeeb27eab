/**
 * Logs too big to read whole (issue 16's target: 1e7 rows of 5 columns in ≤ 15 s and ≤ 1 GB): 2,000 runs ×
 * 5,000 logged steps (run, step, tokens, loss, lr; ~480 MB as CSV, ~860 MB as JSONL), each imported by `scalefit import` as a whole
 * process, with its wall time and peak resident memory (GNU time's maximum RSS). Before DuckDB read large
 * files, a 624 MB CSV failed ("Cannot create a string longer than 0x1fffffe8 characters") and a 191 MB one
 * took 51 s and 4.6 GB. No peer tool imports training logs into a store, so there is no ratio.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { line, root } from "./_shared.js";

console.log("== Import of 1e7-row CSV and JSONL logs (2,000 runs × 5,000 steps, 5 columns)");
const dir = mkdtempSync(join(tmpdir(), "scalefit-bench-bigimport-"));
const runs = 2000;
const steps = 5000;

/** Writes the sweep, one line per logged step, as CSV or JSONL. */
function writeSweep(file: string, format: "csv" | "jsonl"): void {
  const fd = openSync(file, "w");
  if (format === "csv") writeSync(fd, "run,step,tokens,loss,lr\n");
  for (let r = 0; r < runs; r++) {
    // Hoffmann's law at 20 sizes (1e7 … 1e9) × 100 token rates, without noise: the import is what is timed.
    const N = 1e7 * 10 ** ((2 * Math.floor(r / 100)) / 19);
    const batch = 4096 * (1 + (r % 100));
    const block: string[] = [];
    for (let s = 1; s <= steps; s++) {
      const tokens = s * batch;
      const loss = (1.69 + 406.4 / N ** 0.34 + 410.7 / tokens ** 0.28).toPrecision(8);
      const lr = (3e-4 * Math.cos(s / steps)).toPrecision(6);
      block.push(
        format === "csv"
          ? `sweep/r${r},${s},${tokens},${loss},${lr}`
          : `{"run":"sweep/r${r}","step":${s},"tokens":${tokens},"loss":${loss},"lr":${lr}}`,
      );
    }
    writeSync(fd, block.join("\n") + "\n");
  }
  // On disk before the import is timed: the kernel writing 0.9 GB back while DuckDB reads it made the
  // JSONL import 13 s one run and 20 s the next (measured).
  fsyncSync(fd);
  closeSync(fd);
}

/** `scalefit import` of a file into a fresh database as a whole process: seconds and peak RSS. */
function timedImport(file: string, label: string, target: string): void {
  const db = join(dir, "big.duckdb");
  rmSync(db, { force: true });
  const time = "/usr/bin/time";
  const command = [join(root, "bin/scalefit.js"), "import", "--db", db, file, "--json"];
  const env = { ...process.env, CI: "true" };
  const start = performance.now();
  const result = existsSync(time)
    ? spawnSync(time, ["-f", "peak %M KB", process.execPath, ...command], { encoding: "utf8", env })
    : spawnSync(process.execPath, command, { encoding: "utf8", env });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`scalefit import failed: ${result.stderr}`);
  const imported = JSON.parse(result.stdout) as { imports: { pointsAdded?: number }[] };
  const points = imported.imports.reduce((sum, f) => sum + (f.pointsAdded ?? 0), 0);
  if (points !== runs * steps) throw new Error(`imported ${points} points, expected ${runs * steps}`);
  const peak = /peak (\d+) KB/.exec(result.stderr)?.[1];
  line(`scalefit import of ${label}, whole process`, `${seconds.toFixed(1)} s (target ${target})`);
  line(
    "  peak resident memory",
    peak
      ? `${(Number(peak) / 2 ** 20).toFixed(2)} GiB (target ≤ 1 GB)`
      : `not measured (${time} is not installed)`,
  );
  line("  database file", `${(statSync(db).size / 1e6).toFixed(0)} MB`);
}

for (const format of ["csv", "jsonl"] as const) {
  const file = join(dir, `sweep.${format}`);
  writeSweep(file, format);
  line(`${format.toUpperCase()} written`, `${(statSync(file).size / 1e6).toFixed(0)} MB`);
  timedImport(file, `1e7 ${format.toUpperCase()} rows`, "≤ 15 s");
  rmSync(file);
}
rmSync(dir, { recursive: true, force: true });
