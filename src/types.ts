/**
 * Shared plain types: observations, parameter specs, laws, fit options and results.
 * Everything here is data (no classes), so it serialises to JSON and crosses the CLI boundary unchanged.
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
 * A scaling law: one plain object per file under `src/fit/laws/`.
 * `predict` and `gradient` work on one point; the fitter builds the Jacobian from the rows.
 */
export interface Law {
  /** Registry name: `chinchilla`, `power`, … */
  readonly name: string;
  /** The formula as a reader checks it against the paper, e.g. `E + A/N^alpha + B/D^beta`. */
  readonly formula: string;
  /** One sentence for reports and `--help`. */
  readonly description: string;
  /** Paper, equation or URL. */
  readonly reference: string;
  /** Input roles read from each point, e.g. `["N", "D"]`. */
  readonly inputs: readonly string[];
  /** Parameters in a fixed order: the order of `gradient`'s entries. */
  readonly params: readonly ParamSpec[];
  /**
   * Parameters that enter the prediction linearly once the others are fixed (E, A, B in Chinchilla).
   * The fitter projects them out on its starting grid (variable projection): only the others are gridded.
   */
  readonly linear?: readonly string[];
  /** Predicted loss at one point. */
  predict(p: Params, x: Inputs): number;
  /** d predict / d parameter at one point, in `params` order. Laws without it use finite differences. */
  gradient?(p: Params, x: Inputs): number[];
  /**
   * Optional vectorised `predict` over all points (same values): tight loops over typed columns that the
   * JIT optimises at once. Curve laws need it (a point's loss depends on the whole schedule before it).
   */
  evaluate?(p: Params, data: Observations, out: Float64Array): void;
  /** Optional vectorised `gradient`: `out[j][i]` = d predict_i / d params[j], in `params` order. */
  jacobian?(p: Params, data: Observations, out: Float64Array[]): void;
  /**
   * Starting points for laws that know a better initialisation than the generic grid (e.g. a transformed
   * linear problem). `fixed` holds the values of held parameters. Return them best first.
   */
  starts?(data: Observations, fixed: Params, options: StartOptions): Params[];
  /** Closed-form compute-optimal allocation under C = 6ND, when the law has one. */
  computeOptimal?(p: Params, C: number): { N: number; D: number };
  /** Named quantities derived from the parameters (e.g. the compute-optimal exponent), with intervals from the same draws. */
  readonly derived?: Readonly<Record<string, DerivedQuantity>>;
  /** Extra description of the law for the fit artifact (e.g. the formula text of a custom law, the input of `power`). */
  readonly spec?: Readonly<Record<string, unknown>>;
  /** A curve law: its points are steps of runs whose schedules it reads (`Observations.schedules`). */
  readonly curve?: boolean;
  /**
   * For laws with constants taken from the data (reference sizes): the law with them set, before a fit. The
   * bound law records them in `spec`, so predictions from a saved fit use the same constants.
   */
  bind?(data: Observations): Law;
  /** Inputs that may be zero (QAT tokens of a full-precision run); others must be positive. */
  readonly zeroInputs?: readonly string[];
  /** Why the law cannot take this point (bits outside 1–16, …), or undefined: checked before a fit. */
  checkPoint?(x: Inputs): string | undefined;
  /** Why these data cannot identify the law (encoder sizes only, …), or undefined: checked before a fit. */
  checkData?(data: Observations): string | undefined;
  /**
   * For a law fitted to a batch-size sweep: the target losses. Its observations are then each run's steps
   * to reach each target (built from points `run, B, step, loss`), not final losses or curves.
   */
  readonly sweepTargets?: readonly number[];
  /**
   * The questions a fit of this law answers beyond the loss at a point (`optimize` and `predict` ask them):
   * encdec's split of a parameter budget, qat's QAT fraction, bcrit's loss trajectory at a batch size.
   */
  readonly questions?: readonly LawQuestion[];
  /** Named answers a fit of this law adds to its artifact and `--json` document (bcrit: Bstar, alphaB, targets). */
  summary?(fit: FitSummaryInput): Record<string, unknown>;
  /** Charts that describe a fit of this law, by name in the report's chart registry (`encdec-surface`, …). */
  readonly charts?: readonly string[];
}

/**
 * A law in the registry: the options that configure it and how it is built from them. A law without options
 * is registered as it is; one with options (power's input, custom's formula, bcrit's targets) exports its
 * definition from its own file.
 * @example powerDefinition.create({x: "N"}).formula // "E + A/N^alpha"
 */
export interface LawDefinition {
  /** Registry name. */
  readonly name: string;
  /** What `scalefit laws` prints of it (formula, inputs and parameters as a reader sees them). */
  readonly listing: LawListing;
  /** Options that configure the law: CLI flags of the same names, and the keys of a fit artifact's `lawSpec`. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** The law configured by a request that holds only its own options (checked by `resolveLaw`). */
  create(request: OptionArgs): Law | Promise<Law>;
  /** The questions its laws answer (`Law.questions`), for the flags `optimize` and `predict` offer. */
  readonly questions?: readonly LawQuestion[];
}

/** A law as `scalefit laws` lists it. */
export interface LawListing {
  readonly formula: string;
  readonly inputs: readonly string[];
  readonly params: readonly string[];
  readonly description: string;
  readonly reference: string;
}

/** What a law's `summary` reads of a fit (a fresh `FitResult` or one rebuilt from an artifact). */
export interface FitSummaryInput {
  readonly law: Law;
  readonly params: Params;
  readonly intervals: Readonly<Record<string, readonly [number, number]>>;
  readonly derived: Readonly<Record<string, { value: number; interval?: readonly [number, number] }>>;
}

/** The value of a law's or a question's option, parsed by its kind. */
export type OptionValue = string | boolean | number | readonly string[] | readonly number[] | Readonly<Params>;

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

/**
 * A question a fit answers, asked by `optimize` or `predict` with options of its own. A law carries its own
 * questions (`Law.questions`); questions every law of a shape answers (compute-optimal N and D for laws in N
 * and D, the best schedule for curve laws) live in `src/predict/questions.ts`.
 * @example encdec's split: {name: "split", command: "optimize", when: "total-params", options: {"total-params": …}, answer, format}
 */
export interface LawQuestion {
  /** A name for messages: `split`, `qat-fraction`, … */
  readonly name: string;
  /** The command that asks it. */
  readonly command: "optimize" | "predict";
  /**
   * The option that selects this question among the law's questions for the command; a question without one
   * is asked when no other's option is given.
   */
  readonly when?: string;
  /** The options it reads, by flag name. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether it answers without a fit (e.g. the published one-parameter QAT law): then `fit` is undefined. */
  readonly withoutFit?: boolean;
  /** The answer, a plain JSON-ready object; throws a `UserError` for missing or bad arguments. */
  answer(fit: FittedLaw | undefined, args: OptionArgs): Record<string, unknown>;
  /** The answer for people: lines of text. */
  format(answer: Record<string, unknown>, fit: FittedLaw | undefined): string;
}

/** A function of the fitted parameters reported with an interval. */
export interface DerivedQuantity {
  readonly description: string;
  value(p: Params): number;
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
  /** Stable machine code: `at-bound`, `correlation`, `condition`, `few-points`, `extrapolation`, `not-converged`, `multimodal`, `wide-interval`, `not-identified`. */
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

/** A fitted parameter, with lmfit's fields under readable names. */
export interface FittedParam {
  readonly name: string;
  readonly value: number;
  /** Standard error from the (robust) covariance; NaN when it cannot be estimated. */
  readonly stderr: number;
  /** The value the best refinement started from. */
  readonly init: number;
  readonly fixed: boolean;
  readonly log: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Interval at the fit's level from the fit's interval method; undefined for fixed parameters. */
  readonly interval?: readonly [number, number];
  /** Profile-likelihood interval, when asked for. Infinite ends: the data do not bound the parameter. */
  readonly profile?: readonly [number, number];
  /** Which bound the value sits on, if any. */
  readonly atBound?: "min" | "max";
}

/** A quantity derived from the parameters, with an interval from the same draws. */
export interface DerivedValue {
  readonly description: string;
  readonly value: number;
  readonly interval?: readonly [number, number];
}

/** One distinct local minimum found by the multi-start refinement. */
export interface LocalMinimum {
  readonly objective: number;
  readonly params: Params;
}

/** Everything a fit found: plain data (the `law` object aside), formatted by `formatFitReport`. */
export interface FitResult {
  readonly law: Law;
  /** Best-fit values of all parameters (fixed ones included). */
  readonly params: Params;
  /** Per-parameter details, in the law's order. */
  readonly variables: readonly FittedParam[];
  /** Interval per free parameter at `level` (from `intervalMethod`). */
  readonly intervals: Readonly<Record<string, readonly [number, number]>>;
  readonly intervalMethod: IntervalMethod;
  readonly level: number;
  /** The minimised cost: Σ Huber_delta(r_i) for huber, ½ Σ r_i² for linear (weights included). */
  readonly objective: number;
  /** In words: loss, delta and space of the objective. */
  readonly objectiveDefinition: string;
  readonly points: number;
  readonly freeParams: number;
  readonly degreesOfFreedom: number;
  /** Σ w_i r_i² of the residuals in the fitted space. */
  readonly chiSquare: number;
  readonly reducedChiSquare: number;
  /** Akaike and Bayesian information criteria (see `informationCriteria`). */
  readonly aic: number;
  readonly bic: number;
  /** Covariance of the free parameters (law order), natural scale; null when not estimable. */
  readonly covariance: number[][] | null;
  /** Correlations of the free parameters. */
  readonly correlations: number[][] | null;
  /** Condition number of the Jacobian with unit-scaled columns. */
  readonly conditionNumber: number;
  readonly converged: boolean;
  readonly status: string;
  readonly message: string;
  /** Residual evaluations of the whole fit (all starts, not the bootstrap). */
  readonly evaluations: number;
  /** Number of starts refined. */
  readonly starts: number;
  /** Distinct local minima, best first. */
  readonly minima: readonly LocalMinimum[];
  readonly derived: Readonly<Record<string, DerivedValue>>;
  /** Draws of the free parameters (bootstrap refits or covariance samples), one array per parameter. */
  readonly draws: Readonly<Record<string, Float64Array>> | null;
  /** Unweighted residuals in the fitted space (log L̂ − log L in log space). */
  readonly residuals: Float64Array;
  /** Range of each input over the fitted points: how far a prediction extrapolates. */
  readonly dataRange: Readonly<Record<string, readonly [number, number]>>;
  readonly warnings: readonly Warning[];
  /** The resolved options (defaults filled), as printed in the report. */
  readonly options: ResolvedFitOptions;
}

/** Fit options after defaults: what the report and the artifact record. */
export interface ResolvedFitOptions {
  readonly loss: LossName;
  readonly delta: number;
  readonly space: "log" | "linear";
  readonly fix: Params;
  readonly intervals: IntervalMethod;
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

/** One logged step. */
export interface TrainPoint {
  step: number;
  /** Tokens seen after this step. */
  tokens: number;
  /** Training FLOPs after this step (the run's FLOP convention). */
  flops: number;
  /** η_t. */
  lr: number;
  /** Mean training loss of the steps since the previous point (nats/token). */
  trainLoss: number;
  /** Held-out loss after this step, when evaluated. */
  evalLoss?: number;
}

/**
 * What prediction needs of a fit: the law, its parameters, the draws behind its intervals, the residuals
 * (for prediction intervals) and the data range (for extrapolation distances). A `FitResult` is one;
 * `fitFromArtifact` rebuilds one from a saved fit.
 */
export type FittedLaw = Pick<
  FitResult,
  "law" | "params" | "draws" | "residuals" | "dataRange" | "level" | "options"
>;

/**
 * The fit artifact (README.md, "A tour of the command line"): one JSON document with what a reader needs to judge a fit
 * and what `predict` and `optimize` need to use it, including the draws behind its intervals.
 */
/** The fields of a `FitResult` an artifact copies as they are. */
type CopiedFields =
  | "params"
  | "intervals"
  | "intervalMethod"
  | "level"
  | "objective"
  | "objectiveDefinition"
  | "points"
  | "freeParams"
  | "converged"
  | "status"
  | "warnings"
  | "options"
  | "variables"
  | "derived"
  | "aic"
  | "bic"
  | "conditionNumber"
  | "correlations"
  | "minima"
  | "dataRange";

export interface FitArtifact extends Pick<FitResult, CopiedFields> {
  readonly law: string;
  /** What rebuilds the law: `{x}` for power, `{formula, inputs, log}` for custom. */
  readonly lawSpec: Readonly<Record<string, unknown>>;
  readonly formula: string;
  readonly residuals: number[];
  readonly draws: Readonly<Record<string, number[]>> | null;
  /** Where the data came from and how they were read (file digest, dropped points, derived columns). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly dataDigest: string;
  readonly version: string;
}
