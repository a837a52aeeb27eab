import type { Inputs, Observations } from "../dataTypes.js";
import type { Law } from "../types.js";

const cache = new WeakMap<Observations, Map<string, Inputs[]>>();

/**
 * The points of a data set as one small object per point, built once per (data, inputs) and reused by
 * every evaluation: laws read `x.N` from an object of fixed shape, the fastest access V8 offers.
 */
export function pointsOf(law: Law, data: Observations): Inputs[] {
  const key = law.inputs.join(",");
  let byKey = cache.get(data);
  if (!byKey) cache.set(data, (byKey = new Map()));
  let points = byKey.get(key);
  if (!points) {
    const columns = law.inputs.map((name) => data.inputs[name]!);
    points = Array.from({ length: data.loss.length }, (_, i) => {
      const x: Inputs = {};
      law.inputs.forEach((name, c) => (x[name] = columns[c]![i]!));
      return x;
    });
    byKey.set(key, points);
  }
  return points;
}
