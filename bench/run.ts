/**
 * Benchmarks (`npm run bench`): each section prints its figures and, where ../shared/anchors has a peer
 * baseline, runs it in the same process tree and prints the ratio. The SciPy baselines need
 * `apt-get install -y python3-scipy`.
 *
 * Each section runs in a fresh Node process, so one section's heap, native threads (DuckDB's) and JIT state do
 * not slow the next: measured, the trainer section inside the same process as the others ran ~20 % slower
 * (d_model 128 at 9.7k tokens/s on one thread against 12.2–12.6k alone).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

console.log(
  `scalefit benchmarks on ${process.platform}/${process.arch}, Node ${process.version}, load ${loadavg()[0]!.toFixed(2)}\n`,
);
const sections = ["chinchilla", "custom", "fits", "curves", "store", "bigImport", "report", "trainer"];
let failed = false;
sections.forEach((section, i) => {
  if (i > 0) console.log("");
  const script = fileURLToPath(new URL(`./${section}.ts`, import.meta.url));
  const result = spawnSync(process.execPath, ["--import", "tsx", script], { stdio: "inherit" });
  if (result.status !== 0) {
    console.log(`bench ${section}: exited with ${result.status ?? result.signal}`);
    failed = true;
  }
});
process.exit(failed ? 1 : 0);
