/**
 * scalefit: fit scaling laws to small training runs and predict large ones, with honest uncertainty.
 * This file is the one public entry of the library; anything not exported here is private.
 */

// Laws
export { chinchilla, chinchillaOptimal } from "./fit/laws/chinchilla.js";
export { customLaw, inputRoles, type CustomLawOptions } from "./fit/laws/custom.js";
export { lawNames, laws, resolveLaw, type LawRequest } from "./fit/laws/index.js";
export { kaplan } from "./fit/laws/kaplan.js";
export { kaplanSteps } from "./fit/laws/kaplanSteps.js";
export { power, powerLaw } from "./fit/laws/power.js";
export { annealingArea, lrAnneal } from "./fit/laws/lrAnneal.js";
export { multipower } from "./fit/laws/multipower.js";
export { withSizeTerm } from "./fit/laws/sizeTerm.js";
export { encdec, encdecLaw, encdecOptimal, type EncDecRefs } from "./fit/laws/encdec.js";
export { dataConstrained } from "./fit/laws/dataConstrained.js";
export { groupBudgets, isoflop, isoflopLaw, type IsoflopBudgets } from "./fit/laws/isoflop.js";
export { envelope, lowerEnvelope } from "./fit/laws/envelope.js";
export { hparamsDefinition, optimumAt } from "./fit/laws/hparams.js";
export { bowlLaw, bowlVertex } from "./fit/laws/hparamsBowl.js";
export { nearOptimalLaw } from "./fit/laws/hparamsNearOptimal.js";
export { precision } from "./fit/laws/precision.js";
export { optimalTrainingPrecision, publishedPrecisionConstants } from "./fit/laws/precisionTerms.js";
export { rangeFindings, type RangeFinding } from "./fit/identifiability.js";
export { qat } from "./fit/laws/qat.js";
export { fullPrecisionBits, publishedQatA, qatFractionLaw } from "./fit/laws/qatFraction.js";
export { batchPowerLaw, bcritLaw, criticalBatch } from "./fit/laws/bcrit.js";
export { stepsLaw } from "./fit/laws/bcritSteps.js";
export { lossDropNodes, type LossDropNodes, type LossDropOptions } from "./fit/lossDrop.js";
export { curveIndex, type CurveIndex } from "./fit/curves.js";

// Fitting
export { fitLaw, objectiveDefinition } from "./fit/fitLaw.js";
export { checkFitOptions, checkObservations } from "./fit/checkFitOptions.js";
export { leastSquares, type LeastSquaresOptions, type LeastSquaresResult } from "./fit/leastSquares.js";
export { robustCost, robustLoss } from "./fit/losses.js";
export { fromInternal, gradientScale, insideBounds, toInternal } from "./fit/transforms.js";
export { bootstrapDraws, clusterIndex, resamplingUnits, type ResampleUnit } from "./fit/bootstrap.js";
export { profileParameter, type ProfileResult } from "./fit/profile.js";
export { covarianceEstimate, informationCriteria } from "./fit/statistics.js";
export {
  backtest,
  parseHoldout,
  type Backtest,
  type HoldoutReport,
  type HoldoutRule,
} from "./predict/backtest.js";
export {
  judgeCoverage,
  type Calibration,
  type Coverage,
  type HeldOutPrediction,
} from "./predict/coverage.js";
export {
  conformalQuantile,
  intervalScore,
  widenInterval,
  type ConformalQuantile,
} from "./predict/conformal.js";
export { binomialCdf } from "./predict/binomialCdf.js";
export { compareLaws, type Comparison, type CompareOptions } from "./predict/compare.js";
export { formatFitReport, type ReportContext } from "./fit/report.js";
export {
  conventionLabel,
  defaultConventions,
  fitSensitivity,
  type Convention,
  type SensitivityOptions,
  type SensitivityReport,
  type SensitivityVariant,
  type Spread,
} from "./fit/sensitivity.js";
export { formatSensitivity } from "./fit/sensitivityReport.js";
export { fitFromArtifact, fitToArtifact, loadFit } from "./fit/artifact.js";
export { evaluateLaw } from "./fit/evaluate.js";

// Prediction
export { predictLoss, type Prediction, type PredictOptions } from "./predict/predictLoss.js";
export { computeOptimal, type Allocation } from "./predict/computeOptimal.js";
export { frontier } from "./predict/frontier.js";
export {
  bestBits,
  qatFraction,
  qatMatch,
  type BitChoice,
  type QatMatch,
  type QatPlan,
} from "./fit/laws/qatAnswers.js";
export { encdecSplit, type EncDecSplit } from "./fit/laws/encdec.js";
export { batchTrajectory, bcritSummary, type BatchSummary, type TrajectoryPoint } from "./fit/laws/bcrit.js";
export { gradientNoiseScale, type GradientNorms } from "./predict/gradientNoiseScale.js";
export type { FitArtifact, FittedLaw, TrainPoint } from "./types.js";
export {
  predictCurve,
  type CurveOptions,
  type CurvePoint,
  type CurvePrediction,
} from "./predict/predictCurve.js";
export {
  optimizeSchedule,
  scheduleFamilies,
  type ScheduleChoice,
  type ScheduleOptimum,
  type ScheduleSearch,
} from "./predict/optimizeSchedule.js";

// Schedules
export {
  decay,
  denseSchedule,
  learningRate,
  schedulePeak,
  type DecayShape,
  type Schedule,
} from "./schedules/schedule.js";
export { formatSchedule, parseSchedule } from "./schedules/parseSchedule.js";

// Data
export { readTable, type Table } from "./data/readTable.js";
export { dropHighestLoss, mapColumns, parseMap, roles, tableToObservations } from "./data/observations.js";
export { loadObservations } from "./data/loadObservations.js";
export { observationsFromTable, type LoadedData, type LoadOptions } from "./data/tableObservations.js";
export {
  loadCurves,
  loadScheduleFile,
  readScheduleFile,
  readSchedules,
  type CurveLoadOptions,
  type LoadedCurves,
  type LoadedSchedule,
} from "./data/curves.js";
export { batchSweepObservations, sweepPoints, type BatchSweep, type SweepPoint } from "./data/batchSweep.js";
export { loadFitData, type DataLaw, type DataSource, type FitData } from "./data/fitData.js";
export { fitFromSource, formatFitRun, type FitRequest, type FitRun } from "./api/fit.js";
export { trainOne, type TrainOneRequest } from "./api/train.js";
export { chinchillaDataPath, demoBudgets, runDemo, type DemoResult } from "./demo.js";

// Store (DuckDB and apache-arrow are loaded when a store function is first called)
export { openStore, type Store } from "./store/duckdb.js";
export {
  importFiles,
  importFormats,
  type FileImport,
  type ImportFormat,
  type ImportOptions,
} from "./store/importFiles.js";
export { exportTable, exportTables } from "./store/exportTable.js";
export {
  curvesFromStore,
  finalLosses,
  listRuns,
  observationsDigest,
  type FinalLosses,
} from "./store/readRuns.js";
export { saveFit } from "./store/fits.js";
export { isColumnar, readColumnarTable } from "./store/readColumnar.js";

// Trainers (TensorFlow.js is loaded by loadBackend, not at import)
export {
  defaultModelConfig,
  defaultTrainConfig,
  type ModelConfig,
  type TrainConfig,
} from "./trainers/config.js";
export { backendNames, loadBackend, type BackendName, type LoadedBackend } from "./trainers/backend.js";
export {
  heldOutBatches,
  loadKjv,
  loadSource,
  markovSource,
  textSource,
  trainingBatch,
  type Batch,
  type SourceSpec,
  type TokenSource,
} from "./trainers/corpus.js";
export { markovChain, type MarkovChain, type MarkovSpec } from "./trainers/markov.js";
export {
  forwardFlopsPerToken,
  parameterCounts,
  trainingFlops,
  type FlopConvention,
  type ParameterCounts,
} from "./trainers/counting.js";
export { trainModel, type TrainHooks, type TrainRequest, type TrainResult } from "./trainers/train.js";
export type { TrainState } from "./trainers/trainState.js";
export { scheduleFor, type ScheduleTemplate } from "./trainers/scheduleTemplate.js";
export {
  expandSweep,
  readSweepConfig,
  type SweepConfig,
  type SweepGrid,
  type SweepRun,
} from "./trainers/sweepConfig.js";
export { parseShard, shardRuns } from "./trainers/shards.js";
export { loadCheckpoint, saveCheckpoint } from "./trainers/checkpoint.js";
export { runSweep, type SweepOptions, type SweepResult, type SweepRunResult } from "./trainers/sweep.js";
export { sweepPresets } from "./trainers/presets.js";

// Reports and charts: the `scalefit/report` entry (src/report/index.ts), so that importing the library does not
// load Observable Plot (it takes a noticeable part of a start-up).

// Utilities
export { randomSource, type RandomSource } from "./random.js";
export {
  chiSquare1Quantile,
  normalQuantile,
  percentileInterval,
  quantileSorted,
} from "./fit/distributions.js";
export { UserError, isUserError } from "./errors.js";
export { version } from "./version.js";
export type * from "./types.js";
export type * from "./dataTypes.js";
