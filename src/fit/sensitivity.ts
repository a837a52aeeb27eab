import { isUserError, UserError } from "../errors.js";
import type { FitOptions, Inputs, Observations, Params } from "../dataTypes.js";
import type { FitResult, Law } from "../types.js";
import { defaultObjective } from "./checkFitOptions.js";
import { fitLaw } from "./fitLaw.js";
import { lossNames } from "./losses.js";
import { spreadSummary } from "./sensitivitySpreads.js";
import type {
  Convention,
  SensitivityOptions,
  SensitivityReport,
  SensitivityVariant,
  SkippedConvention,
} from "./sensitivityTypes.js";

export type * from "./sensitivityTypes.js";

/**
 * The conventions refitted unless told otherwise: Huber δ = 1e-3 (the published recipe: Hoffmann et al. 2022,
 * appendix D.2; Besiroglu et al. 2024), Huber δ = 1e-4 and least squares, each on log and on raw losses
 * (Open-Athena's VPNLS fits the raw loss). Each is refitted with N total and, where the data carry it, non-embedding.
 * @example defaultConventions.map((c) => conventionLabel({ ...c, params: "total" }))[2] // "least squares, log"
 */
export const defaultConventions: readonly Omit<Convention, "params">[] = (["log", "linear"] as const).flatMap(
  (space) => [
    { loss: "huber", delta: 1e-3, space },
    { loss: "huber", delta: 1e-4, space },
    { loss: "linear", delta: 1e-3, space },
  ],
);

/**
 * Refits a law under the conventions people disagree on — Huber δ 1e-3 / 1e-4 / least squares, log or raw
 * losses, N total or non-embedding — and reports how far the exponents, N*(C), D*(C) and predicted losses
 * move. Point fits (no intervals), with the fit's other options and seed. Open-Athena's Llama 3 analysis
 * (scaling-law-analysis, experiment 11) is the motivating case: the convention alone moves N*(3.8e25) by ~40 %.
 * @example fitSensitivity(chinchilla, data, {}, {compute: 5.76e23}).summary // "N*(5.76e+23) moves 33% between conventions: …"
 */
export function fitSensitivity(
  law: Law,
  data: Observations,
  options: FitOptions = {},
  settings: SensitivityOptions = {},
): SensitivityReport {
  const plan = planConventions(law, data, options, settings);
  const withParams = plan.candidates.some((c) => c.params === "non-embedding");
  const variants: SensitivityVariant[] = [];
  const fits: FitResult[] = [];
  const skipped = [...plan.skipped];
  plan.candidates.forEach((convention, i) => {
    options.onProgress?.(i, plan.candidates.length, "sensitivity");
    const label = conventionLabel(convention, withParams);
    const points = convention.params === "non-embedding" ? settings.nonEmbedding! : data;
    let fit: FitResult;
    try {
      fit = fitLaw(law, points, pointFitOptions(options, convention));
    } catch (error) {
      // The fit's own convention failing is the fit failing: that error is the user's to see.
      if (i === 0 || !isUserError(error)) throw error;
      skipped.push({ label, reason: error.message });
      return;
    }
    const variant = variantOf(fit, convention, label, settings);
    if (i === 0 && settings.compute !== undefined && !variant.optimum)
      throw new UserError(`invalid compute: law ${law.name} has no compute-optimal allocation (N*, D*)`);
    variants.push(variant);
    fits.push(fit);
  });
  options.onProgress?.(plan.candidates.length, plan.candidates.length, "sensitivity");
  const { spreads, largest, summary } = spreadSummary(variants, fits, settings);
  return {
    compute: settings.compute ?? null,
    at: settings.at ?? null,
    reference: variants[0]!.label,
    variants,
    skipped,
    spreads,
    largest,
    summary,
  };
}

/**
 * A convention in words.
 * @example conventionLabel({loss: "huber", delta: 1e-3, space: "log", params: "total"}) // "Huber δ 1e-3, log"
 */
export function conventionLabel(convention: Convention, withParams = false): string {
  const { space, params } = convention;
  return `${objectiveLabel(convention)}, ${space}${withParams ? `, N ${params}` : ""}`;
}

/** The loss of a convention in words: `Huber δ 1e-3`, `least squares`, `cauchy δ 0.1`. */
function objectiveLabel({ loss, delta }: Convention): string {
  return loss === "linear"
    ? "least squares"
    : `${loss === "huber" ? "Huber" : loss} δ ${delta.toExponential()}`;
}

/** The conventions to refit, the fit's own first, and those ruled out with the reason. */
function planConventions(
  law: Law,
  data: Observations,
  options: FitOptions,
  settings: SensitivityOptions,
): { candidates: Convention[]; skipped: SkippedConvention[] } {
  checkAnswers(law, settings);
  const given = { ...law.fitDefaults, ...options };
  const reference: Convention = {
    loss: given.loss ?? defaultObjective.loss,
    delta: given.delta ?? defaultObjective.delta,
    space: given.space ?? defaultObjective.space,
    params: "total",
  };
  const skipped: SkippedConvention[] = [];
  let grid: Convention[];
  if (settings.conventions) grid = settings.conventions.map((c) => checkConvention({ ...reference, ...c }));
  else {
    // A law that fixes its loss or space in its own recipe (isoflop: least squares on the loss) keeps it.
    const fixesLoss = law.fitDefaults?.loss !== undefined || law.fitDefaults?.delta !== undefined;
    const fixesSpace = law.fitDefaults?.space !== undefined;
    const recipe = (what: string) => `law ${law.name} fixes its ${what} in its own recipe (fitDefaults)`;
    if (fixesLoss)
      skipped.push({ label: "other losses", reason: recipe(`loss (${objectiveLabel(reference)})`) });
    if (fixesSpace)
      skipped.push({
        label: `${reference.space === "log" ? "linear" : "log"} space`,
        reason: recipe(`space (${reference.space})`),
      });
    grid = defaultConventions.map((c) => ({
      ...reference,
      ...(fixesLoss ? {} : { loss: c.loss, delta: c.delta }),
      ...(fixesSpace ? {} : { space: c.space }),
    }));
  }
  const positive = data.loss.every((v, i) => v > 0 || !((data.weight?.[i] ?? 1) > 0));
  if (!positive && grid.some((c) => c.space === "log")) {
    skipped.push({ label: "log space", reason: "losses ≤ 0 have no logarithm" });
    grid = grid.filter((c) => c.space !== "log");
  }
  const note = nonEmbeddingNote(law, data, settings);
  if (note) {
    if (!settings.conventions || grid.some((c) => c.params === "non-embedding"))
      skipped.push({ label: "N non-embedding", reason: note });
    grid = grid.filter((c) => c.params !== "non-embedding");
  } else if (!settings.conventions) {
    // Every convention again with N non-embedding, the fit's own first.
    const counted = [reference, ...grid].map((c): Convention => ({ ...c, params: "non-embedding" }));
    grid = [...grid, ...counted];
  }
  const candidates: Convention[] = [reference];
  for (const c of grid) if (!candidates.some((seen) => key(seen) === key(c))) candidates.push(c);
  return { candidates, skipped };
}

/** Why the non-embedding refits cannot be made, or undefined when they can. */
function nonEmbeddingNote(law: Law, data: Observations, settings: SensitivityOptions): string | undefined {
  if (!law.inputs.includes("N")) return `law ${law.name} does not read N`;
  if (!settings.nonEmbedding)
    return settings.nonEmbeddingNote ?? "the data give one parameter count (no non-embedding N)";
  if (settings.nonEmbedding.loss.length !== data.loss.length)
    throw new RangeError(
      `nonEmbedding has ${settings.nonEmbedding.loss.length} points, the data ${data.loss.length}`,
    );
  return undefined;
}

/** Refuses a compute budget or a point the answers cannot be given at. */
function checkAnswers(law: Law, { compute, at }: SensitivityOptions): void {
  if (compute !== undefined && !(compute > 0 && Number.isFinite(compute)))
    throw new UserError(`invalid compute: ${compute} (expected a positive number of FLOPs)`);
  if (at === undefined) return;
  for (const [name, value] of Object.entries(at)) {
    if (!law.inputs.includes(name))
      throw new UserError(
        `invalid at: ${name} is not an input of law ${law.name} (${law.inputs.join(", ")})`,
      );
    if (!Number.isFinite(value))
      throw new UserError(`invalid at: ${name}=${value} (expected a finite number)`);
  }
  const missing = law.inputs.filter((name) => !Object.hasOwn(at, name));
  if (missing.length)
    throw new UserError(
      `invalid at: no ${missing.join(", ")} (law ${law.name} reads ${law.inputs.join(", ")})`,
    );
}

function checkConvention(c: Convention): Convention {
  if (!lossNames.includes(c.loss))
    throw new UserError(`invalid convention loss: ${c.loss} (expected ${lossNames.join(", ")})`);
  if (!(c.delta > 0) || !Number.isFinite(c.delta))
    throw new UserError(`invalid convention delta: ${c.delta} (expected a positive number)`);
  if (c.space !== "log" && c.space !== "linear")
    throw new UserError(`invalid convention space: ${c.space} (expected log or linear)`);
  if (c.params !== "total" && c.params !== "non-embedding")
    throw new UserError(`invalid convention params: ${c.params} (expected total or non-embedding)`);
  return c;
}

/** Two conventions are the same refit when these agree (least squares has no δ). */
function key(c: Convention): string {
  return [c.loss, c.loss === "linear" ? "" : c.delta, c.space, c.params].join("|");
}

/** The fit's options for one refit: its convention, no intervals, no profiles, no progress of its own. */
function pointFitOptions(options: FitOptions, c: Convention): FitOptions {
  const { onProgress: _progress, profile: _profile, ...rest } = options;
  return { ...rest, loss: c.loss, delta: c.delta, space: c.space, intervals: "none" };
}

function variantOf(
  fit: FitResult,
  convention: Convention,
  label: string,
  settings: SensitivityOptions,
): SensitivityVariant {
  const law = fit.law;
  const derived = Object.fromEntries(Object.entries(fit.derived).map(([name, d]) => [name, d.value]));
  const C = settings.compute;
  const allocation = C === undefined ? undefined : allocate(law, fit.params, derived, C, settings.allocate);
  return {
    label,
    convention,
    objective: fit.objectiveDefinition,
    converged: fit.converged,
    params: fit.params,
    derived,
    ...(allocation
      ? { optimum: { ...allocation, loss: predicted(law, fit.params, { ...allocation, C: C! }) } }
      : {}),
    ...(settings.at ? { lossAt: predicted(law, fit.params, settings.at) } : {}),
    warnings: [...new Set(fit.warnings.map((w) => w.code))],
  };
}

/** N*(C) and D*(C): the law's closed form, the caller's method, or N* = kN·C^aN from derived quantities. */
function allocate(
  law: Law,
  p: Params,
  derived: Readonly<Record<string, number>>,
  C: number,
  custom: SensitivityOptions["allocate"],
): { N: number; D: number } | undefined {
  const found = law.computeOptimal?.(p, C) ?? custom?.(law, p, C);
  if (found) return { N: found.N, D: found.D };
  const { kN, aN } = derived;
  if (kN === undefined || aN === undefined) return undefined;
  const N = kN * C ** aN;
  return { N, D: C / (6 * N) };
}

/** The law's loss at a point, or null where it cannot predict there (isoflop away from its budgets). */
function predicted(law: Law, p: Params, point: Readonly<Inputs>): number | null {
  const x = Object.fromEntries(law.inputs.map((name) => [name, point[name]!]));
  if (Object.values(x).some((v) => v === undefined)) return null;
  try {
    const loss = law.predict(p, x);
    return Number.isFinite(loss) ? loss : null;
  } catch (error) {
    if (isUserError(error)) return null;
    throw error;
  }
}
