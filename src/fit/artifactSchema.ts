import type { FitArtifact, Law } from "../types.js";

/**
 * The version of the fit artifact's layout, written as `artifactVersion`: a reader refuses a newer one
 * rather than misreading it. Artifacts written before the field are version 1.
 * @example artifactVersion // 1
 */
export const artifactVersion = 1;

const losses = ["linear", "huber", "softL1", "cauchy"];
const spaces = ["log", "linear"];

/**
 * Checks a parsed artifact against the layout `fitToArtifact` writes, calling `bad` with the first field at
 * fault: its version, level (strictly between 0 and 1), parameters (finite, inside the bounds the fit used,
 * positive where fitted as logarithms), draws (arrays of numbers of one length, one per free parameter),
 * residuals, intervals, data range (finite, low ≤ high) and the options prediction reads (space, loss,
 * delta, seed). A hand-edited artifact is refused by name instead of printing NaN or another interval.
 * @example checkArtifact(json, chinchilla, (what) => { throw new Error(what); })
 */
export function checkArtifact(a: Partial<FitArtifact>, law: Law, bad: (what: string) => never): void {
  const version = a.artifactVersion ?? 1;
  if (!Number.isInteger(version) || version < 1)
    bad(`artifactVersion must be a whole number from 1, not ${JSON.stringify(version)}`);
  if (version > artifactVersion)
    bad(
      `it has artifact version ${version}, written by a newer scalefit; this one reads up to version ${artifactVersion}`,
    );
  if (a.level !== undefined && !(typeof a.level === "number" && a.level > 0 && a.level < 1))
    bad(`level must be a number between 0 and 1, not ${JSON.stringify(a.level)}`);
  const variables = new Map((Array.isArray(a.variables) ? a.variables : []).map((v) => [v?.name, v]));
  for (const spec of law.params) {
    const value = (a.params as Record<string, number>)[spec.name]!;
    if (!Number.isFinite(value)) bad(`parameter ${spec.name} must be a finite number, not ${value}`);
    const used = variables.get(spec.name);
    const min = typeof used?.min === "number" ? used.min : spec.min;
    const max = typeof used?.max === "number" ? used.max : spec.max;
    if (min !== undefined && value < min) bad(`parameter ${spec.name} = ${value} is below its bound ${min}`);
    if (max !== undefined && value > max) bad(`parameter ${spec.name} = ${value} is above its bound ${max}`);
    // A logarithm far below its range underflows to exactly 0 (a fit writes E = 0 for a floor at its bound).
    if ((used?.log ?? spec.log) && !(value >= 0))
      bad(`parameter ${spec.name} = ${value} must not be negative (it is fitted as a logarithm)`);
  }
  checkDraws(a, law, variables, bad);
  checkDraws(a, law, variables, bad, "identifiedDraws");
  if (a.residuals !== undefined && !isNumberArray(a.residuals)) bad("residuals must be an array of numbers");
  if (a.intervals !== undefined) {
    if (!isRecord(a.intervals)) bad("intervals must be an object");
    for (const [name, interval] of Object.entries(a.intervals))
      if (!(isNumberArray(interval) && interval.length === 2))
        bad(`the interval of ${name} must be two numbers [low, high]`);
  }
  if (a.dataRange !== undefined) {
    if (!isRecord(a.dataRange)) bad("dataRange must be an object");
    for (const [name, range] of Object.entries(a.dataRange)) {
      const ok =
        Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0]! <= range[1]!;
      if (!ok) bad(`dataRange.${name} must be two finite numbers [low, high], not ${JSON.stringify(range)}`);
    }
  }
  const options = a.options as unknown as Record<string, unknown>;
  if (options.space !== undefined && !spaces.includes(options.space as string))
    bad(`options.space must be ${spaces.join(" or ")}, not ${JSON.stringify(options.space)}`);
  if (options.loss !== undefined && !losses.includes(options.loss as string))
    bad(`options.loss must be one of ${losses.join(", ")}, not ${JSON.stringify(options.loss)}`);
  if (
    options.delta !== undefined &&
    !(typeof options.delta === "number" && options.delta > 0 && Number.isFinite(options.delta))
  )
    bad(`options.delta must be a positive number, not ${JSON.stringify(options.delta)}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    bad(`options.seed must be a whole number, not ${JSON.stringify(options.seed)}`);
}

/** Draws: absent, or arrays of numbers (null for a failed refit) of one length, every free parameter's among them. */
function checkDraws(
  a: Partial<FitArtifact>,
  law: Law,
  variables: Map<unknown, { fixed?: boolean } | undefined>,
  bad: (what: string) => never,
  field: "draws" | "identifiedDraws" = "draws",
): void {
  const draws = a[field];
  if (draws === null || draws === undefined) return;
  if (!isRecord(draws)) bad(`${field} must be an object`);
  let length: number | undefined;
  for (const [name, values] of Object.entries(draws)) {
    if (!Array.isArray(values)) bad(`${field} of ${name} are not an array`);
    if (!isNumberArray(values)) {
      const odd: unknown = (values as unknown[]).find((v) => v !== null && !Number.isFinite(v));
      bad(`${field} of ${name} must be numbers (or null), found ${JSON.stringify(odd)}`);
    }
    length ??= values.length;
    if (values.length !== length) bad(`${field} of ${name} have ${values.length} values, others ${length}`);
  }
  for (const spec of law.params) {
    const fixed = variables.get(spec.name)?.fixed ?? spec.fixed;
    if (!fixed && !Object.hasOwn(draws, spec.name)) bad(`${field} lack parameter ${spec.name}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const isNumberArray = (v: unknown): v is (number | null)[] =>
  Array.isArray(v) && v.every((x) => x === null || (typeof x === "number" && Number.isFinite(x)));
