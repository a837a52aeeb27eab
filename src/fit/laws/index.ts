import { UserError } from "../../errors.js";
import type { Law } from "../../types.js";
import { chinchilla } from "./chinchilla.js";
import { bcritLaw } from "./bcrit.js";
import { customLaw, type CustomLawOptions } from "./custom.js";
import { dataConstrained } from "./dataConstrained.js";
import { qat } from "./qat.js";
import { encdec, encdecLaw } from "./encdec.js";
import { kaplan } from "./kaplan.js";
import { kaplanSteps } from "./kaplanSteps.js";
import { lrAnneal } from "./lrAnneal.js";
import { multipower } from "./multipower.js";
import { powerLaw } from "./power.js";
import { withSizeTerm } from "./sizeTerm.js";

/**
 * The built-in laws by registry name (`power` here is in C; `powerLaw(x)` picks another input).
 * @example laws.chinchilla.formula // "E + A/N^alpha + B/D^beta"
 */
export const laws: Readonly<Record<string, Law>> = {
  power: powerLaw("C"),
  chinchilla,
  kaplan,
  "kaplan-steps": kaplanSteps,
  "lr-anneal": lrAnneal,
  multipower,
  "lr-anneal-n": withSizeTerm(lrAnneal, "lr-anneal-n"),
  "multipower-n": withSizeTerm(multipower, "multipower-n"),
  encdec,
  "data-constrained": dataConstrained,
  qat,
};

/** Every name `resolveLaw` accepts. @example lawNames.includes("custom") // true */
export const lawNames: readonly string[] = [...Object.keys(laws), "bcrit", "custom"];

/** What selects and configures a law by name. */
export interface LawRequest extends CustomLawOptions {
  /** The input of `power`: N, D or C. */
  readonly x?: string;
  /** The formula of `custom`. */
  readonly formula?: string;
  /** Constants of laws that have them: `{NeRef, NdRef}` of `encdec` (by default set from the data at fit time). */
  readonly constants?: Readonly<Record<string, number>>;
  /** The target losses of `bcrit`. */
  readonly targets?: readonly number[];
}

/**
 * The law of a name, configured: `power` in `x`, `custom` from `formula`. Async because a custom formula
 * loads the expression parser on demand.
 * @example const law = await resolveLaw("power", {x: "N"});
 */
export async function resolveLaw(name: string, request: LawRequest = {}): Promise<Law> {
  if (name === "custom") {
    if (!request.formula) throw new UserError('law custom needs a formula (--formula "E + A/N^alpha")');
    return customLaw(request.formula, request);
  }
  if (request.formula) throw new UserError(`--formula is only for law custom, not ${name}`);
  if (name === "power") return powerLaw(request.x ?? "C");
  if (request.x !== undefined) throw new UserError(`--x is only for law power, not ${name}`);
  if (name === "bcrit") {
    if (!request.targets?.length)
      throw new UserError(
        "law bcrit needs the target losses: --targets 3.0,2.6,2.3 (losses every batch size reaches)",
      );
    return bcritLaw(request.targets);
  }
  if (request.targets) throw new UserError(`--targets is only for law bcrit, not ${name}`);
  if (name === "encdec" && request.constants) {
    const { NeRef, NdRef } = request.constants;
    if (!(NeRef! > 0) || !(NdRef! > 0))
      throw new UserError("law encdec needs positive constants NeRef and NdRef");
    return encdecLaw({ NeRef: NeRef!, NdRef: NdRef! });
  }
  const law = laws[name];
  if (!law) throw new UserError(`unknown law: ${name} (expected one of ${lawNames.join(", ")})`);
  return law;
}
