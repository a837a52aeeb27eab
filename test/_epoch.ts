import { loadObservations } from "../src/data/loadObservations.js";
import { chinchillaDataPath } from "../src/demo.js";
import { chinchilla } from "../src/fit/laws/chinchilla.js";
import type { Observations } from "../src/dataTypes.js";

/** Epoch's 240 Chinchilla points: the bundled 245 with the 5 highest losses dropped (Besiroglu et al. 2024). */
export function epochData(): Observations {
  return loadObservations(chinchillaDataPath, chinchilla, { dropHighest: 5 }).observations;
}

/** Epoch's 95 % bootstrap intervals on these points (LAWS.md §2; epoch-research/analyzing-chinchilla). */
export const epochIntervals: Record<string, [number, number]> = {
  A: [285.2, 743.6],
  B: [1042.4, 5810.3],
  E: [1.769, 1.871],
  alpha: [0.317, 0.373],
  beta: [0.331, 0.415],
};

/** The SciPy grid fit's Huber objective on the same points (shared/anchors/results/chinchilla_epoch_grid.json). */
export const scipyObjective = 0.0010182740178034107;
