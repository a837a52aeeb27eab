/**
 * The warnings a chart must carry: parameters of the fit at a bound, or not identified by the data, that
 * what the chart draws depends on. The fit report says so in its text; a chart read (or copied as a PNG) on
 * its own must say so too.
 */
import type { Warning } from "../dataTypes.js";
import type { FittedParam } from "../types.js";
import { formatValue } from "./charts/_format.js";

/** A fit's parameters that its charts must warn about. */
export interface FitIssues {
  readonly atBound: ReadonlyArray<{ name: string; side: "lower" | "upper"; bound: number | undefined }>;
  readonly unidentified: readonly string[];
  /** A not-identified warning that names no parameter. */
  readonly unnamed: boolean;
}

const names = (text: string) =>
  text
    .split(/,\s*|\s+and\s+/)
    .map((name) => name.trim())
    .filter(Boolean);

/**
 * The parameters at a bound (from the fit's variables, or its at-bound warnings) and those the data do not
 * identify (its `unidentified`, variables marked so, and the names its not-identified warnings give).
 * @example fitIssues(fit) // {atBound: [], unidentified: ["E"], unnamed: false}
 */
export function fitIssues(fit: {
  readonly variables?: readonly FittedParam[];
  readonly warnings: readonly Warning[];
  readonly unidentified?: readonly string[];
}): FitIssues {
  const atBound = new Map<string, FitIssues["atBound"][number]>();
  for (const v of fit.variables ?? [])
    if (v.atBound && !v.fixed)
      atBound.set(v.name, {
        name: v.name,
        side: v.atBound === "min" ? "lower" : "upper",
        bound: v.atBound === "min" ? v.min : v.max,
      });
  const unidentified = new Set<string>(fit.unidentified ?? []);
  for (const v of fit.variables ?? []) if (v.identified === false) unidentified.add(v.name);
  let unnamed = false;
  for (const w of fit.warnings) {
    if (w.code === "at-bound") {
      const found = /^(\S+) = \S+ is at its (lower|upper) bound (\S+?):/.exec(w.message);
      if (found && !atBound.has(found[1]!))
        atBound.set(found[1]!, {
          name: found[1]!,
          side: found[2] as "lower" | "upper",
          bound: Number(found[3]),
        });
    }
    if (w.code === "not-identified") {
      const found =
        /undetermined: ([^)]+)\)/.exec(w.message) ?? /too little to identify ([^;]+);/.exec(w.message);
      if (found) for (const name of names(found[1]!)) unidentified.add(name);
      else unnamed = true;
    }
  }
  return { atBound: [...atBound.values()], unidentified: [...unidentified], unnamed };
}

const joined = (list: readonly string[]) =>
  list.length < 2 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;

/**
 * The notes of one chart: one line for each parameter at a bound and one for the unidentified parameters
 * that `dependsOn` says the chart's quantity moves with.
 * @example chartNotes(fitIssues(fit), () => true) // ["E is not identified by these data (not-identified warning): …"]
 */
export function chartNotes(issues: FitIssues, dependsOn: (name: string) => boolean): string[] {
  const notes = issues.atBound
    .filter((p) => dependsOn(p.name))
    .map(
      (p) =>
        `${p.name} sits at its ${p.side} bound${p.bound === undefined ? "" : ` ${formatValue(p.bound)}`} (at-bound warning): what this chart shows of it is set by the bound, not by the data.`,
    );
  const unidentified = issues.unidentified.filter(dependsOn);
  if (unidentified.length)
    notes.push(
      `${joined(unidentified)} ${unidentified.length === 1 ? "is" : "are"} not identified by these data (not-identified warning): what this chart shows of ${unidentified.length === 1 ? "it" : "them"} is not determined by the data.`,
    );
  if (issues.unnamed)
    notes.push(
      "The data cannot identify all parameters of this fit (not-identified warning): read this chart with care.",
    );
  return notes;
}
