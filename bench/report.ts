/**
 * `scalefit report` on a store of 2,000 runs × 5,000 logged steps (1e7 points; issue 16, "inputs of any size"):
 * the store is built from a Parquet file DuckDB writes, then the report runs as a whole process, alone and with
 * a Chinchilla fit on the runs' final losses; each prints its wall time, its peak memory (the child's VmHWM,
 * polled from /proc) and the size of index.html; then Approach 1 (`fit --law envelope`) on every logged point.
 * Target: ≤ 20 s and a few MB of HTML. Before the curves were downsampled the same report ran out of memory
 * (4 GB heap, 6.6 GB resident) after 205 s.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, rows } from "../src/store/duckdb.js";
import { importFiles } from "../src/store/importFiles.js";
import { line, root } from "./_shared.js";

const runs = 2000;
const steps = 5000;
console.log(`== Report (a store of ${runs} runs × ${steps} logged steps = 1e7 points)`);
const dir = mkdtempSync(join(tmpdir(), "scalefit-bench-report-"));

// The sweep: 40 sizes (1e7 … 1e9 parameters) × 50 token budgets (5 … 150 tokens per parameter); the training
// loss at every step is Hoffmann's law at the tokens seen (at most ln 50257, a fresh model's loss) with ±0.5 %
// noise from DuckDB's hash of (run, step), the same on every run; a held-out loss every 100 steps.
const parquet = join(dir, "sweep.parquet");
const law = (spread: number, key: string) =>
  `least(10.825, 1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(tokens, 0.28)) * (1 + ${spread} * ((hash(${key}) % 1000000) / 1e6 - 0.5))`;
let start = performance.now();
const generator = await openStore(join(dir, "generator.duckdb"));
await rows(
  generator,
  `COPY (
     WITH r AS (SELECT range AS r, 1e7 * pow(10, 2.0 * (range // 50) / 39) AS N, 5 * pow(2, (range % 50) / 10.0) AS tpp FROM range(${runs})),
          s AS (SELECT range + 1 AS step FROM range(${steps})),
          t AS (SELECT r, N, tpp, step, step * tpp * N / ${steps} AS tokens FROM r, s)
     SELECT printf('sweep/N=%.3g_tpp=%.3g', N, tpp) AS run, step, tokens, N,
            ${law(0.01, "r * 1000003 + step")} AS loss,
            CASE WHEN step % 100 = 0 THEN ${law(0.004, "r * 7 + step * 13")} END AS eval_loss
     FROM t ORDER BY r, step) TO '${parquet}' (FORMAT parquet)`,
);
generator.close();
line(
  "sweep written as Parquet by DuckDB",
  `${((performance.now() - start) / 1000).toFixed(1)} s, ${(statSync(parquet).size / 2 ** 20).toFixed(0)} MiB`,
);

const db = join(dir, "sweep.duckdb");
const store = await openStore(db);
start = performance.now();
const [imported] = await importFiles(store, [parquet]);
const seconds = (performance.now() - start) / 1000;
store.close();
if (imported!.pointsAdded !== runs * steps) throw new Error(`imported ${imported!.pointsAdded} rows`);
line(
  "import 1e7 rows from Parquet",
  `${seconds.toFixed(1)} s = ${(1e7 / seconds / 1e6).toFixed(2)} M rows/s`,
);

/** Runs the command to its end: wall seconds and the peak resident memory (VmHWM from /proc; null without). */
function measured(args: string[]): Promise<{ seconds: number; peak: number | null }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CI: "true" } });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    let peak: number | null = null;
    // VmHWM only grows: the last read before the exit is the peak up to within one poll.
    const poll = () => {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (kb) peak = Math.max(peak ?? 0, Number(kb[1]) * 1024);
      } catch {
        // the process has exited, or there is no /proc
      }
    };
    const timer = setInterval(poll, 20);
    child.on("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`scalefit ${args.slice(1).join(" ")} failed: ${stderr}`));
      else resolve({ seconds: (performance.now() - began) / 1000, peak });
    });
  });
}

for (const [label, extra] of [
  ["scalefit report (2,000 runs, 1e7 points) as a whole process", []],
  ["scalefit report --law chinchilla (a fit on 2,000 final losses)", ["--law", "chinchilla"]],
] as const) {
  const out = join(dir, `report${extra.length}`);
  const { seconds, peak } = await measured([
    join(root, "bin/scalefit.js"),
    "report",
    "--db",
    db,
    "--out",
    out,
    ...extra,
  ]);
  const html = statSync(join(out, "index.html")).size;
  const pngs = readdirSync(out).filter((f) => f.endsWith(".png")).length;
  line(
    label,
    `${seconds.toFixed(1)} s, peak ${peak === null ? "n/a (no /proc)" : `${(peak / 2 ** 30).toFixed(2)} GiB`}, index.html ${(html / 2 ** 20).toFixed(2)} MiB, ${pngs} PNGs (target ≤ 20 s, a few MB)`,
  );
  const caption = /drawn as ([\d,]+) points[^<]*?each of (\d+) columns/.exec(
    readFileSync(join(out, "index.html"), "utf8"),
  );
  if (caption && extra.length === 0)
    line(
      "  loss-curve chart: points drawn, columns per curve",
      `${caption[1]} points, ${caption[2]} columns`,
    );
}
// Approach 1 reads every logged point of the store (as columns, not row objects): 27.9 s and 2.18 GB peak
// when it read row objects, 12.6–14.8 s and 0.85 GiB after (measured on 2 vCPUs, 2026-12-03).
{
  const { seconds, peak } = await measured([
    join(root, "bin/scalefit.js"),
    "fit",
    "--law",
    "envelope",
    "--db",
    db,
    "--intervals",
    "none",
  ]);
  line(
    "scalefit fit --law envelope on the 1e7 points (point fit)",
    `${seconds.toFixed(1)} s, peak ${peak === null ? "n/a (no /proc)" : `${(peak / 2 ** 30).toFixed(2)} GiB`}`,
  );
}
if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
