/**
 * A seeded random source: xoshiro128** seeded through splitmix32.
 * Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021), https://prng.di.unimi.it/.
 * Every random choice in scalefit (bootstrap resamples, synthetic data, test noise) goes through one of these.
 * @example const random = randomSource(1); random.uniform(); random.normal(); random.int(10)
 */
export interface RandomSource {
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** Standard normal (Box–Muller, both values used). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Creates a seeded random source; the same seed always gives the same stream (xoshiro128**, see above).
 * @example const a = randomSource(7).uniform(), b = randomSource(7).uniform(); a === b // true
 */
export function randomSource(seed = 1): RandomSource {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  if ((a | b | c | d) === 0) a = 1;
  const next = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  let spare = NaN;
  const uniform = () => next() / 4294967296;
  return {
    uniform,
    int: (n) => Math.floor(uniform() * n),
    normal() {
      if (!Number.isNaN(spare)) {
        const value = spare;
        spare = NaN;
        return value;
      }
      // 1 - uniform() is in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
