/**
 * Plain data types every layer shares: parameter values and specs, observations as typed columns, the
 * options of a fit and of a law or question, and warnings. Everything here is data (no classes, no laws), so
 * it serialises to JSON and crosses the CLI boundary unchanged. The laws and fit results are in `types.ts`.
 */
/** Parameter values by name, e.g. `{E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28}`. */
export type Params = Record<string, number>;

/** Input values of one point by role name, e.g. `{N: 7e10, D: 1.4e12}`. */
export type Inputs = Record<string, number>;

/**
 * One parameter of a law, with the meanings of lmfit's `Parameter` (`vary` → `fixed`).
 * @example {name: "A", log: true, grid: [1, 1e2, 1e4], description: "scale of the N term"}
 */
export interface ParamSpec {
  /** The paper's symbol: `E`, `A`, `alpha`, … */
  readonly name: string;
  /** Starting value when no grid or linear projection supplies one. */
  readonly value?: number;
  /** Lower bound (inclusive). Bounds are enforced by a smooth transform, never by clamping. */
  readonly min?: number;
  /** Upper bound (inclusive). */
  readonly max?: number;
  /** Held at `value` during the fit. */
  readonly fixed?: boolean;
  /** Fitted as its logarithm (the value must be positive), as the Epoch fit does with `a = log A`. */
  readonly log?: boolean;
  /** Starting values to try for this parameter (the deterministic multi-start grid). */
  readonly grid?: readonly number[];
  /** A few words for reports. */
  readonly description?: string;
}

/**
 * Observations as typed columns: one entry per point.
 * @example {inputs: {N: Float64Array.of(1e8, 1e9), D: Float64Array.of(2e9, 2e10)}, loss: Float64Array.of(3.1, 2.7)}
 */
export interface Observations {
  /** Input columns by role name (`N`, `D`, `C`, `S`, …). */
  readonly inputs: Readonly<Record<string, Float64Array>>;
  /** The observed loss at each point (nats/token). */
  readonly loss: Float64Array;
  /** Run label of each point; the bootstrap resamples whole runs. Default: every point is its own run. */
  readonly run?: readonly string[];
  /** Non-negative weight of each point. Default: 1. */
  readonly weight?: Float64Array;
  /**
   * For curve laws: the learning rate at every step 0..T of each run, by run label (points then carry a
   * `step` input). Curve laws read the whole schedule up to each logged step.
   */
  readonly schedules?: Readonly<Record<string, Float64Array>>;
}

/**
 * Where the step numbers of a loss-curve or schedule file count from. The curve laws count from 0: the loss
 * logged at step t is the state after the update of step t, made with the LR logged at step t, so it has seen
 * the LR of steps 0..t (S1(t) = Σ_{τ=0..t} η_τ, as in the multi-power authors' data). With 1, as most trainers
 * log, step s is the state after s updates, the s-th made with the LR logged at step s: file step s is the
 * laws' step s − 1, and a schedule's LR at step k is that of file step k + 1.
 * @example const stepBase: StepBase = 1 // a trainer whose first logged step is 1
 */
export type StepBase = 0 | 1;

/** The value of a law's or a question's option, parsed by its kind. */
export type OptionValue =
  string | boolean | number | readonly string[] | readonly number[] | Readonly<Params>;

/** Options by name, parsed (a law request, a question's arguments). */
export type OptionArgs = Readonly<Record<string, OptionValue>>;

/**
 * An option a law or a question takes: the CLI flag of the same name (`--x`, `--targets`, `--total-params`)
 * and, for a law, the key of its fit artifact's `lawSpec`.
 */
export interface OptionSpec {
  /** How the text is read: a word, a list of words, a number, a list of numbers, a flag, or name=value pairs. */
  readonly kind: "string" | "strings" | "number" | "numbers" | "boolean" | "assignments";
  /** Placeholder in `--help`, e.g. `<N|D|C>`. */
  readonly value?: string;
  readonly description: string;
  /** Not offered on the command line (a law's constant read only from a saved fit's `lawSpec`). */
  readonly hidden?: boolean;
}

/** A function of the fitted parameters reported with an interval. */
export interface DerivedQuantity {
  readonly description: string;
  /**
   * Its value at a parameter set; `draw`, the index of a bootstrap draw (undefined at the fit), lets a
   * two-stage quantity redraw its second stage too (isoflop's budgets).
   */
  value(p: Params, draw?: number): number;
}

/** What a law's `starts` may use. */
export interface StartOptions {
  /** How residuals are measured: fit relative errors in log space or absolute in linear space. */
  readonly space: "log" | "linear";
  /** Parameter specs after user overrides (bounds, grids, fixed values). */
  readonly specs: readonly ParamSpec[];
}

/** A soft problem with a fit: counted, printed in reports, never thrown. */
export interface Warning {
  /** Stable machine code: `at-bound`, `correlation`, `condition`, `few-points`, `extrapolation`, `not-converged`, `multimodal`, `wide-interval`, `not-identified`, `intervals` (a fallback from the bootstrap), `coverage` (a backtest's held-out points outside their prediction intervals too often). */
  readonly code: string;
  /** One line for people. */
  readonly message: string;
}

/** Robust loss applied to residuals, in SciPy's vocabulary. */
export type LossName = "linear" | "huber" | "softL1" | "cauchy";

/** How parameter intervals are computed. */
export type IntervalMethod = "bootstrap" | "covariance" | "none";

/**
 * Options of `fitLaw`. Defaults are the published recipe (Hoffmann et al. 2022; Besiroglu et al. 2024):
 * Huber loss with delta 1e-3 on log residuals, a deterministic grid of starts, bootstrap intervals.
 */
export interface FitOptions {
  /** Robust loss on the residuals. @default "huber" */
  readonly loss?: LossName;
  /** Where Huber (or softL1/cauchy) bends, in residual units (log-loss units in log space). @default 1e-3 */
  readonly delta?: number;
  /** Compare log L̂ with log L (relative errors) or L̂ with L. @default "log" */
  readonly space?: "log" | "linear";
  /** Parameters held at given values, e.g. `{E: 0}` for Kaplan's pure power law. */
  readonly fix?: Readonly<Params>;
  /** Overrides of parameter specs: bounds, start values, grids, log scale. */
  readonly params?: Readonly<Record<string, Partial<Omit<ParamSpec, "name">>>>;
  /** Extra starting points, refined along with the grid's. */
  readonly starts?: readonly Params[];
  /** How many grid minima are refined by Levenberg–Marquardt. @default 8 */
  readonly refine?: number;
  /** Interval method. @default "bootstrap" */
  readonly intervals?: IntervalMethod;
  /** Bootstrap refits (whole runs resampled with replacement). @default 1000 (100 for curve laws, whose refits cost more) */
  readonly bootstrap?: number;
  /**
   * What the bootstrap resamples: whole runs, blocks of consecutive points within each run (curves), or
   * points. `auto`: runs when there are at least 10, else blocks of a run's points when there are runs,
   * else points. @default "auto"
   */
  readonly resample?: "auto" | "runs" | "blocks" | "points";
  /** Points per block for `resample: "blocks"`. @default max(5, √(points per run)) */
  readonly blockLength?: number;
  /** Confidence level of every interval. @default 0.95 */
  readonly level?: number;
  /** Seed of the bootstrap resampling and of covariance draws. @default 1 */
  readonly seed?: number;
  /** Parameters to profile (profile-likelihood intervals, reported beside the main intervals). */
  readonly profile?: readonly string[];
  /** Relative cost-reduction tolerance of the local solver. @default 1e-14 */
  readonly fTol?: number;
  /** Step tolerance of the local solver. @default 1e-12 */
  readonly xTol?: number;
  /** Gradient (cosine) tolerance of the local solver. @default 1e-10 */
  readonly gTol?: number;
  /** Residual evaluations per local refinement. @default 5000 */
  readonly maxEvaluations?: number;
  /** Called as long work advances (bootstrap refits, profile steps). */
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

/** Fit options after defaults: what the report and the artifact record. */
export interface ResolvedFitOptions {
  readonly loss: LossName;
  readonly delta: number;
  readonly space: "log" | "linear";
  readonly fix: Params;
  readonly intervals: IntervalMethod;
  /**
   * Why the intervals are not the bootstrap the options asked for (too few units to resample): the
   * report's and the artifact's words for the fallback.
   */
  readonly intervalsFallback?: string;
  /** A caveat on the bootstrap the options asked for (few units to resample). */
  readonly intervalsNote?: string;
  readonly bootstrap: number;
  /** The resampling unit used (auto resolved). */
  readonly resample: "runs" | "blocks" | "points";
  readonly blockLength: number;
  readonly level: number;
  readonly seed: number;
  readonly refine: number;
  readonly profile: readonly string[];
  readonly fTol: number;
  readonly xTol: number;
  readonly gTol: number;
  readonly maxEvaluations: number;
}

/**
 * A curve law's misfit where it has not seen the data (`curveMisfit`): log L̂ − log L of each
 * training curve predicted by a refit without it, and of the steps beyond the first third of the training
 * horizon predicted by a refit on that third, with each step's ratio to the cut.
 */
export interface CurveMisfit {
  /** The largest training step. */
  readonly horizon: number;
  /** Leave-one-curve-out residuals, every training curve's points. */
  readonly heldOut: readonly number[];
  readonly horizonTest: {
    /** The step the horizon test fitted up to (a third of `horizon`). */
    readonly cut: number;
    /** step / cut of each residual (1 to 3). */
    readonly ratio: readonly number[];
    readonly residual: readonly number[];
  };
}
