import { UserError } from "../../errors.js";
import type { Observations, Params } from "../../dataTypes.js";
import type { FittedLaw, Law, LawDefinition, LawQuestion } from "../../types.js";
import { withDraws, type Interval } from "../draws.js";
import { num } from "../report.js";
import { listingOf } from "./listing.js";
import { logOf } from "../columns.js";
import { range } from "../grid.js";

/** Reference sizes of the encoder/decoder law (fixed constants, not fitted). */
export interface EncDecRefs {
  readonly NeRef: number;
  readonly NdRef: number;
}

/**
 * Encoder/decoder bivariate law: L(Ne, Nd) = A · (NeRef/Ne)^pe · (NdRef/Nd)^pd + Linf, with Ne and Nd the
 * encoder and decoder parameters (without embeddings). Ghorbani et al. 2021, "Scaling Laws for Neural Machine
 * Translation", eq. 2. NeRef and NdRef are fixed reference sizes: A is then the reducible loss of the
 * reference model, which keeps A and the exponents apart (the paper uses its baseline model; by default the
 * geometric means of the data, set when the law is fitted and kept in the fit artifact). A and Linf enter
 * linearly (projected out on the grid); pe and pd are gridded over {0, 0.05, …, 1.5}.
 * At a fixed total P = Ne + Nd the loss is lowest at an encoder share pe/(pe+pd) (`encdecOptimal`).
 * @example encdecLaw({NeRef: 1e8, NdRef: 1e8}).predict({A: 1, pe: 0.2, pd: 0.3, Linf: 1.5}, {Ne: 1e8, Nd: 1e8}) // 2.5
 */
export function encdecLaw(refs?: EncDecRefs): Law {
  const logNeRef = refs ? Math.log(refs.NeRef) : 0;
  const logNdRef = refs ? Math.log(refs.NdRef) : 0;
  // (NeRef/Ne)^pe (NdRef/Nd)^pd, from the logs of the sizes.
  const term = (pe: number, pd: number, logNe: number, logNd: number) =>
    Math.exp(pe * (logNeRef - logNe) + pd * (logNdRef - logNd));
  return {
    name: "encdec",
    formula: "A * (NeRef/Ne)^pe * (NdRef/Nd)^pd + Linf",
    description: "encoder/decoder law: how the loss falls with encoder and decoder parameters",
    reference: "Ghorbani et al. 2021, Scaling Laws for Neural Machine Translation, eq. 2",
    inputs: ["Ne", "Nd"],
    params: [
      { name: "A", log: true, value: 1, description: "reducible loss at the reference sizes" },
      { name: "pe", min: 0, value: 0.2, grid: range(0, 1.5, 0.05), description: "encoder exponent" },
      { name: "pd", min: 0, value: 0.3, grid: range(0, 1.5, 0.05), description: "decoder exponent" },
      { name: "Linf", log: true, value: 1, description: "irreducible loss" },
    ],
    linear: ["A", "Linf"],
    predict: (p, x) => p.A! * term(p.pe!, p.pd!, Math.log(x.Ne!), Math.log(x.Nd!)) + p.Linf!,
    gradient(p, x) {
      const logNe = Math.log(x.Ne!);
      const logNd = Math.log(x.Nd!);
      const t = term(p.pe!, p.pd!, logNe, logNd);
      return [t, p.A! * t * (logNeRef - logNe), p.A! * t * (logNdRef - logNd), 1];
    },
    evaluate(p, data, out) {
      const logNe = logOf(data.inputs.Ne!);
      const logNd = logOf(data.inputs.Nd!);
      for (let i = 0; i < out.length; i++) out[i] = p.A! * term(p.pe!, p.pd!, logNe[i]!, logNd[i]!) + p.Linf!;
    },
    jacobian(p, data, out) {
      const logNe = logOf(data.inputs.Ne!);
      const logNd = logOf(data.inputs.Nd!);
      const [dA, dPe, dPd, dLinf] = out as [Float64Array, Float64Array, Float64Array, Float64Array];
      for (let i = 0; i < dA.length; i++) {
        const t = term(p.pe!, p.pd!, logNe[i]!, logNd[i]!);
        dA[i] = t;
        dPe[i] = p.A! * t * (logNeRef - logNe[i]!);
        dPd[i] = p.A! * t * (logNdRef - logNd[i]!);
        dLinf[i] = 1;
      }
    },
    checkData(data) {
      for (const [name, part, exponent] of [
        ["Nd", "decoder", "pd"],
        ["Ne", "encoder", "pe"],
      ] as const) {
        const column = data.inputs[name]!;
        if (column.every((v) => v === column[0]))
          return `every run has ${name} = ${column[0]}: the ${part} exponent ${exponent} needs runs that vary the ${part} size too (the paper trains encoder-scaling and decoder-scaling series)`;
      }
      return undefined;
    },
    derived: {
      encoderShare: {
        description: "optimal encoder share of a fixed total, pe/(pe+pd)",
        value: (p) => p.pe! / (p.pe! + p.pd!),
      },
      exponent: {
        description: "loss falls as P^-(pe+pd) along the optimal split",
        value: (p) => p.pe! + p.pd!,
      },
    },
    questions: [encdecQuestion],
    charts: ["encdec-surface", "encdec-split"],
    ...(refs
      ? { spec: { constants: { NeRef: refs.NeRef, NdRef: refs.NdRef } } }
      : { bind: (data: Observations) => encdecLaw(geometricMeans(data)) }),
  };
}

/** The default reference sizes: geometric means of the data's Ne and Nd. */
function geometricMeans(data: Observations): EncDecRefs {
  const mean = (column: Float64Array) => Math.exp(logOf(column).reduce((s, v) => s + v, 0) / column.length);
  return { NeRef: mean(data.inputs.Ne!), NdRef: mean(data.inputs.Nd!) };
}

/**
 * The loss-minimising split of a total parameter budget P = Ne + Nd under the encoder/decoder law:
 * Ne* = P pe/(pe+pd), Nd* = P pd/(pe+pd) (the product Ne^pe Nd^pd is largest there; Ghorbani et al. 2021).
 * @example encdecOptimal({A: 1, pe: 0.2, pd: 0.3, Linf: 1.5}, 1e9) // {Ne: 4e8, Nd: 6e8}
 */
export function encdecOptimal(p: Record<string, number>, P: number): { Ne: number; Nd: number } {
  const share = p.pe! / (p.pe! + p.pd!);
  return { Ne: P * share, Nd: P * (1 - share) };
}

/** The loss-minimising encoder/decoder split of a total parameter budget. */
export interface EncDecSplit {
  readonly P: number;
  readonly Ne: number;
  readonly Nd: number;
  /** Ne / P = pe/(pe+pd). */
  readonly encoderShare: number;
  readonly loss: number;
  /** Ne's interval, and the others' where they do not move with a parameter the fit cannot identify. */
  readonly intervals: {
    readonly Ne: Interval;
    readonly Nd: Interval | null;
    readonly encoderShare: Interval | null;
    readonly loss: Interval | null;
  } | null;
}

/**
 * The encoder/decoder split of a total of P parameters that minimises the encdec law's loss:
 * Ne* = P pe/(pe+pd), Nd* = P pd/(pe+pd) (Ghorbani et al. 2021), with intervals from the fit's draws.
 * @example encdecSplit(fit, 1e9) // {Ne: 4.1e8, Nd: 5.9e8, encoderShare: 0.41, loss: 2.1, intervals}
 */
export function encdecSplit(fit: FittedLaw, P: number): EncDecSplit {
  if (fit.law.name !== "encdec")
    throw new UserError(`--total-params needs a fit of law encdec; this fit is law ${fit.law.name}`);
  if (!(P > 0) || !Number.isFinite(P))
    throw new UserError(`invalid --total-params: ${P} (expected a positive number)`);
  const answer = (p: Params) => {
    const { Ne, Nd } = encdecOptimal(p, P);
    return { Ne, Nd, encoderShare: Ne / P, loss: fit.law.predict(p, { Ne, Nd }) };
  };
  const { best, interval, intervalOf } = withDraws(fit, answer, (a) => a.Ne);
  const of = (key: "Nd" | "encoderShare" | "loss") => intervalOf((a) => a[key]);
  return {
    P,
    ...best,
    intervals: interval
      ? { Ne: interval, Nd: of("Nd"), encoderShare: of("encoderShare"), loss: of("loss") }
      : null,
  };
}

/**
 * The question `optimize` asks an encdec fit: the split of each `--total-params` budget.
 * @example encdecQuestion.answer(fit, {"total-params": [1e9]}).splits
 */
const encdecQuestion: LawQuestion = {
  name: "split",
  command: "optimize",
  when: "total-params",
  options: {
    "total-params": {
      kind: "numbers",
      value: "<P>",
      description: "total parameters to split between encoder and decoder",
    },
  },
  answer(fit, args) {
    const budgets = (args["total-params"] as readonly number[] | undefined) ?? [];
    if (budgets.length === 0)
      throw new UserError(
        "scalefit optimize needs --total-params for an encdec fit (e.g. --total-params 1e9)",
      );
    const splits = budgets.map((P) => encdecSplit(fit!, P));
    return { ...splits[0]!, splits };
  },
  format(answer, fit) {
    const splits = answer.splits as EncDecSplit[];
    return [
      `law encdec: the encoder/decoder split of a parameter budget (Ne/P = pe/(pe+pd)); intervals at level ${fit!.level}`,
      ...splits.map((s) => {
        const iv = (key: "Ne" | "Nd" | "encoderShare" | "loss", digits = 3) =>
          s.intervals?.[key]
            ? ` [${num(s.intervals[key][0], digits)}, ${num(s.intervals[key][1], digits)}]`
            : "";
        return `  P ${num(s.P, 3)}: Ne ${num(s.Ne, 3)}${iv("Ne")}  Nd ${num(s.Nd, 3)}${iv("Nd")}  encoder share ${num(s.encoderShare, 3)}${iv("encoderShare")}  loss ${num(s.loss, 5)}${iv("loss", 5)}`;
      }),
    ].join("\n");
  },
};

/**
 * The law with reference sizes set at fit time (the geometric means of the data; Ghorbani et al. 2021 use their
 * baseline model).
 * @example fitLaw(encdec, data).law.spec // {constants: {NeRef: 1.9e8, NdRef: 2.2e8}}
 */
export const encdec: Law = encdecLaw();

/**
 * Registry entry of `encdec`: its reference sizes are constants set from the data at fit time and read back
 * from a saved fit's `lawSpec.constants` (not a command-line option).
 * @example encdecDefinition.create({constants: {NeRef: 1e8, NdRef: 1e8}})
 */
export const encdecDefinition: LawDefinition = {
  name: "encdec",
  listing: listingOf(encdec),
  questions: [encdecQuestion],
  options: {
    constants: { kind: "assignments", description: "reference sizes NeRef and NdRef", hidden: true },
  },
  create(request) {
    if (request.constants === undefined) return encdec;
    const { NeRef, NdRef } = request.constants as Record<string, number>;
    if (!(NeRef! > 0) || !(NdRef! > 0))
      throw new UserError("law encdec needs positive constants NeRef and NdRef");
    return encdecLaw({ NeRef: NeRef!, NdRef: NdRef! });
  },
};
