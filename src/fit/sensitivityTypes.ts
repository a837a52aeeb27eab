/**
 * The types of `fitSensitivity` (`sensitivity.ts`): the conventions a fit is refitted under, what each refit
 * answers, and how far the answers move between them. Plain data, so a report serialises to JSON unchanged.
 */
import type { Inputs, LossName, Observations, Params } from "../dataTypes.js";
import type { Law } from "../types.js";

/** Which parameters N counts: all of them, as the data give N, or the non-embedding ones (Kaplan et al. 2020, §2.1). */
type ParameterCount = "total" | "non-embedding";

/** A convention a fit is made under: the objective (robust loss, where it bends, its space) and what N counts. */
export interface Convention {
  readonly loss: LossName;
  /** Where a robust loss bends, in residual units; least squares (`linear`) ignores it. */
  readonly delta: number;
  readonly space: "log" | "linear";
  readonly params: ParameterCount;
}

/** What `fitSensitivity` refits and asks of each refit, besides the fit options. */
export interface SensitivityOptions {
  /**
   * Conventions to refit under (fields left out are the fit's own). The fit's own convention always comes
   * first. @default `defaultConventions`, without the loss or space a law fixes in its `fitDefaults`
   */
  readonly conventions?: readonly Partial<Convention>[];
  /** A compute budget C (FLOPs): each refit's N*(C), D*(C) and the loss it predicts there. */
  readonly compute?: number;
  /** A point (every input of the law, e.g. `{N: 7e10, D: 1.4e12}`): the loss each refit predicts there. */
  readonly at?: Readonly<Inputs>;
  /** The same points with N counting non-embedding parameters, where the data carry both counts. */
  readonly nonEmbedding?: Observations;
  /** Why there is no `nonEmbedding` (reported with the skipped conventions). */
  readonly nonEmbeddingNote?: string;
  /**
   * N*(C) and D*(C) for a law without a closed form (`frontier`, which lives in predict), or undefined.
   * Otherwise the law's `computeOptimal`, else N* = kN·C^aN from its derived quantities (isoflop, envelope).
   */
  readonly allocate?: (law: Law, p: Params, C: number) => { N: number; D: number } | undefined;
}

/** One refit: its convention, objective, parameters, derived quantities and answers. */
export interface SensitivityVariant {
  /** In words: `Huber δ 1e-3, log`, `least squares, linear, N non-embedding`. */
  readonly label: string;
  readonly convention: Convention;
  /** The objective in words (`objectiveDefinition`). */
  readonly objective: string;
  readonly converged: boolean;
  readonly params: Params;
  /** The law's derived quantities at these parameters (`law.derived`). */
  readonly derived: Readonly<Record<string, number>>;
  /** At `compute`: N*, D* and the predicted loss there (null where the law cannot predict it). */
  readonly optimum?: { readonly N: number; readonly D: number; readonly loss: number | null };
  /** The loss predicted at `at` (null where the law cannot predict it). */
  readonly lossAt?: number | null;
  /** Codes of the refit's warnings (`at-bound`, `correlation`, …). */
  readonly warnings: readonly string[];
}

/** How far one quantity moves across the converged refits. */
export interface Spread {
  /** `alpha`, `a`, `N*(3.8e+25)`, `L(N*, D*)`, `L(N=7e+10, D=1.4e+12)`. */
  readonly quantity: string;
  readonly source: "parameter" | "derived" | "answer";
  /**
   * How it moves: `absolute` (max − min) for exponents and other quantities of order one, `relative`
   * (max/min − 1) for sizes, scales and losses.
   */
  readonly scale: "absolute" | "relative";
  /** Its value under the fit's own convention. */
  readonly reference: number;
  readonly min: number;
  readonly max: number;
  /** Labels of the refits at the ends. */
  readonly minVariant: string;
  readonly maxVariant: string;
  /** max − min. */
  readonly range: number;
  /** max/min − 1; null unless every value is positive. */
  readonly relative: number | null;
}

/** A refit the data, the law or the solver ruled out, and why. */
export interface SkippedConvention {
  readonly label: string;
  readonly reason: string;
}

/** The refits under each convention and how far the answers move between them. */
export interface SensitivityReport {
  readonly compute: number | null;
  readonly at: Readonly<Inputs> | null;
  /** Label of the fit's own convention (the first variant). */
  readonly reference: string;
  readonly variants: readonly SensitivityVariant[];
  readonly skipped: readonly SkippedConvention[];
  /** Every free parameter, derived quantity and answer, across the converged refits. */
  readonly spreads: readonly Spread[];
  /**
   * The headline: the answer (N*, D*, a loss) that moves most, relatively, or without answers the exponent
   * that moves most; null with fewer than two converged refits.
   */
  readonly largest: Spread | null;
  /** The headline in one line. */
  readonly summary: string;
}
