/**
 * A CSV too big to read whole (issue 16's target: 1e7 rows of 5 columns in ≤ 15 s and ≤ 1 GB): 2,000 runs ×
 * 5,000 logged steps (run, step, tokens, loss, lr; ~470 MB), imported by `scalefit import` as a whole
 * process, with its wall time and peak resident memory (GNU time's maximum RSS). Before DuckDB read large
 * files, a 624 MB CSV failed ("Cannot create a string longer than 0x1fffffe8 characters") and a 191 MB one
 * took 51 s and 4.6 GB. No peer tool imports training logs into a store, so there is no ratio.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { line, root } from "./_shared.js";

console.log("== Import of a 1e7-row CSV (2,000 runs × 5,000 steps, 5 columns)");
const dir = mkdtempSync(join(tmpdir(), "scalefit-bench-bigimport-"));
const csv = join(dir, "sweep.csv");
const runs = 2000;
const steps = 5000;
const fd = openSync(csv, "w");
writeSync(fd, "run,step,tokens,loss,lr\n");
for (let r = 0; r < runs; r++) {
  // Hoffmann's law at 20 sizes (1e7 … 1e9) × 100 token rates, without noise: the import is what is timed.
  const N = 1e7 * 10 ** ((2 * Math.floor(r / 100)) / 19);
  const batch = 4096 * (1 + (r % 100));
  const block: string[] = [];
  for (let s = 1; s <= steps; s++) {
    const tokens = s * batch;
    const loss = 1.69 + 406.4 / N ** 0.34 + 410.7 / tokens ** 0.28;
    block.push(
      `sweep/r${r},${s},${tokens},${loss.toPrecision(8)},${(3e-4 * Math.cos(s / steps)).toPrecision(6)}`,
    );
  }
  writeSync(fd, block.join("\n") + "\n");
}
closeSync(fd);
line("CSV written", `${(statSync(csv).size / 1e6).toFixed(0)} MB`);

const db = join(dir, "big.duckdb");
const time = "/usr/bin/time";
const command = [join(root, "bin/scalefit.js"), "import", "--db", db, csv, "--json"];
const start = performance.now();
const result = existsSync(time)
  ? spawnSync(time, ["-f", "peak %M KB", process.execPath, ...command], {
      encoding: "utf8",
      env: { ...process.env, CI: "true" },
    })
  : spawnSync(process.execPath, command, { encoding: "utf8", env: { ...process.env, CI: "true" } });
const seconds = (performance.now() - start) / 1000;
if (result.status !== 0) throw new Error(`scalefit import failed: ${result.stderr}`);
const imported = JSON.parse(result.stdout) as { imports: { pointsAdded?: number }[] };
const points = imported.imports.reduce((sum, f) => sum + (f.pointsAdded ?? 0), 0);
if (points !== runs * steps) throw new Error(`imported ${points} points, expected ${runs * steps}`);
const peak = /peak (\d+) KB/.exec(result.stderr)?.[1];
line("scalefit import of 1e7 CSV rows, whole process", `${seconds.toFixed(1)} s (target ≤ 15 s)`);
line(
  "  peak resident memory",
  peak
    ? `${(Number(peak) / 2 ** 20).toFixed(2)} GiB (target ≤ 1 GB)`
    : `not measured (${time} is not installed)`,
);
line("  database file", `${(statSync(db).size / 1e6).toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
