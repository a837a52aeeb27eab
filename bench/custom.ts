/**
 * The custom law against the built-in law it equals, measured in the same run: `power` and `E + A/C^alpha` on
 * Porian et al.'s 6 points (../shared/datasets/porian), `chinchilla` and `E + A/N^alpha + B/D^beta` on the 245
 * points of data/chinchilla/epoch.csv. In-process fits (warm medians; the 1000-refit bootstrap for Chinchilla)
 * and whole `scalefit fit --json` processes (median of 3, which includes loading mathjs); each row gives the
 * ratio custom / built-in. The custom law runs as the CLI builds it (no --log, no bounds) and, as "same specs",
 * with the built-in law's log-scaled coefficients and exponent bounds.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CustomLawOptions, FitOptions, Law, Observations } from "../src/index.js";
import { chinchilla, chinchillaDataPath, customLaw, fitLaw, loadObservations, power } from "../src/index.js";
import { line, median, root, wholeProcess } from "./_shared.js";

const porianPath = join(root, "../shared/datasets/porian/owt2_base_short_chinchilla_standard_val_loss.csv");

interface Pair {
  readonly name: string;
  readonly data: string;
  readonly law: Law;
  readonly formula: string;
  /** The built-in law's parameter specs, as library options and as CLI flags. */
  readonly same: CustomLawOptions;
  readonly sameFlags: readonly string[];
}

const pairs: Pair[] = [
  {
    name: "power",
    data: porianPath,
    law: power,
    formula: "E + A/C^alpha",
    same: { log: ["E", "A"], params: { alpha: { min: 0 } } },
    sameFlags: ["--log", "E,A", "--bounds", "alpha=0:"],
  },
  {
    name: "chinchilla",
    data: chinchillaDataPath,
    law: chinchilla,
    formula: "E + A/N^alpha + B/D^beta",
    same: { log: ["E", "A", "B"], params: { alpha: { min: 0 }, beta: { min: 0 } } },
    sameFlags: ["--log", "E,A,B", "--bounds", "alpha=0:,beta=0:"],
  },
];

/** Median seconds of `runs` calls, after one warm-up call unless `warmUp` is false. */
function inProcess(runs: number, fit: () => unknown, { warmUp = true } = {}): number {
  if (warmUp) fit();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    fit();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

const ratio = (label: string, builtin: number, custom: number, unit: "ms" | "s") => {
  const show = (seconds: number) =>
    unit === "ms" ? `${(1000 * seconds).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
  line(label, `built-in ${show(builtin)}, custom ${show(custom)}: ${(custom / builtin).toFixed(2)}×`);
};

console.log("== Custom formulas against the built-in laws they equal (ratio: custom time / built-in time)");
for (const pair of pairs) {
  if (!existsSync(pair.data)) {
    console.log(`${pair.name}: no ${pair.data}; skipped`);
    continue;
  }
  const custom = await customLaw(pair.formula);
  const same = await customLaw(pair.formula, pair.same);
  const data: Observations = loadObservations(pair.data, pair.law).observations;
  const none: FitOptions = { intervals: "none" };
  const builtinFit = inProcess(9, () => fitLaw(pair.law, data, none));
  ratio(
    `${pair.name} fit, in-process, warm median`,
    builtinFit,
    inProcess(9, () => fitLaw(custom, data, none)),
    "ms",
  );
  ratio(
    "  same specs",
    builtinFit,
    inProcess(9, () => fitLaw(same, data, none)),
    "ms",
  );
  if (pair.name === "chinchilla") {
    const boot: FitOptions = { bootstrap: 1000, seed: 1 };
    const builtinBoot = inProcess(3, () => fitLaw(pair.law, data, boot), { warmUp: false });
    ratio(
      "  fit + 1000-refit bootstrap, in-process",
      builtinBoot,
      inProcess(3, () => fitLaw(custom, data, boot), { warmUp: false }),
      "s",
    );
    ratio(
      "  same specs",
      builtinBoot,
      inProcess(3, () => fitLaw(same, data, boot), { warmUp: false }),
      "s",
    );
  }
  const cli = (...extra: string[]) =>
    wholeProcess(
      process.execPath,
      [join(root, "bin/scalefit.js"), "fit", "--data", pair.data, "--json", ...extra],
      3,
    ).seconds;
  const customArgs = ["--law", "custom", "--formula", pair.formula];
  for (const intervals of [[], ["--intervals", "none"]]) {
    const builtin = cli("--law", pair.name, ...intervals);
    const label = `  scalefit fit${intervals.length ? " --intervals none" : ""}, whole process`;
    ratio(label, builtin, cli(...customArgs, ...intervals), "s");
    ratio("  same specs", builtin, cli(...customArgs, ...pair.sameFlags, ...intervals), "s");
  }
}
