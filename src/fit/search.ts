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
  let a = grid[Math.max(k - 1, 0)]!;
  let b = grid[Math.min(k + 1, grid.length - 1)]!;
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
  const x = (a + b) / 2;
  const value = f(x);
  return value <= best ? { x, value } : { x: grid[k]!, value: best };
}
