import { UserError } from "../../errors.js";
import type { OptionArgs, Params } from "../../dataTypes.js";
import type { FittedLaw, Law, LawDefinition, LawQuestion } from "../../types.js";
import { withDraws, type Interval } from "../draws.js";
import { num } from "../report.js";
import { bowlLaw, meanCurvature, type BowlCells } from "./hparamsBowl.js";
import { checkVariables, logScale, type ScaleVariable } from "./hparamsCells.js";
import { nearOptimalLaw } from "./hparamsNearOptimal.js";

/** Step Law's near-optimal tolerance (Li et al. 2025, code/fit_tool.py): runs within 0.25 % of the best. */
const defaultTolerance = 0.0025;
/** Runs within 1 % of a cell's best loss are the bottom of its bowl. */
const defaultBand = 0.01;

/** The variables of a fit's power laws, from its spec. */
function variablesOf(law: Law): { lrIn: ScaleVariable[]; batchIn: ScaleVariable[] } {
  return {
    lrIn: (law.spec?.["lr-in"] as ScaleVariable[] | undefined) ?? ["N", "D"],
    batchIn: (law.spec?.["batch-in"] as ScaleVariable[] | undefined) ?? ["D"],
  };
}

/**
 * lr* and B* at (N, D) for one parameter set of an hparams fit, from its derived power laws (both methods
 * name them lrK, lrN, … and BK, BD, …).
 * @example optimumAt(fit.law, fit.params, 1e9, 1e11) // {lr: 0.00145, B: 1.14e6}
 */
export function optimumAt(law: Law, p: Params, N: number, D: number): { lr: number; B: number } {
  const { lrIn, batchIn } = variablesOf(law);
  const d = law.derived ?? {};
  const value = (name: string) => (d[name] ? d[name].value(p) : p[name]!);
  const at = (prefix: string, variables: readonly ScaleVariable[]) =>
    Math.exp(
      Math.log(value(`${prefix}K`)) +
        variables.reduce((s, v) => s + value(`${prefix}${v}`) * logScale(v, N, D), 0),
    );
  return { lr: at("lr", lrIn), B: at("B", batchIn) };
}

/** N and D of a planned run from `--at N=…,D=…`. */
function plannedRun(args: OptionArgs, command: string): { N: number; D: number } {
  const at = args.at as Readonly<Record<string, number>> | undefined;
  const N = at?.N;
  const D = at?.D;
  if (N === undefined || D === undefined)
    throw new UserError(
      `scalefit ${command} needs --at N=…,D=… for a fit of law hparams (e.g. --at N=1e9,D=1e11)`,
    );
  for (const [name, v] of [
    ["N", N],
    ["D", D],
  ] as const)
    if (!(v > 0) || !Number.isFinite(v))
      throw new UserError(`invalid --at ${name}=${v} (expected a positive number)`);
  for (const key of Object.keys(at!))
    if (key !== "N" && key !== "D")
      throw new UserError(`--at ${key}: law hparams plans a run by N and D only`);
  return { N, D };
}

/** The planned run's distance, in decades, beyond the sizes and token counts fitted (0 inside). */
function beyond(fit: FittedLaw, N: number, D: number): { N: number; D: number } {
  const out = (x: number, range: readonly [number, number] | undefined) =>
    range ? Math.max(0, Math.log10(x / range[1]), Math.log10(range[0] / x)) : 0;
  return { N: out(N, fit.dataRange.N), D: out(D, fit.dataRange.D) };
}

/** The best LR and batch size for a planned run, with intervals from the fit's draws. */
function bestHparams(fit: FittedLaw, args: OptionArgs) {
  const { N, D } = plannedRun(args, "optimize");
  const { best, interval, intervalOf } = withDraws(
    fit,
    (p) => optimumAt(fit.law, p, N, D),
    (o) => o.lr,
  );
  return {
    N,
    D,
    lr: best.lr,
    B: best.B,
    method: fit.law.spec?.method,
    beyondDecades: beyond(fit, N, D),
    // B*'s interval only where B* does not move with a parameter the grid cannot identify.
    intervals: interval ? { lr: interval, B: intervalOf((o) => o.B) } : null,
  };
}

const atOption = {
  kind: "assignments",
  value: "<N=…[,D=…]>",
  description: "the planned model (a curve law fitted across sizes: N=…; hparams: N=…,D=…)",
} as const;

/** `optimize --at N=…,D=…` of an hparams fit: the best LR and batch size. */
const bestQuestion: LawQuestion = {
  name: "best learning rate and batch size",
  command: "optimize",
  when: "at",
  options: { at: atOption },
  answer: (fit, args) => bestHparams(fit!, args),
  format(answer, fit) {
    const a = answer as ReturnType<typeof bestHparams>;
    const iv = (v: Interval | null | undefined) => (v ? ` [${num(v[0], 3)}, ${num(v[1], 3)}]` : "");
    const far = Math.max(a.beyondDecades.N, a.beyondDecades.D);
    return [
      `law hparams (${a.method}): the optimal learning rate and batch size; intervals at level ${fit!.level}`,
      `  N ${num(a.N, 3)}, D ${num(a.D, 3)}: lr* ${num(a.lr, 4)}${iv(a.intervals?.lr)}  B* ${num(a.B, 4)}${iv(a.intervals?.B)} tokens per step`,
      ...(far > 0
        ? [
            `  (${num(far, 2)} decades beyond the grid's ${a.beyondDecades.N >= a.beyondDecades.D ? "sizes" : "token counts"})`,
          ]
        : []),
      ...(!a.intervals && fit!.unidentified?.length
        ? [
            `  (no intervals: the grid cannot identify ${fit!.unidentified.join(", ")}; see the fit's warnings)`,
          ]
        : []),
    ].join("\n");
  },
};

/** The loss penalty of an LR and batch size away from the optimum (the bowl method's mean curvature). */
function penalty(fit: FittedLaw, args: OptionArgs) {
  if (fit.law.spec?.method !== "bowl")
    throw new UserError(
      "the near-optimal method fits no loss surface: fit law hparams with --method bowl for the penalty of an LR and batch size",
    );
  const { N, D } = plannedRun(args, "predict");
  const given = args.hparams as Readonly<Record<string, number>>;
  const lr = given.lr;
  const B = given.B;
  if (!(lr! > 0) || !(B! > 0))
    throw new UserError("--hparams needs lr=…,B=… (positive; B in tokens per step)");
  const cells = fit.law.spec as unknown as { cellN: number[]; cellD: number[] };
  const grid: BowlCells = { N: cells.cellN, D: cells.cellD, lrCenters: [], BCenters: [] };
  const answer = (p: Params) => {
    const o = optimumAt(fit.law, p, N, D);
    const [c3, c4, c5] = meanCurvature(grid, p);
    const du = Math.log(lr! / o.lr);
    const dv = Math.log(B! / o.B);
    return { ...o, penalty: c3 * du * du + c4 * dv * dv + c5 * du * dv };
  };
  const { best, interval } = withDraws(fit, answer, (a) => a.penalty);
  return { N, D, lr, B, lrStar: best.lr, BStar: best.B, penalty: best.penalty, interval };
}

/** `predict --at N=…,D=… --hparams lr=…,B=…` of an hparams fit: the loss penalty away from the optimum. */
const penaltyQuestion: LawQuestion = {
  name: "loss penalty of an LR and batch size",
  command: "predict",
  when: "hparams",
  options: {
    hparams: {
      kind: "assignments",
      value: "<lr=…,B=…>",
      description: "the LR and batch size (tokens per step) of a planned run (with --at N=…,D=…)",
    },
    at: atOption,
  },
  answer: (fit, args) => penalty(fit!, args),
  format(answer, fit) {
    const a = answer as ReturnType<typeof penalty>;
    const iv = a.interval ? ` [${num(a.interval[0], 3)}, ${num(a.interval[1], 3)}]` : "";
    return [
      `law hparams (bowl): the loss above the optimum at lr ${num(a.lr!, 4)}, B ${num(a.B!, 4)}; interval at level ${fit!.level}`,
      `  N ${num(a.N, 3)}, D ${num(a.D, 3)}: lr* ${num(a.lrStar, 4)}, B* ${num(a.BStar, 4)}; penalty ${num(a.penalty, 4)}${iv} nats/token (the cells' mean curvature)`,
    ].join("\n");
  },
};

const questions = [bestQuestion, penaltyQuestion];

/**
 * Registry entry of `hparams`: the optimal learning rate and batch size of an LR × batch grid (columns N, D,
 * lr, B in tokens per step, loss), by Step Law's near-optimal runs (default) or each cell's bowl.
 * @example hparamsDefinition.create({method: "bowl", band: 0.02})
 */
export const hparamsDefinition: LawDefinition = {
  name: "hparams",
  listing: {
    formula: "lr* = lrK*N^lrN*D^lrD, B* = BK*D^BD",
    equation: true,
    inputs: ["N", "D", "lr", "B"],
    params: [
      "lrK",
      "lrN",
      "lrD",
      "BK",
      "BD (bowl: c0_k … c5_k per cell; derived lrstar_k, Bstar_k, Lstar_k)",
    ],
    reference: "Li et al. 2025 (Step Law), §2; Bi et al. 2024 (DeepSeek LLM), §3.1",
    description:
      "optimal learning rate and batch size from an LR × batch grid: near-optimal runs or a bowl per cell",
  },
  questions,
  options: {
    method: {
      kind: "string",
      value: "<near-optimal|bowl>",
      description: "how each cell's optimum is found (default near-optimal)",
    },
    tolerance: {
      kind: "number",
      value: "<r>",
      description: `near-optimal: runs within this relative distance of a cell's best loss (default ${defaultTolerance})`,
    },
    band: {
      kind: "number",
      value: "<r>",
      description: `bowl: runs within this relative distance of a cell's best loss are fitted (default ${defaultBand})`,
    },
    "lr-in": { kind: "strings", value: "<N,D|C|…>", description: "variables of lr* (default N,D)" },
    "batch-in": { kind: "strings", value: "<D|C|…>", description: "variables of B* (default D)" },
    cellN: { kind: "numbers", description: "N of each cell", hidden: true },
    cellD: { kind: "numbers", description: "D of each cell", hidden: true },
    lrCenters: { kind: "numbers", description: "mean ln lr of each cell's fitted runs", hidden: true },
    BCenters: { kind: "numbers", description: "mean ln B of each cell's fitted runs", hidden: true },
  },
  create(request) {
    const method = (request.method as string | undefined) ?? "near-optimal";
    if (method !== "near-optimal" && method !== "bowl")
      throw new UserError(`invalid --method ${method} (expected near-optimal or bowl)`);
    const fraction = (key: string, fallback: number) => {
      const v = (request[key] as number | undefined) ?? fallback;
      if (!(v >= 0 && v < 1)) throw new UserError(`invalid --${key}: ${v} (expected a number in [0, 1))`);
      return v;
    };
    const options = {
      lrIn: checkVariables("lr-in", (request["lr-in"] as string[] | undefined) ?? ["N", "D"]),
      batchIn: checkVariables("batch-in", (request["batch-in"] as string[] | undefined) ?? ["D"]),
      tolerance: fraction("tolerance", defaultTolerance),
    };
    if (method === "near-optimal") {
      if (request.band !== undefined) throw new UserError("--band is for --method bowl");
      return withQuestions(nearOptimalLaw(options));
    }
    if (request.tolerance !== undefined) throw new UserError("--tolerance is for --method near-optimal");
    const bowl = { ...options, band: fraction("band", defaultBand) };
    const [N, D, lrCenters, BCenters] = (["cellN", "cellD", "lrCenters", "BCenters"] as const).map(
      (key) => request[key] as readonly number[] | undefined,
    );
    if (N && D && lrCenters && BCenters && N.length > 0)
      return withQuestions(bowlLaw(bowl, { N, D, lrCenters, BCenters }));
    return withQuestions(bowlLaw(bowl));
  },
};

/** A law of either method with the questions hparams answers (bound laws keep them: see `bind`). */
function withQuestions(law: Law): Law {
  const bind = law.bind;
  return {
    ...law,
    questions,
    charts: ["hparams"],
    ...(bind ? { bind: (data) => withQuestions(bind(data)) } : {}),
  };
}
