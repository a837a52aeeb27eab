const logs = new WeakMap<Float64Array, Float64Array>();

/**
 * Natural logarithm of a column, computed once per column and cached (laws in N and D use log N and
 * log D at every evaluation).
 * @example logOf(Float64Array.of(1, Math.E)) // [0, 1]
 */
export function logOf(column: Float64Array): Float64Array {
  let cached = logs.get(column);
  if (!cached) {
    cached = column.map(Math.log);
    logs.set(column, cached);
  }
  return cached;
}
