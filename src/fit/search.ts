/**
 * One-dimensional minimisation: evaluate on a grid, then golden-section search between the neighbours of
 * the grid's best point (reusing one evaluation per step). Returns the better of the polished point and the
 * grid's best, so a grid minimum at an edge or a kink is never lost.
 * @example minimizeOnGrid([0, 1, 2, 3], (x) => (x - 1.3) ** 2) // {x: 1.3, value: 0}
 */
export function minimizeOnGrid(
  grid: readonly number[],
  f: (x: number) => number,
  { iterations = 100, tolerance = 1e-12 } = {},
): { x: number; value: number } {
  let k = 0;
  let best = Infinity;
  grid.forEach((x, i) => {
    const value = f(x);
    if (value < best) [best, k] = [value, i];
  });
  const x = goldenSection(f, grid[Math.max(k - 1, 0)]!, grid[Math.min(k + 1, grid.length - 1)]!, {
    iterations,
    tolerance,
  });
  const value = f(x);
  return value <= best ? { x, value } : { x: grid[k]!, value: best };
}

/**
 * Golden-section search for a minimum of a unimodal f on [a, b] (one evaluation per step): `iterations`
 * steps at most, stopping early once the bracket is narrower than `tolerance` (relative; 0: never).
 * Returns the bracket's midpoint.
 * @example goldenSection((x) => (x - 1.3) ** 2, 0, 3) // ≈ 1.3
 */
export function goldenSection(
  f: (x: number) => number,
  a: number,
  b: number,
  { iterations = 100, tolerance = 1e-12 } = {},
): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations && b - a > tolerance * Math.max(1, Math.abs(a)); i++) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}
