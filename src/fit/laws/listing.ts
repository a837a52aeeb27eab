import type { Law, LawListing } from "../../types.js";

/**
 * What `scalefit laws` prints of a law: its formula, inputs, parameter names and source.
 * @example listingOf(chinchilla).params // ["E", "A", "B", "alpha", "beta"]
 */
export function listingOf(law: Law): LawListing {
  return {
    formula: law.formula,
    inputs: law.inputs,
    params: law.params.map((p) => p.name),
    reference: law.reference,
    description: law.description,
  };
}
