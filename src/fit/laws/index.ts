import { UserError } from "../../errors.js";
import type { OptionArgs, OptionSpec } from "../../dataTypes.js";
import type { Law, LawDefinition } from "../../types.js";
import { chinchilla } from "./chinchilla.js";
import { bcritDefinition } from "./bcrit.js";
import { customDefinition } from "./custom.js";
import { dataConstrained } from "./dataConstrained.js";
import { qat } from "./qat.js";
import { encdec, encdecDefinition } from "./encdec.js";
import { hparamsDefinition } from "./hparams.js";
import { envelope } from "./envelope.js";
import { isoflopDefinition } from "./isoflop.js";
import { kaplan } from "./kaplan.js";
import { kaplanSteps } from "./kaplanSteps.js";
import { listingOf } from "./listing.js";
import { lrAnneal } from "./lrAnneal.js";
import { multipower } from "./multipower.js";
import { power, powerDefinition } from "./power.js";
import { precision } from "./precision.js";
import { withSizeTerm } from "./sizeTerm.js";

const lrAnnealN = withSizeTerm(lrAnneal, "lr-anneal-n");
const multipowerN = withSizeTerm(multipower, "multipower-n");

/** A law without options, as a registry entry. */
function plain(law: Law): LawDefinition {
  return {
    name: law.name,
    listing: listingOf(law),
    create: () => law,
    ...(law.questions ? { questions: law.questions } : {}),
  };
}

/**
 * The registry: every law by name, in the order `scalefit laws` lists them. Adding a law is one line here
 * (its file exports the law, or its definition when it takes options).
 */
const definitions: ReadonlyMap<string, LawDefinition> = new Map(
  [
    powerDefinition,
    plain(chinchilla),
    plain(kaplan),
    plain(kaplanSteps),
    plain(lrAnneal),
    plain(multipower),
    plain(lrAnnealN),
    plain(multipowerN),
    encdecDefinition,
    plain(dataConstrained),
    plain(qat),
    plain(precision),
    bcritDefinition,
    isoflopDefinition,
    plain(envelope),
    hparamsDefinition,
    customDefinition,
  ].map((d) => [d.name, d]),
);

/**
 * The built-in laws that need no option, by registry name (`power` here is in C; `powerLaw(x)` picks another
 * input; `bcrit` and `custom` need options: `resolveLaw`).
 * @example laws.chinchilla.formula // "E + A/N^alpha + B/D^beta"
 */
export const laws: Readonly<Record<string, Law>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, Law>, {
    power,
    chinchilla,
    kaplan,
    "kaplan-steps": kaplanSteps,
    "lr-anneal": lrAnneal,
    multipower,
    "lr-anneal-n": lrAnnealN,
    "multipower-n": multipowerN,
    encdec,
    "data-constrained": dataConstrained,
    qat,
    precision,
    envelope,
  }),
);

/** Every name `resolveLaw` accepts. @example lawNames.includes("custom") // true */
export const lawNames: readonly string[] = [...definitions.keys()];

/** What selects and configures a law: its options by name (`{x: "N"}`, `{formula, log}`, `{targets}`). */
export type LawRequest = OptionArgs;

/**
 * Every law option by name, with the laws that take it: the flags commands offer (hidden ones come only from
 * a saved fit).
 * @example lawOptions().get("x") // {spec: {kind: "string", …}, laws: ["power"]}
 */
export function lawOptions(): ReadonlyMap<string, { spec: OptionSpec; laws: readonly string[] }> {
  return optionsByFlag;
}

/** The registry's options by flag, collected once (the registry does not change). */
const optionsByFlag: ReadonlyMap<string, { spec: OptionSpec; laws: readonly string[] }> = (() => {
  const options = new Map<string, { spec: OptionSpec; laws: string[] }>();
  for (const definition of definitions.values()) {
    for (const [key, spec] of Object.entries(definition.options ?? {})) {
      const entry = options.get(key);
      if (entry) entry.laws.push(definition.name);
      else options.set(key, { spec, laws: [definition.name] });
    }
  }
  return options;
})();

/**
 * The registry entry of a law name, or a `UserError` listing the names.
 * @example lawDefinition("power").options // {x: …}
 */
export function lawDefinition(name: string): LawDefinition {
  const definition = definitions.get(name);
  if (!definition) throw new UserError(`unknown law: ${name} (expected one of ${lawNames.join(", ")})`);
  return definition;
}

/** Every registry entry, in listing order. @example allLawDefinitions().map((d) => d.name) */
export function allLawDefinitions(): readonly LawDefinition[] {
  return [...definitions.values()];
}

/**
 * The law of a name, configured by its options: `power` in `x`, `custom` from `formula`, `bcrit` at
 * `targets`. An option the law does not take is refused, naming the laws that take it. Async because a
 * custom formula loads the expression parser on demand.
 * @example const law = await resolveLaw("power", {x: "N"});
 */
export async function resolveLaw(name: string, request: LawRequest = {}): Promise<Law> {
  const definition = lawDefinition(name);
  const own = definition.options ?? {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || Object.hasOwn(own, key)) continue;
    const owners = lawOptions().get(key)?.laws ?? [];
    throw new UserError(
      owners.length
        ? `--${key} is only for law ${owners.join(" and ")}, not ${name}`
        : `law ${name} has no option ${key}`,
    );
  }
  return definition.create(request);
}
