/**
 * The few dense operations the fitter needs, on small matrices (p ≤ ~20 parameters) and tall Jacobians.
 * Least-squares steps go through a QR factorisation, never the normal equations, so an ill-conditioned
 * Jacobian (NIST Bennett5, Chinchilla's A and alpha) loses digits only once.
 * Square matrices are row-major `Float64Array`s of length p·p; Jacobians are arrays of columns.
 */

/** R (row-major p×p upper triangle) and Qᵀb from a Householder QR of the n×p matrix given as columns. */
export interface QR {
  readonly R: Float64Array;
  readonly qtb: Float64Array;
}

/**
 * Householder QR of a tall matrix given as p columns of length n, applied to a right-hand side.
 * The columns and `b` are overwritten (they are scratch copies in the solver).
 * Golub & Van Loan, "Matrix Computations" (4th ed.), algorithm 5.2.1.
 * @example const {R, qtb} = householderQR([Float64Array.of(3, 4)], Float64Array.of(1, 2)) // R = [-5], qtb = [-2.2]
 */
export function householderQR(columns: Float64Array[], b: Float64Array): QR {
  const p = columns.length;
  const n = b.length;
  const R = new Float64Array(p * p);
  for (let k = 0; k < p; k++) {
    const ck = columns[k]!;
    let sumSquares = 0;
    for (let i = k; i < n; i++) sumSquares += ck[i]! * ck[i]!;
    const norm = Math.sqrt(sumSquares);
    if (norm === 0) {
      for (let j = k; j < p; j++) R[k * p + j] = columns[j]![k]!;
      continue;
    }
    const alpha = ck[k]! > 0 ? -norm : norm;
    // v = x - alpha e1, stored in ck[k..n); H = I - 2 v vᵀ / (vᵀ v)
    ck[k] = ck[k]! - alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += ck[i]! * ck[i]!;
    for (let j = k + 1; j < p; j++) {
      const cj = columns[j]!;
      let dot = 0;
      for (let i = k; i < n; i++) dot += ck[i]! * cj[i]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) cj[i] = cj[i]! - f * ck[i]!;
      R[k * p + j] = cj[k]!;
    }
    let dot = 0;
    for (let i = k; i < n; i++) dot += ck[i]! * b[i]!;
    const f = (2 * dot) / vv;
    for (let i = k; i < n; i++) b[i] = b[i]! - f * ck[i]!;
    R[k * p + k] = alpha;
  }
  return { R, qtb: b.slice(0, p) };
}

/**
 * Solves min ‖R δ + qtb‖² + lambda ‖diag ∘ δ‖² for δ (the Levenberg–Marquardt step), by Givens rotations
 * that fold the damping rows into R (Moré's `qrsolv`, MINPACK). Singular directions get a zero step.
 * @example dampedSolve(Float64Array.of(2), Float64Array.of(4), Float64Array.of(1), 0) // [-2]
 */
export function dampedSolve(
  R: Float64Array,
  qtb: Float64Array,
  diag: Float64Array,
  lambda: number,
): Float64Array {
  const p = qtb.length;
  const S = R.slice();
  const z = new Float64Array(p);
  for (let k = 0; k < p; k++) z[k] = -qtb[k]!;
  const root = Math.sqrt(lambda);
  const w = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const d = root * diag[j]!;
    if (d === 0) continue;
    w.fill(0);
    w[j] = d;
    let wz = 0;
    for (let k = j; k < p; k++) {
      const wk = w[k]!;
      if (wk === 0) continue;
      const skk = S[k * p + k]!;
      const r = Math.hypot(skk, wk);
      const c = skk / r;
      const s = wk / r;
      for (let m = k; m < p; m++) {
        const skm = S[k * p + m]!;
        const wm = w[m]!;
        S[k * p + m] = c * skm + s * wm;
        w[m] = -s * skm + c * wm;
      }
      const zk = z[k]!;
      z[k] = c * zk + s * wz;
      wz = -s * zk + c * wz;
    }
  }
  let largest = 0;
  for (let k = 0; k < p; k++) largest = Math.max(largest, Math.abs(S[k * p + k]!));
  const delta = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    const skk = S[k * p + k]!;
    if (Math.abs(skk) <= 1e-14 * largest || skk === 0) {
      delta[k] = 0;
      continue;
    }
    let sum = z[k]!;
    for (let m = k + 1; m < p; m++) sum -= S[k * p + m]! * delta[m]!;
    delta[k] = sum / skk;
  }
  return delta;
}

/** Singular value decomposition of a small square matrix: A = U Σ Vᵀ. */
export interface SVD {
  /** Singular values, largest first. */
  readonly values: Float64Array;
  /** Right singular vectors as a row-major p×p matrix whose columns pair with `values`. */
  readonly V: Float64Array;
}

/**
 * SVD of a small square row-major matrix by one-sided Jacobi rotations (Hestenes), accurate for
 * ill-conditioned matrices. Demmel & Veselić, SIAM J. Matrix Anal. Appl. 13 (1992).
 * @example svd(Float64Array.of(3, 0, 0, 4), 2).values // [4, 3]
 */
export function svd(A: Float64Array, p: number): SVD {
  const U = A.slice();
  const V = new Float64Array(p * p);
  for (let i = 0; i < p; i++) V[i * p + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let j = 0; j < p - 1; j++) {
      for (let k = j + 1; k < p; k++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < p; i++) {
          const uj = U[i * p + j]!;
          const uk = U[i * p + k]!;
          alpha += uj * uj;
          beta += uk * uk;
          gamma += uj * uk;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < p; i++) {
          const uj = U[i * p + j]!;
          const uk = U[i * p + k]!;
          U[i * p + j] = c * uj - s * uk;
          U[i * p + k] = s * uj + c * uk;
          const vj = V[i * p + j]!;
          const vk = V[i * p + k]!;
          V[i * p + j] = c * vj - s * vk;
          V[i * p + k] = s * vj + c * vk;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let sum = 0;
    for (let i = 0; i < p; i++) sum += U[i * p + j]! ** 2;
    norms[j] = Math.sqrt(sum);
  }
  const order = Array.from({ length: p }, (_, j) => j).sort((a, b) => norms[b]! - norms[a]!);
  const values = new Float64Array(p);
  const sortedV = new Float64Array(p * p);
  order.forEach((j, column) => {
    values[column] = norms[j]!;
    for (let i = 0; i < p; i++) sortedV[i * p + column] = V[i * p + j]!;
  });
  return { values, V: sortedV };
}

/**
 * (RᵀR)⁻¹ from the R of a QR factorisation, through the SVD of R, with singular values below
 * `rcond` × the largest treated as zero (their directions get infinite variance: NaN).
 * Also returns the condition number of R (= of the Jacobian).
 * @example inverseGram(Float64Array.of(2), 1).inverse // [0.25]
 */
export function inverseGram(
  R: Float64Array,
  p: number,
  rcond = 1e-13,
): { inverse: Float64Array; condition: number; rank: number; nullSpace: number[][] } {
  const { values, V } = svd(R, p);
  const largest = values[0] ?? 0;
  const inverse = new Float64Array(p * p);
  let rank = 0;
  for (let k = 0; k < p; k++) {
    const s = values[k]!;
    if (!(s > rcond * largest)) continue;
    rank++;
    const w = 1 / (s * s);
    for (let i = 0; i < p; i++) {
      const vi = V[i * p + k]! * w;
      for (let j = 0; j < p; j++) inverse[i * p + j]! += vi * V[j * p + k]!;
    }
  }
  if (rank < p) {
    // Directions the data cannot see: mark the affected variances as undetermined.
    for (let k = rank; k < p; k++) {
      for (let i = 0; i < p; i++) {
        if (Math.abs(V[i * p + k]!) > 1e-8) {
          for (let j = 0; j < p; j++) {
            inverse[i * p + j] = NaN;
            inverse[j * p + i] = NaN;
          }
        }
      }
    }
  }
  const smallest = values[p - 1] ?? 0;
  const nullSpace: number[][] = [];
  for (let k = rank; k < p; k++) nullSpace.push(Array.from({ length: p }, (_, i) => V[i * p + k]!));
  return { inverse, condition: smallest > 0 ? largest / smallest : Infinity, rank, nullSpace };
}

/**
 * Solves a small dense linear system by Gaussian elimination with partial pivoting.
 * Returns undefined when the matrix is singular to working precision.
 * @example solveLinear([2, 0, 0, 4], [2, 8], 2) // [1, 2]
 */
export function solveLinear(A: ArrayLike<number>, b: ArrayLike<number>, p: number): number[] | undefined {
  const M = Array.from(A);
  const x = Array.from(b);
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(M[i]!));
  if (!(scale > 0)) return undefined;
  for (let k = 0; k < p; k++) {
    let pivot = k;
    for (let i = k + 1; i < p; i++) if (Math.abs(M[i * p + k]!) > Math.abs(M[pivot * p + k]!)) pivot = i;
    if (Math.abs(M[pivot * p + k]!) <= 1e-13 * scale) return undefined;
    if (pivot !== k) {
      for (let j = 0; j < p; j++) {
        const t = M[k * p + j]!;
        M[k * p + j] = M[pivot * p + j]!;
        M[pivot * p + j] = t;
      }
      const t = x[k]!;
      x[k] = x[pivot]!;
      x[pivot] = t;
    }
    for (let i = k + 1; i < p; i++) {
      const f = M[i * p + k]! / M[k * p + k]!;
      if (f === 0) continue;
      for (let j = k; j < p; j++) M[i * p + j] = M[i * p + j]! - f * M[k * p + j]!;
      x[i] = x[i]! - f * x[k]!;
    }
  }
  for (let k = p - 1; k >= 0; k--) {
    let sum = x[k]!;
    for (let j = k + 1; j < p; j++) sum -= M[k * p + j]! * x[j]!;
    x[k] = sum / M[k * p + k]!;
  }
  return x;
}

/**
 * Cholesky factor L (row-major lower triangle) of a symmetric positive semi-definite matrix, with zero
 * columns where the matrix is singular; used to draw correlated normal samples from a covariance.
 * @example cholesky(Float64Array.of(4, 2, 2, 2), 2) // [2, 0, 1, 1]
 */
export function cholesky(A: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = A[j * p + j]!;
    for (let k = 0; k < j; k++) d -= L[j * p + k]! ** 2;
    const ljj = d > 0 ? Math.sqrt(d) : 0;
    L[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = A[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      L[i * p + j] = ljj > 0 ? s / ljj : 0;
    }
  }
  return L;
}
