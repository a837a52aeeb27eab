/**
 * Default fits as a user meets them: whole `scalefit` processes (start-up, data, fit and its default
 * intervals), median of 3, for the figures of issue 15 — built-in laws on at most 300 points, Chinchilla with
 * δ = 1e-4, qat on a 504-run table generated from the law, and `laws`/`predict` as a measure of start-up;
 * `npx scalefit` beside `node bin/scalefit.js` shows what npm's resolution adds per call.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chinchillaDataPath } from "../src/index.js";
import { qatRuns } from "../test/_synthetic.js";
import { line, median, root, wholeProcess } from "./_shared.js";

const bin = join(root, "bin/scalefit.js");
const scalefit = (...args: string[]) => [bin, ...args];
const time = (label: string, args: string[], runs = 3, env: Record<string, string> = {}) => {
  const { seconds } = wholeProcess(process.execPath, args, runs, env);
  line(label, `${seconds.toFixed(2)} s`);
  return seconds;
};
const dir = mkdtempSync(join(tmpdir(), "scalefit-bench-"));
try {
  console.log("== Default fits as whole processes (median of 3)");
  const laws = time("scalefit laws (node bin/scalefit.js)", scalefit("laws"));
  const npx = (() => {
    const times: number[] = [];
    for (let k = 0; k < 3; k++) {
      const start = performance.now();
      spawnSync("npx", ["--no-install", "scalefit", "laws"], {
        cwd: root,
        env: { ...process.env, CI: "true" },
      });
      times.push((performance.now() - start) / 1000);
    }
    return median(times);
  })();
  line("scalefit laws through npx", `${npx.toFixed(2)} s (npm resolution: +${(npx - laws).toFixed(2)} s)`);
  const epoch = ["--data", chinchillaDataPath, "--drop-highest", "5"];
  time(
    "fit chinchilla (5 params, 240 points), 1000-refit bootstrap",
    scalefit("fit", "--law", "chinchilla", ...epoch),
  );
  time(
    "fit power in N (3 params, 240 points), 1000-refit bootstrap",
    scalefit("fit", "--law", "power", "--x", "N", ...epoch),
  );
  time(
    "fit kaplan (4 params, 240 points), 1000-refit bootstrap",
    scalefit("fit", "--law", "kaplan", ...epoch),
  );
  time(
    "fit chinchilla with --delta 1e-4, 1000-refit bootstrap",
    scalefit("fit", "--law", "chinchilla", ...epoch, "--delta", "1e-4"),
  );
  const artifact = join(dir, "fit.json");
  time(
    "fit chinchilla --intervals none --out fit.json",
    scalefit("fit", "--law", "chinchilla", ...epoch, "--intervals", "none", "--out", artifact),
  );
  time(
    "predict --fit fit.json --at N=70B,D=1.4T",
    scalefit("predict", "--fit", artifact, "--at", "N=7e10,D=1.4e12"),
  );
  // 6 sizes × 4 budgets × (one full-precision run + 5 bit widths × 4 QAT fractions): 504 runs, 0.3 % noise.
  const runs = qatRuns(0.003);
  const column = (name: string) => runs.inputs[name]!;
  const rows = ["run,N,Dfp,Dqat,bits,loss"];
  runs.loss.forEach((loss, i) =>
    rows.push(
      `${runs.run![i]},${column("N")[i]},${column("Dfp")[i]},${column("Dqat")[i]},${column("bits")[i]},${loss}`,
    ),
  );
  const qatFile = join(dir, "qat.csv");
  writeFileSync(qatFile, rows.join("\n") + "\n");
  time(
    "fit qat (16 params, 504 runs), --intervals none",
    scalefit("fit", "--law", "qat", "--data", qatFile, "--intervals", "none"),
    1,
  );
  time(
    "fit qat (16 params, 504 runs), default (covariance) intervals",
    scalefit("fit", "--law", "qat", "--data", qatFile),
    1,
  );
  // Long bootstraps refit on two threads (src/fit/refitThreads.ts): each beside the same fit on one thread.
  const twoThreads = (label: string, args: string[]) => {
    const two = time(`${label}, 2 threads`, args, 1);
    const one = time(`${label}, 1 thread`, args, 1, { SCALEFIT_THREADS: "1" });
    line("  speed-up of the second thread", `${(one / two).toFixed(2)}×`);
  };
  twoThreads(
    "fit qat (504 runs) --intervals bootstrap --bootstrap 100",
    scalefit("fit", "--law", "qat", "--data", qatFile, "--intervals", "bootstrap", "--bootstrap", "100"),
  );
  twoThreads(
    "fit multipower (README: 3 curves of 25M, 100 block refits)",
    scalefit(
      "fit",
      "--law",
      "multipower",
      "--data",
      "data/multipower/curves.csv",
      "--schedules",
      "data/multipower/schedules.json",
      "--runs",
      "25M/cosine_24000,25M/constant_24000,25M/wsdcon_9",
    ),
  );
  twoThreads(
    "fit data-constrained (README: datablations, 1000 refits)",
    scalefit(
      "fit",
      "--law",
      "data-constrained",
      "--data",
      "data/datablations/final_losses.csv",
      "--fix",
      "E=1.8691407,A=520.825,B=1487.7157,alpha=0.3526596,beta=0.3526596",
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
