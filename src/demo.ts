import { join } from "node:path";
import { loadObservations } from "./data/loadObservations.js";
import type { LoadedData } from "./data/tableObservations.js";
import { fitLaw } from "./fit/fitLaw.js";
import { chinchilla } from "./fit/laws/chinchilla.js";
import { computeOptimal, type Allocation } from "./predict/computeOptimal.js";
import { packageRoot } from "./packageRoot.js";
import { predictLoss, type Prediction } from "./predict/predictLoss.js";
import type { FitResult } from "./types.js";

/**
 * Path of the bundled Chinchilla data: Epoch AI's extraction of Hoffmann et al. 2022, Figure 4
 * (epoch-research/analyzing-chinchilla), as columns N, D = C / (6N), loss. See data/chinchilla/SOURCE.md.
 * @example loadObservations(chinchillaDataPath, chinchilla, {dropHighest: 5})
 */
export const chinchillaDataPath: string = join(packageRoot(), "data/chinchilla/epoch.csv");

/** Compute budgets the demo plans for: 1e21 to 1e25 FLOPs and Chinchilla's own 5.76e23. @example demoBudgets.map((C) => computeOptimal(fit, C)) */
export const demoBudgets: readonly number[] = [1e21, 1e22, 1e23, 5.76e23, 1e24, 1e25];

/** What the demo computes. */
export interface DemoResult {
  readonly data: LoadedData;
  readonly fit: FitResult;
  /** Loss of a 70B-parameter model trained on 1.4T tokens (Chinchilla's own size). */
  readonly prediction: Prediction;
  readonly allocations: readonly Allocation[];
}

/**
 * The main job on bundled data: fit Chinchilla's law to Epoch's 240 points (the 5 highest-loss dropped, as
 * Epoch does) with bootstrap intervals, predict 70B parameters on 1.4T tokens, and allocate compute budgets.
 * @example const {fit, prediction} = runDemo({bootstrap: 200});
 */
export function runDemo({
  bootstrap = 1000,
  seed = 1,
  onProgress,
}: {
  bootstrap?: number;
  seed?: number;
  onProgress?: (done: number, total: number, stage: string) => void;
} = {}): DemoResult {
  const data = loadObservations(chinchillaDataPath, chinchilla, { dropHighest: 5 });
  const fit = fitLaw(chinchilla, data.observations, {
    bootstrap,
    seed,
    ...(onProgress ? { onProgress } : {}),
  });
  const [prediction] = predictLoss(fit, [{ N: 70e9, D: 1.4e12 }]);
  return { data, fit, prediction: prediction!, allocations: demoBudgets.map((C) => computeOptimal(fit, C)) };
}
