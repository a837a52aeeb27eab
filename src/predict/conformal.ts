/** A split-conformal quantile of conformity scores: the factor and which order statistic it is. */
export interface ConformalQuantile {
  /** The `rank`-th smallest score. */
  readonly factor: number;
  /** ⌈(m + 1)·level⌉, or m when there are too few scores for that rank (then `guarantee` < level). */
  readonly rank: number;
  /** rank / (m + 1): the coverage a new exchangeable point is guaranteed at least. */
  readonly guarantee: number;
}

/**
 * The split-conformal quantile of `m` conformity scores at `level`: the ⌈(m + 1)·level⌉-th smallest, so that a
 * new point exchangeable with the calibration points scores at most that with probability ≥ level (Lei et al.
 * 2018, "Distribution-free predictive inference for regression", JASA 113, Algorithm 2; Vovk, Gammerman & Shafer
 * 2005, ch. 2). With fewer than ⌈level / (1 − level)⌉ scores that rank exceeds m and the exact quantile is
 * infinite; the largest score is returned instead and `guarantee` says how much it then promises (m / (m + 1)).
 * NaN factor for no scores.
 * @example conformalQuantile([0.5, 2, 1, 3], 0.5) // {factor: 2, rank: 3, guarantee: 0.6}
 */
export function conformalQuantile(scores: ArrayLike<number>, level: number): ConformalQuantile {
  const sorted = Float64Array.from(scores).sort();
  const m = sorted.length;
  // 1e-9 keeps (m + 1)·level = 19.000000000000004 at rank 19, not 20.
  const rank = Math.min(m, Math.ceil((m + 1) * level - 1e-9));
  return { factor: m === 0 ? NaN : sorted[Math.max(rank, 1) - 1]!, rank, guarantee: rank / (m + 1) };
}

/**
 * How far an observation lies out, in units of its interval: |log(observed / predicted)| over the interval's
 * half-width in log space on the side the observation falls, so ≤ 1 inside the interval (the normalised
 * residual of Lei et al. 2018, §5.2). Infinity when the interval does not reach past the prediction on that side.
 * @example intervalScore(2.2, 2, [1.9, 2.1]) // 1.95: nearly twice as far out as the interval reaches
 */
export function intervalScore(
  observed: number,
  predicted: number,
  [lo, hi]: readonly [number, number],
): number {
  const distance = Math.log(observed / predicted);
  const reach = distance >= 0 ? Math.log(hi / predicted) : Math.log(predicted / lo);
  if (distance === 0) return 0;
  return reach > 0 ? Math.abs(distance) / reach : Infinity;
}

/**
 * An interval widened by `factor` in log space around the prediction: each end's log distance from it times
 * `factor`, so that (for an interval around its prediction) it holds the observations whose `intervalScore` is
 * at most `factor`.
 * @example widenInterval(2, [1.9, 2.1], 2) // [1.805, 2.205]
 */
export function widenInterval(
  predicted: number,
  [lo, hi]: readonly [number, number],
  factor: number,
): [number, number] {
  return [predicted * (lo / predicted) ** factor, predicted * (hi / predicted) ** factor];
}
