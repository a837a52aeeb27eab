import { isUserError, UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import type { CurveMisfit, LossName, OptionValue, ResolvedFitOptions, StepBase } from "../dataTypes.js";
import type { FitArtifact, FitResult, FittedLaw, Law } from "../types.js";
import { version } from "../version.js";
import { artifactVersion, checkArtifact } from "./artifactSchema.js";
import { lawDefinition, resolveLaw } from "./laws/index.js";

/**
 * The JSON artifact of a fit. `data` describes the input (file, digest, filters) for provenance; `stepBase`
 * (curve laws) where the curve file's steps counted from.
 * @example JSON.stringify(fitToArtifact(fit, {dataDigest: table.digest, data: {file: "epoch.csv"}}))
 */
export function fitToArtifact(
  fit: FitResult,
  {
    dataDigest,
    data = {},
    stepBase,
  }: { dataDigest: string; data?: Record<string, unknown>; stepBase?: StepBase },
): FitArtifact {
  return {
    law: fit.law.name,
    lawSpec: { ...(fit.law.spec ?? {}) },
    formula: fit.law.formula,
    params: fit.params,
    intervals: fit.intervals,
    intervalMethod: fit.intervalMethod,
    level: fit.level,
    objective: fit.objective,
    objectiveDefinition: fit.objectiveDefinition,
    points: fit.points,
    freeParams: fit.freeParams,
    converged: fit.converged,
    status: fit.status,
    warnings: fit.warnings,
    options: fit.options,
    variables: fit.variables,
    derived: fit.derived,
    aic: fit.aic,
    bic: fit.bic,
    conditionNumber: fit.conditionNumber,
    correlations: fit.correlations,
    minima: fit.minima,
    dataRange: fit.dataRange,
    residuals: Array.from(fit.residuals),
    ...(fit.curveMisfit ? { curveMisfit: fit.curveMisfit } : {}),
    draws: fit.draws ? plainDraws(fit.draws) : null,
    ...(fit.identifiedDraws ? { identifiedDraws: plainDraws(fit.identifiedDraws) } : {}),
    data,
    dataDigest,
    ...(stepBase !== undefined ? { stepBase } : {}),
    version,
    artifactVersion,
    // A law's named answers (bcrit: Bstar, alphaB and each target's S_min / E_min / B_crit).
    ...(fit.law.summary?.(fit) ?? {}),
  };
}

/**
 * Rebuilds a usable fit (law, parameters, draws, residuals, the step base of its curves: 0 when the
 * artifact predates the field) from a parsed artifact, checking its shape; `source` names the file in messages.
 * @example const fit = await fitFromArtifact(JSON.parse(readFileSync("fit.json", "utf8")), "fit.json");
 */
export async function fitFromArtifact(
  json: unknown,
  source = "fit artifact",
): Promise<FittedLaw & { artifact: FitArtifact; stepBase: StepBase }> {
  const bad = (what: string): never => {
    throw new UserError(`${source} is not a scalefit fit artifact: ${what}`);
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) bad("expected a JSON object");
  const a = json as Partial<FitArtifact>;
  if (typeof a.law !== "string") bad("missing law");
  if (!a.params || typeof a.params !== "object") bad("missing params");
  for (const [name, value] of Object.entries(a.params!))
    if (typeof value !== "number") bad(`parameter ${name} is not a number`);
  if (!a.options || typeof a.options !== "object") bad("missing options");
  if (a.draws !== null && a.draws !== undefined && typeof a.draws !== "object")
    bad("draws must be an object");
  if (a.stepBase !== undefined && a.stepBase !== 0 && a.stepBase !== 1)
    bad(`stepBase must be 0 or 1, not ${JSON.stringify(a.stepBase)}`);
  // A law or formula refused (`"law": "__proto__"`, a formula using `constructor`) names the file.
  const law = await lawOfSpec(a.law!, a.lawSpec).catch((error: unknown) => {
    throw isUserError(error) ? new UserError(`${source}: ${error.message}`) : error;
  });
  for (const p of law.params)
    if (typeof ownEntry(a.params, p.name) !== "number") bad(`missing parameter ${p.name} of law ${law.name}`);
  checkArtifact(a, law, bad);
  const draws = a.draws ? typedDraws(a.draws) : null;
  const options = a.options as ResolvedFitOptions;
  const unidentified = (a.variables ?? []).filter((v) => v.identified === false).map((v) => v.name);
  return {
    law,
    ...(unidentified.length ? { unidentified } : {}),
    params: a.params!,
    draws,
    ...(a.identifiedDraws ? { identifiedDraws: typedDraws(a.identifiedDraws) } : {}),
    residuals: Float64Array.from(a.residuals ?? []),
    ...(a.curveMisfit ? { curveMisfit: checkedMisfit(a.curveMisfit, bad) } : {}),
    dataRange: a.dataRange ?? {},
    level: typeof a.level === "number" ? a.level : 0.95,
    options: {
      ...options,
      loss: (options.loss ?? "huber") as LossName,
      space: options.space ?? "log",
      seed: options.seed ?? 1,
    },
    stepBase: a.stepBase ?? 0,
    artifact: a as FitArtifact,
  };
}

/**
 * The law of an artifact, rebuilt from the options it declares, read back from its lawSpec.
 * @example const law = await lawOfSpec("power", {x: "N"})
 */
export async function lawOfSpec(name: string, lawSpec: unknown): Promise<Law> {
  const definition = lawDefinition(name);
  const spec = (lawSpec ?? {}) as Record<string, OptionValue>;
  const request = Object.fromEntries(
    Object.keys(definition.options ?? {})
      .filter((key) => Object.hasOwn(spec, key) && spec[key] !== undefined)
      .map((key) => [key, spec[key]!]),
  );
  return resolveLaw(name, request);
}

/**
 * Reads a fit artifact file written by `scalefit fit --out` (or `fitToArtifact`).
 * @example const fit = await loadFit("fit.json"); predictLoss(fit, [{N: 7e10, D: 1.4e12}])
 */
export async function loadFit(
  file: string,
): Promise<FittedLaw & { artifact: FitArtifact; stepBase: StepBase }> {
  const { readFileSync } = await import("node:fs");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not valid JSON (${(error as Error).message.replace(/\s+/g, " ")})`);
  }
  return fitFromArtifact(json, file);
}

/** An artifact's curve misfit, its arrays checked as arrays of finite numbers of matching lengths. */
function checkedMisfit(misfit: unknown, bad: (message: string) => never): CurveMisfit {
  const m = misfit as CurveMisfit;
  const numbers = (v: unknown, what: string) => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x)))
      bad(`curveMisfit.${what} must be an array of finite numbers`);
    return v as number[];
  };
  if (typeof m !== "object" || m === null || !(typeof m.horizon === "number" && m.horizon > 0))
    bad("curveMisfit must have a positive horizon");
  const test = (m.horizonTest ?? {}) as CurveMisfit["horizonTest"];
  const ratio = numbers(test.ratio, "horizonTest.ratio");
  const residual = numbers(test.residual, "horizonTest.residual");
  if (ratio.length !== residual.length) bad("curveMisfit.horizonTest.ratio and residual differ in length");
  if (!(typeof test.cut === "number" && test.cut > 0)) bad("curveMisfit.horizonTest.cut must be positive");
  return {
    horizon: m.horizon,
    heldOut: numbers(m.heldOut, "heldOut"),
    horizonTest: { cut: test.cut, ratio, residual },
  };
}

/** Draws as JSON arrays. */
const plainDraws = (draws: Readonly<Record<string, Float64Array>>) =>
  Object.fromEntries(Object.entries(draws).map(([k, v]) => [k, Array.from(v)]));

/** Draws read back (null, as JSON writes NaN, as NaN). */
const typedDraws = (draws: Readonly<Record<string, readonly (number | null)[]>>) =>
  Object.fromEntries(
    Object.entries(draws).map(([k, v]) => [k, Float64Array.from(v, (x) => (x === null ? NaN : x))]),
  );
