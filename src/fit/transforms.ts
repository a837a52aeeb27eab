/**
 * Bounds and log scales as smooth changes of variable, never clamps: the solver works on an unbounded
 * internal value u and the law sees value = fromInternal(spec, u). The transforms are MINUIT's, as in
 * lmfit (`lmfit/parameter.py`, `setup_bounds` and `scale_gradient`); a log-scaled parameter applies them
 * to log(value), so its bounds are scale-free.
 */

/** What a transform needs to know about a parameter. */
export interface BoundSpec {
  readonly min?: number;
  readonly max?: number;
  readonly log?: boolean;
}

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/** Bounds of the transformed (log) value, or undefined where unbounded. */
function limits(spec: BoundSpec): [number | undefined, number | undefined] {
  if (!spec.log) return [finite(spec.min) ? spec.min : undefined, finite(spec.max) ? spec.max : undefined];
  const lo = finite(spec.min) && spec.min > 0 ? Math.log(spec.min) : undefined;
  const hi = finite(spec.max) && spec.max > 0 ? Math.log(spec.max) : undefined;
  return [lo, hi];
}

/**
 * Internal (unbounded) coordinate of a value.
 * @example toInternal({min: 0, max: 2}, 1) // 0
 */
export function toInternal(spec: BoundSpec, value: number): number {
  const v = spec.log ? Math.log(value) : value;
  const [lo, hi] = limits(spec);
  if (lo !== undefined && hi !== undefined) {
    const s = (2 * (v - lo)) / (hi - lo) - 1;
    return Math.asin(Math.max(-1, Math.min(1, s)));
  }
  if (lo !== undefined) return Math.sqrt(Math.max(0, (v - lo + 1) ** 2 - 1));
  if (hi !== undefined) return Math.sqrt(Math.max(0, (hi - v + 1) ** 2 - 1));
  return v;
}

/**
 * Value of a parameter from its internal coordinate.
 * @example fromInternal({log: true}, Math.log(406.4)) // 406.4
 */
export function fromInternal(spec: BoundSpec, u: number): number {
  const v = boundedCoordinate(spec, u);
  return spec.log ? Math.exp(v) : v;
}

/**
 * The bounded coordinate w of an internal one: log(value) for a log-scaled parameter, else the value.
 * @example boundedCoordinate({min: 0}, 0) // 0
 */
export function boundedCoordinate(spec: BoundSpec, u: number): number {
  const [lo, hi] = limits(spec);
  if (lo !== undefined && hi !== undefined) return lo + ((Math.sin(u) + 1) * (hi - lo)) / 2;
  if (lo !== undefined) return lo - 1 + Math.sqrt(u * u + 1);
  if (hi !== undefined) return hi + 1 - Math.sqrt(u * u + 1);
  return u;
}

/**
 * d value / d u: the factor that turns a law's gradient into the solver's.
 * @example gradientScale({}, 3) // 1
 */
export function gradientScale(spec: BoundSpec, u: number): number {
  const dv = boundSlope(spec, u);
  return spec.log ? dv * fromInternal(spec, u) : dv;
}

/**
 * A value from its bounded coordinate w (log(value) for a log-scaled parameter, else the value) moved by `dw`
 * as the linearisation at the internal coordinate u says (w + dw/du · du), clamped to the bounds. At a bound
 * dw/du is 0, and the internal coordinate's own variance is unbounded: there a draw must move w, not u.
 * @example linearisedDraw({min: 0}, 0, -0.3) // 0 (clamped at the bound)
 */
export function linearisedDraw(spec: BoundSpec, w: number, dw: number): number {
  const [lo, hi] = limits(spec);
  let v = w + dw;
  if (lo !== undefined) v = Math.max(v, lo);
  if (hi !== undefined) v = Math.min(v, hi);
  return spec.log ? Math.exp(v) : v;
}

/**
 * Whether the spec has a bound.
 * @example isBounded({log: true}) // false
 */
export function isBounded(spec: BoundSpec): boolean {
  const [lo, hi] = limits(spec);
  return lo !== undefined || hi !== undefined;
}

/**
 * d w / d u, where w is the bounded coordinate (log(value) for a log-scaled parameter, else the value).
 * @example boundSlope({min: 0}, 0) // 0 (at the bound)
 */
export function boundSlope(spec: BoundSpec, u: number): number {
  const [lo, hi] = limits(spec);
  if (lo !== undefined && hi !== undefined) return (Math.cos(u) * (hi - lo)) / 2;
  if (lo !== undefined) return u / Math.sqrt(u * u + 1);
  if (hi !== undefined) return -u / Math.sqrt(u * u + 1);
  return 1;
}

/**
 * A starting value moved strictly inside its bounds (a start on a bound has a zero gradient scale and
 * would never move). Values outside are pulled in, as lmfit does with initial values.
 * @example insideBounds({min: 0, max: 2}, 2) // 1.98
 */
export function insideBounds(spec: BoundSpec, value: number): number {
  const [lo, hi] = limits(spec);
  let v = spec.log ? Math.log(Math.max(value, Number.MIN_VALUE)) : value;
  if (lo !== undefined && hi !== undefined) {
    const margin = 0.01 * (hi - lo);
    v = Math.min(Math.max(v, lo + margin), hi - margin);
  } else if (lo !== undefined) {
    v = Math.max(v, lo + 1e-3 * Math.max(1, Math.abs(lo)));
  } else if (hi !== undefined) {
    v = Math.min(v, hi - 1e-3 * Math.max(1, Math.abs(hi)));
  }
  return spec.log ? Math.exp(v) : v;
}

/**
 * Whether a value sits on (or within `tolerance` of the width of) one of its bounds, in the transformed scale.
 * @example atBound({min: 0}, 1e-9) // true
 */
export function atBound(spec: BoundSpec, value: number, tolerance = 1e-6): "min" | "max" | undefined {
  const [lo, hi] = limits(spec);
  const v = spec.log ? Math.log(value) : value;
  const scale = lo !== undefined && hi !== undefined ? hi - lo : Math.max(1, Math.abs(v));
  if (lo !== undefined && v - lo <= tolerance * scale) return "min";
  if (hi !== undefined && hi - v <= tolerance * scale) return "max";
  return undefined;
}
