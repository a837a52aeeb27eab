/**
 * Shared types: laws and what they carry (options, questions, charts), fit results and artifacts, and the
 * trainer's logged points. Plain data (no classes; a law's functions aside), so results serialise to JSON and
 * cross the CLI boundary unchanged. The data types they are built from (observations, parameter specs, fit
 * options) are in `dataTypes.ts`.
 */
import type {
  CurveMisfit,
  DerivedQuantity,
  FitOptions,
  Inputs,
  IntervalMethod,
  Observations,
  OptionArgs,
  OptionSpec,
  ParamSpec,
  Params,
  ResolvedFitOptions,
  StartOptions,
  StepBase,
  Warning,
} from "./dataTypes.js";

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
   * Fitted to every logged loss of each run as a point of (N, C) (`envelope`, Approach 1), not to final
   * losses; no schedules needed.
   */
  readonly everyPoint?: boolean;
  /**
   * For laws with constants taken from the data (reference sizes): the law with them set, before a fit. The
   * bound law records them in `spec`, so predictions from a saved fit use the same constants.
   */
  bind?(data: Observations): Law;
  /**
   * The points the (bound) law is fitted to, built from the data given: hparams keeps the runs near each
   * cell's best loss. Chosen once, before the fit and its bootstrap refits (which redraw these points).
   */
  prepare?(data: Observations): Observations;
  /**
   * Inputs whose span must identify the parameters attached to them (`src/fit/identifiability.ts`); default
   * every input. Precision's bit widths are levels with a switch at Ppost = Pw, not scales: it names N and D.
   */
  readonly scaleInputs?: readonly string[];
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
  /**
   * Its parameters are coefficients per group (isoflop's parabolas per budget, hparams' bowls per cell): a report
   * draws the law's own charts and its derived quantities, not one histogram per parameter.
   */
  readonly groupCoefficients?: boolean;
  /** Charts that describe a fit of this law, by name in the report's chart registry (`encdec-surface`, …). */
  readonly charts?: readonly string[];
  /**
   * Fit options this law is fitted with unless the user says otherwise (isoflop: least squares on the loss,
   * as Approach 2 is published); the global defaults fill the rest.
   */
  readonly fitDefaults?: Readonly<FitOptions>;
  /**
   * Strata of the bootstrap, one label per point: runs are redrawn only within their stratum (isoflop: the
   * compute budget, so every budget keeps as many runs as it has).
   */
  strata?(data: Observations): Int32Array;
  /**
   * What the bootstrap redraws when `resample` is auto and the points have run labels: `runs` where one run
   * gives several points that are one draw (bcrit: a run's steps to each target). Default: the auto rule.
   */
  readonly resample?: "runs";
  /** Soft problems particular to this law at the fitted parameters (a vertex outside its budget's runs, …). */
  diagnose?(p: Params, data: Observations): Warning[];
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
  /** The loss as a formula (`scalefit laws` prints `L = ` before it), or a whole equation when `equation`. */
  readonly formula: string;
  /** The formula is an equation of its own (bcrit's S = Smin + Emin/B), printed without `L = `. */
  readonly equation?: boolean;
  readonly inputs: readonly string[];
  readonly params: readonly string[];
  readonly reference: string;
  readonly description: string;
}

/** What a law's `summary` reads of a fit (a fresh `FitResult` or one rebuilt from an artifact). */
export interface FitSummaryInput {
  readonly law: Law;
  readonly params: Params;
  readonly intervals: Readonly<Record<string, readonly [number, number]>>;
  readonly derived: Readonly<Record<string, { value: number; interval?: readonly [number, number] }>>;
}

/**
 * A question a fit answers, asked by `optimize` or `predict` with options of its own. A law carries its own
 * questions (`Law.questions`); questions every law of a shape answers (compute-optimal N and D for laws in N
 * and D, the best schedule for curve laws) live in `src/predict/questions.ts`.
 * @example encdec's split: {name: "split", command: "optimize", when: "total-params", options: {"total-params": …}, answer, format}
 */
export interface LawQuestion {
  /** A name for messages: `split`, `QAT fraction`, … */
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
  /** The answer for people: lines of text (`args` as `answer` got them). */
  format(answer: Record<string, unknown>, fit: FittedLaw | undefined, args: OptionArgs): string;
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
  /** False when the data's range cannot identify it (an exponent of an input that barely varies): no interval. */
  readonly identified?: false;
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
  /** False when it moves with a parameter the data's range cannot identify: no interval. */
  readonly identified?: false;
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
  /**
   * Covariance intervals with parameters the data cannot identify (`draws` null): draws of the others, those
   * held at their values, for answers that do not move with them (`withDraws`).
   */
  readonly identifiedDraws?: Readonly<Record<string, Float64Array>>;
  /** Unweighted residuals in the fitted space (log L̂ − log L in log space). */
  readonly residuals: Float64Array;
  /** Curve laws with intervals: the misfit of held-out refits, which a predicted curve's band draws from. */
  readonly curveMisfit?: CurveMisfit;
  /** Range of each input over the fitted points: how far a prediction extrapolates. */
  readonly dataRange: Readonly<Record<string, readonly [number, number]>>;
  readonly warnings: readonly Warning[];
  /** The resolved options (defaults filled), as printed in the report. */
  readonly options: ResolvedFitOptions;
  /** Parameters the data's range cannot identify: answers that move with them get no interval. */
  readonly unidentified?: readonly string[];
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
  /** Squared gradient norms at two batch sizes after this step, when measured (the trainer's noiseBatches). */
  gradNoise?: GradientNoise;
}

/**
 * Squared gradient norms at a small and a big batch size (tokens) at one step: the measurement behind the
 * simple noise scale B_simple (`gradientNoiseScale`).
 */
export interface GradientNoise {
  smallBatch: number;
  /** Mean |G|² of independent batches of `smallBatch` tokens. */
  smallNorm2: number;
  bigBatch: number;
  /** |G|² of their mean, a batch of `bigBatch` tokens. */
  bigNorm2: number;
}

/**
 * What prediction needs of a fit: the law, its parameters, the draws behind its intervals, the residuals
 * (for prediction intervals) and the data range (for extrapolation distances). A `FitResult` is one;
 * `fitFromArtifact` rebuilds one from a saved fit.
 */
export type FittedLaw = Pick<
  FitResult,
  | "law"
  | "params"
  | "draws"
  | "identifiedDraws"
  | "residuals"
  | "dataRange"
  | "level"
  | "options"
  | "unidentified"
  | "curveMisfit"
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
  | "dataRange"
  | "curveMisfit";

export interface FitArtifact extends Pick<FitResult, CopiedFields> {
  readonly law: string;
  /** What rebuilds the law: `{x}` for power, `{formula, inputs, log}` for custom. */
  readonly lawSpec: Readonly<Record<string, unknown>>;
  readonly formula: string;
  readonly residuals: number[];
  readonly draws: Readonly<Record<string, number[]>> | null;
  readonly identifiedDraws?: Readonly<Record<string, number[]>>;
  /** Where the data came from and how they were read (file digest, dropped points, derived columns). */
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * Curve laws: where the steps of the fitted curve file counted from (`StepBase`), the default of
   * `predict` for the steps it reads and prints. Artifacts written before this field read as 0.
   */
  readonly stepBase?: StepBase;
  readonly dataDigest: string;
  readonly version: string;
  /** The layout's version (`artifactVersion`); artifacts written before the field read as 1. */
  readonly artifactVersion?: number;
}
