/**
 * Probability of at most `k` successes in `m` independent trials that each succeed with probability `p`,
 * P(X ≤ k) = Σ_{j ≤ k} C(m, j) p^j (1 − p)^(m − j), summed exactly in log space (log-sum-exp) so that neither
 * the binomial coefficients nor the tiny tail terms of a large `m` overflow or underflow. NaN for a
 * non-integer or negative `m` or a `p` outside [0, 1]. NIST/SEMATECH e-Handbook of Statistical Methods,
 * §1.3.6.6.18, https://www.itl.nist.gov/div898/handbook/eda/section3/eda366i.htm.
 * @example binomialCdf(12, 16, 0.95) // 0.0070036 (12 of 16 points inside their 95% intervals)
 */
export function binomialCdf(k: number, m: number, p: number): number {
  if (!(Number.isInteger(m) && m >= 0 && p >= 0 && p <= 1) || Number.isNaN(k)) return NaN;
  const most = Math.floor(k);
  if (most < 0) return 0;
  if (most >= m) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const terms = new Float64Array(most + 1);
  let logChoose = 0;
  let top = -Infinity;
  for (let j = 0; j <= most; j++) {
    if (j > 0) logChoose += Math.log((m - j + 1) / j);
    terms[j] = logChoose + j * logP + (m - j) * logQ;
    top = Math.max(top, terms[j]!);
  }
  let sum = 0;
  for (const term of terms) sum += Math.exp(term - top);
  return Math.min(1, Math.exp(top + Math.log(sum)));
}
