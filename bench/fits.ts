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
import { chinchillaDataPath, qat } from "../src/index.js";
import { randomSource } from "../src/random.js";
import { line, median, root, wholeProcess } from "./_shared.js";

const bin = join(root, "bin/scalefit.js");
const scalefit = (...args: string[]) => [bin, ...args];
const time = (label: string, args: string[], runs = 3) => {
  const { seconds } = wholeProcess(process.execPath, args, runs);
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
  const truth = {
    E: 1.8,
    A: 450,
    B: 500,
    alpha: 0.33,
    beta: 0.29,
    theta: 0.5,
    kappa: 0.6,
    phi: 2,
    chi: 0.7,
    psi: 0.1,
    omega: 0.35,
    lambda: 0.05,
    mu: 0.4,
    nu: 0.05,
    xi: -0.3,
    rho: 0.2,
  };
  const random = randomSource(3);
  const rows = ["run,N,Dfp,Dqat,bits,loss"];
  for (const N of [3e7, 6e7, 1.2e8, 2.5e8, 5e8, 1e9])
    for (const perParameter of [10, 25, 60, 150]) {
      const D = N * perParameter;
      const runs = [{ N, Dfp: D, Dqat: 0, bits: 16 }];
      for (const bits of [2, 3, 4, 6, 8])
        for (const f of [0.05, 0.15, 0.3, 0.6]) runs.push({ N, Dfp: D * (1 - f), Dqat: D * f, bits });
      for (const x of runs)
        rows.push(
          `r${rows.length},${x.N},${x.Dfp},${x.Dqat},${x.bits},${qat.predict(truth, x) * Math.exp(0.003 * random.normal())}`,
        );
    }
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
  time(
    "fit qat (16 params, 504 runs), --intervals bootstrap --bootstrap 100",
    scalefit("fit", "--law", "qat", "--data", qatFile, "--intervals", "bootstrap", "--bootstrap", "100"),
    1,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
