import { UserError } from "../errors.js";
import { hasOwnName, ownEntry } from "../names.js";
import type { FitOptions, Observations, ParamSpec, ResolvedFitOptions } from "../dataTypes.js";
import type { Law } from "../types.js";
import { lossNames } from "./losses.js";

/** Options and parameter specs after validation. */
export interface CheckedFit {
  readonly options: ResolvedFitOptions;
  readonly specs: readonly ParamSpec[];
}

const intervalMethods = ["bootstrap", "covariance", "none"] as const;

/**
 * Most bootstrap refits a fit may ask for: each refit is a whole fit, and 100 times the default 1000 already
 * puts the Monte Carlo error of a 95 % percentile interval's ends near 0.2 % of its width (normal draws:
 * √(0.025 · 0.975 / 1e5) / φ(1.96) = 0.0084 σ against a width of 3.92 σ).
 * @example maxBootstrap // 100000
 */
export const maxBootstrap = 100_000;

/**
 * The objective of a fit unless its law or its user says otherwise: Huber δ = 1e-3 on log residuals
 * (Hoffmann et al. 2022, appendix D.2).
 */
export const defaultObjective = { loss: "huber", space: "log", delta: 1e-3 } as const;

/**
 * Validates `fitLaw`'s options against a law and its data once, fills the defaults and resolves the
 * parameter specs (overrides, fixed values). Throws a `UserError` naming the option and value at fault.
 * @example checkFitOptions(chinchilla, data, {fix: {E: 1.69}}).specs[0] // {name: "E", fixed: true, value: 1.69, ...}
 */
export function checkFitOptions(
  law: Law,
  data: Observations,
  options: FitOptions = {},
  { prepared = false } = {},
): CheckedFit {
  const loss = options.loss ?? defaultObjective.loss;
  if (!lossNames.includes(loss))
    throw new UserError(`invalid loss: ${loss} (expected ${lossNames.join(", ")})`);
  const space = options.space ?? defaultObjective.space;
  if (space !== "log" && space !== "linear")
    throw new UserError(`invalid space: ${space} (expected log or linear)`);
  const delta = options.delta ?? defaultObjective.delta;
  if (!(delta > 0) || !Number.isFinite(delta))
    throw new UserError(`invalid delta: ${delta} (expected a positive number)`);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1))
    throw new UserError(`invalid level: ${level} (expected a number between 0 and 1)`);
  const intervals = options.intervals ?? "bootstrap";
  if (!intervalMethods.includes(intervals)) {
    throw new UserError(`invalid intervals: ${intervals} (expected ${intervalMethods.join(", ")})`);
  }
  const bootstrap = options.bootstrap ?? (law.curve ? 100 : 1000);
  if (!Number.isInteger(bootstrap) || bootstrap < 0)
    throw new UserError(`invalid bootstrap: ${bootstrap} (expected a whole number)`);
  if (bootstrap > maxBootstrap)
    throw new UserError(`invalid bootstrap: ${bootstrap} (at most ${maxBootstrap} refits)`);
  if (intervals === "bootstrap" && bootstrap < 20) {
    throw new UserError(
      `invalid bootstrap: ${bootstrap} (at least 20 refits are needed for percentile intervals)`,
    );
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new UserError(`invalid seed: ${seed} (expected an integer)`);
  const refine = options.refine ?? 8;
  if (!Number.isInteger(refine) || refine < 1)
    throw new UserError(`invalid refine: ${refine} (expected a positive integer)`);
  const names = law.params.map((p) => p.name);
  const known = (name: string, what: string) => {
    if (!names.includes(name)) {
      throw new UserError(`unknown parameter ${name} in ${what}: law ${law.name} has ${names.join(", ")}`);
    }
  };
  const fix = { ...(options.fix ?? {}) };
  for (const [name, value] of Object.entries(fix)) {
    known(name, "fix");
    if (!Number.isFinite(value)) throw new UserError(`invalid value for fixed parameter ${name}: ${value}`);
  }
  for (const name of Object.keys(options.params ?? {})) known(name, "params");
  const profile = [...(options.profile ?? [])];
  for (const name of profile) {
    known(name, "profile");
    if (hasOwnName(fix, name)) throw new UserError(`cannot profile ${name}: it is fixed`);
  }
  const specs = law.params.map((spec): ParamSpec => {
    const override = ownEntry(options.params, spec.name) ?? {};
    let merged: ParamSpec = { ...spec, ...override, name: spec.name };
    if (merged.min !== undefined && merged.max !== undefined) {
      // Refused rather than swapped (lmfit swaps): inverted bounds are a typo, and a swap fits another problem.
      if (merged.min > merged.max)
        throw new UserError(`parameter ${spec.name} has min ${merged.min} > max ${merged.max}`);
      if (merged.min === merged.max)
        throw new UserError(`parameter ${spec.name} has min == max (${merged.min}); fix it instead`);
    }
    if (hasOwnName(fix, spec.name)) {
      const value = fix[spec.name]!;
      if (merged.log && !(value > 0) && value !== 0) {
        throw new UserError(`invalid value for fixed parameter ${spec.name}: ${value} (it must be positive)`);
      }
      merged = { ...merged, fixed: true, value };
    } else if (merged.fixed) {
      fix[spec.name] = merged.value ?? 1;
    }
    if (!merged.fixed && merged.log && merged.max !== undefined && merged.max <= 0) {
      throw new UserError(`parameter ${spec.name} is fitted as a logarithm but its max is ${merged.max}`);
    }
    return merged;
  });
  const free = specs.filter((s) => !s.fixed).length;
  // The points a law prepared from checked data are its own: its data checks read the data as given.
  checkObservations(prepared ? { ...law, checkData: undefined, checkPoint: undefined } : law, data, space);
  const runs = data.run ? new Set(data.run).size : 0;
  let resample = options.resample ?? "auto";
  if (!["auto", "runs", "blocks", "points"].includes(resample)) {
    throw new UserError(`invalid resample: ${resample} (expected auto, runs, blocks or points)`);
  }
  if ((resample === "runs" || resample === "blocks") && runs === 0) {
    throw new UserError(`resample ${resample} needs run labels (a run column)`);
  }
  // Enough runs: redraw whole runs. A few long curves: redraw blocks of steps within each. Else points.
  // A law whose runs give several points that are one draw redraws runs whatever their number.
  if (resample === "auto")
    resample =
      runs >= 10 || (runs > 0 && law.resample === "runs")
        ? "runs"
        : runs > 0 && data.loss.length >= 10 * runs
          ? "blocks"
          : "points";
  const blockLength =
    options.blockLength ?? Math.max(5, Math.round(Math.sqrt(data.loss.length / Math.max(runs, 1))));
  if (!Number.isInteger(blockLength) || blockLength < 1)
    throw new UserError(`invalid blockLength: ${blockLength} (expected a positive integer)`);
  // Too few units to redraw, each one point per parameter block (single points; bcrit's runs, one point per
  // target): resamples that repeat a handful of them leave blocks unidentified and the percentile interval
  // degenerate (Bstar in [1e-30, 1e46] from 4 batch sizes); the covariance with Student's t covers better
  // (measured on simulated 4-size sweeps: 88 % for Bstar against 75 % for a bootstrap over the 4 runs).
  // A few runs of many points each keep their bootstrap, which is rough but conservative there (6 runs
  // of 20 points: 100 % coverage of the 95 % intervals, against 60 % for a cluster-robust covariance).
  const units = resamplingUnitCount(data, resample as "runs" | "blocks" | "points", blockLength);
  const few = intervals === "bootstrap" && units < minimumBootstrapUnits;
  const fallback =
    few && (resample === "points" || law.resample === "runs")
      ? `only ${units} ${resample === "runs" ? "runs" : "points"} to resample (a bootstrap needs ${minimumBootstrapUnits} or more): intervals from the covariance instead`
      : undefined;
  const rough =
    few && !fallback
      ? `only ${units} ${resample === "runs" ? "runs" : "blocks"} to resample: percentile intervals from so few are rough (wide, or degenerate where a resample cannot identify the law)`
      : undefined;
  const n = countPoints(data);
  if (n < free) {
    throw new UserError(
      `fewer points than free parameters: ${n} points, ${free} free parameters of law ${law.name}`,
    );
  }
  return {
    specs,
    options: {
      loss,
      delta,
      space,
      fix,
      intervals: fallback ? "covariance" : intervals,
      ...(fallback ? { intervalsFallback: fallback } : {}),
      ...(rough ? { intervalsNote: rough } : {}),
      bootstrap,
      resample: resample as "runs" | "blocks" | "points",
      blockLength,
      level,
      seed,
      refine,
      profile,
      fTol: options.fTol ?? 1e-14,
      xTol: options.xTol ?? 1e-12,
      gTol: options.gTol ?? 1e-10,
      maxEvaluations: options.maxEvaluations ?? 5000,
    },
  };
}

/** Fewest units (runs, blocks or points) a bootstrap redraws before its intervals mean anything. */
const minimumBootstrapUnits = 8;

/** How many units a bootstrap of this unit redraws: runs, blocks of `blockLength` within runs, or points. */
function resamplingUnitCount(
  data: Observations,
  unit: "runs" | "blocks" | "points",
  blockLength: number,
): number {
  if (unit === "points" || !data.run) return countPoints(data);
  const sizes = new Map<string, number>();
  data.run.forEach((run, i) => {
    if (!data.weight || data.weight[i]! > 0) sizes.set(run, (sizes.get(run) ?? 0) + 1);
  });
  if (unit === "runs") return sizes.size;
  let blocks = 0;
  for (const size of sizes.values()) blocks += Math.ceil(size / blockLength);
  return blocks;
}

/** Points with a positive weight. */
function countPoints(data: Observations): number {
  if (!data.weight) return data.loss.length;
  let n = 0;
  for (const w of data.weight) if (w > 0) n++;
  return n;
}

/**
 * Checks that observations have every input the law reads, equal lengths, and finite positive values
 * (losses must be positive to take logarithms; sizes are positive by nature).
 * @example checkObservations(chinchilla, {inputs: {N: Float64Array.of(1e8)}, loss: Float64Array.of(3)}, "log") // throws: law chinchilla needs input D
 */
export function checkObservations(law: Law, data: Observations, space: "log" | "linear"): void {
  const n = data.loss.length;
  if (n === 0) throw new UserError("no observations to fit");
  for (const name of law.inputs) {
    const column = data.inputs[name];
    if (!column) {
      const have = Object.keys(data.inputs);
      throw new UserError(
        `law ${law.name} needs input ${name}; the data have ${have.length ? have.join(", ") : "no inputs"}`,
      );
    }
    if (column.length !== n)
      throw new UserError(`input ${name} has ${column.length} values but loss has ${n}`);
    const zero = law.zeroInputs?.includes(name) ?? false;
    for (let i = 0; i < n; i++) {
      const v = column[i]!;
      if (!Number.isFinite(v) || (zero ? v < 0 : v <= 0)) {
        throw new UserError(
          `observation ${i + 1}: ${name} = ${v} is not a ${zero ? "non-negative" : "positive"} finite number`,
        );
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const v = data.loss[i]!;
    if (!Number.isFinite(v) || (space === "log" && v <= 0)) {
      throw new UserError(
        `observation ${i + 1}: loss = ${v} is not a ${space === "log" ? "positive " : ""}finite number`,
      );
    }
  }
  if (data.weight) {
    if (data.weight.length !== n)
      throw new UserError(`weight has ${data.weight.length} values but loss has ${n}`);
    data.weight.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w))
        throw new UserError(`observation ${i + 1}: weight = ${w} is not a non-negative number`);
    });
  }
  if (data.run && data.run.length !== n)
    throw new UserError(`run has ${data.run.length} labels but loss has ${n}`);
  const problem = law.checkData?.(data);
  if (problem) throw new UserError(`law ${law.name}: ${problem}`);
  if (law.checkPoint) {
    const x: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      for (const name of law.inputs) x[name] = data.inputs[name]![i]!;
      const problem = law.checkPoint(x);
      if (problem)
        throw new UserError(`observation ${i + 1}${data.run ? ` (run ${data.run[i]})` : ""}: ${problem}`);
    }
  }
}
