import { UserError } from "../../errors.js";
import { hasOwnName, isBuiltinName, ownEntry } from "../../names.js";
import type { MathNode as MathjsNode } from "mathjs";
import type { Inputs, ParamSpec, Params } from "../../dataTypes.js";
import type { Law, LawDefinition } from "../../types.js";
import { range } from "../grid.js";
import { columnProgram, formulaConstants, formulaFunctions } from "./columnProgram.js";
import type { MathNode } from "./columnProgram.js";
import {
  checkDerivativeSizes,
  checkFormulaLiterals,
  checkFormulaShape,
  formulaLimits,
  oneLine,
  quoted,
} from "./formulaLimits.js";

/**
 * Input roles a formula may use without declaring them (the column roles of README.md). `B` (batch size) is
 * left out because Chinchilla-style formulas use B as a parameter: declare it with `inputs`.
 * @example inputRoles.includes("N") // true
 */
export const inputRoles = [
  "N",
  "D",
  "C",
  "S",
  "U",
  "Ne",
  "Nd",
  "bits",
  "Dfp",
  "Dqat",
  "step",
  "tokens",
  "lr",
] as const;

/** Options of `customLaw`. */
export interface CustomLawOptions {
  /** Names in the formula that are inputs (data columns). @default the symbols that are known roles (N, D, C, …) */
  readonly inputs?: readonly string[];
  /** Parameters fitted as logarithms (positive scales such as A, B, E). */
  readonly log?: readonly string[];
  /** Spec overrides per parameter: bounds, start value, grid. */
  readonly params?: Readonly<Record<string, Partial<Omit<ParamSpec, "name">>>>;
}

/** A compiled expression: evaluates on a vector of variable values (parameters first, then inputs). */
type Compiled = (values: Float64Array) => number;

/**
 * A law from a formula typed by the user, e.g. `E + A/N^alpha + B/D^beta`. The text is parsed once by
 * mathjs into an expression tree, differentiated symbolically for every parameter (mathjs `derivative`),
 * and compiled by our own tree walkers: into closures per point (`predict`, `gradient`) and into loops over
 * whole columns that share the subtrees the derivatives repeat (`evaluate`, `jacobian`, see `columnProgram`),
 * so a fit runs as fast as with the built-in law; nothing is ever passed to `eval` or `Function`.
 * Parameters that enter linearly are detected symbolically (their derivatives do not depend on any of
 * them), so the fitter projects them out exactly as for built-in laws; parameters used as exponents get
 * the exponent grid of the built-in laws. Loads mathjs on first use.
 * @example const law = await customLaw("E + A/N^alpha + B/D^beta", {log: ["E", "A", "B"]});
 */
export async function customLaw(formula: string, options: CustomLawOptions = {}): Promise<Law> {
  if (formula.length > formulaLimits.length)
    throw new UserError(
      `formula ${JSON.stringify(`${formula.slice(0, 60)}…`)} is ${formula.length} characters long; at most ${formulaLimits.length}`,
    );
  if (formula.trim() === "") throw new UserError("the formula is empty");
  checkFormulaLiterals(formula);
  // mathjs as one file: measured 0.2 s to load here against 1.5 s for its ES modules, the same code.
  const math = (await import("mathjs/lib/browser/math.js")).default;
  let tree: MathNode;
  try {
    tree = math.parse(formula) as unknown as MathNode;
  } catch (error) {
    // The parser recurses once per level of parentheses: very deep nesting ends its call stack.
    if (error instanceof RangeError)
      throw new UserError(
        `formula ${quoted(formula)} nests too deeply (at most ${formulaLimits.depth} levels)`,
      );
    throw new UserError(`invalid formula ${quoted(formula)}: ${oneLine((error as Error).message)}`);
  }
  checkFormulaShape(tree, formula);
  const symbols = collectSymbols(tree);
  // A name every JavaScript object inherits (constructor, __proto__, valueOf, …) is never a parameter or input.
  const builtin = symbols.find(isBuiltinName);
  if (builtin !== undefined)
    throw new UserError(
      `unknown symbol ${builtin} in formula ${quoted(formula)} (a JavaScript built-in name: rename the parameter or input)`,
    );
  // Compiling once up front rejects anything but arithmetic and known functions before any analysis.
  compile(tree, new Map(symbols.map((name, i) => [name, i])));
  const declared = options.inputs;
  const inputs = symbols.filter((s) =>
    declared ? declared.includes(s) : (inputRoles as readonly string[]).includes(s),
  );
  for (const name of declared ?? []) {
    if (!symbols.includes(name))
      throw new UserError(`input ${name} does not appear in formula ${quoted(formula)}`);
  }
  const paramNames = symbols.filter((s) => !inputs.includes(s) && !hasOwnName(formulaConstants, s));
  if (inputs.length === 0) {
    throw new UserError(
      `formula ${quoted(formula)} uses no input (known inputs: ${inputRoles.join(", ")}; declare others with --inputs)`,
    );
  }
  if (paramNames.length === 0) throw new UserError(`formula ${quoted(formula)} has no parameter to fit`);
  if (paramNames.length > formulaLimits.parameters)
    throw new UserError(
      `formula ${quoted(formula)} has ${paramNames.length} parameters; at most ${formulaLimits.parameters}`,
    );
  for (const name of [...(options.log ?? []), ...Object.keys(options.params ?? {})]) {
    if (!paramNames.includes(name)) {
      throw new UserError(
        `unknown parameter ${name}: formula ${quoted(formula)} has parameters ${paramNames.join(", ")}`,
      );
    }
  }
  const variables = [...paramNames, ...inputs];
  const index = new Map(variables.map((name, i) => [name, i]));
  const predictCompiled = compile(tree, index);
  // The derivatives (the costly part) are taken when first needed: a fit asks for them only after checking
  // its options against the data (too few points for the parameters fails at once).
  let analysis: Analysis | undefined;
  const analysed = (): Analysis => {
    if (analysis) return analysis;
    // mathjs differentiates log(x) but not log2(x): log2(x) is differentiated as log(x) / log(2).
    const differentiable = (tree as unknown as MathjsNode).transform(function log2(node): MathjsNode {
      if (!math.isFunctionNode(node) || node.fn.name !== "log2" || node.args.length !== 1) return node;
      const log = (arg: MathjsNode) => new math.FunctionNode("log", [arg]);
      return new math.OperatorNode("/", "divide", [
        log(node.args[0]!.transform(log2)),
        log(new math.ConstantNode(2)),
      ]);
    });
    const derivative = (name: string, simplify: boolean) => {
      try {
        return math.derivative(differentiable as never, name, { simplify }) as unknown as MathNode;
      } catch (error) {
        const message = oneLine((error as Error).message);
        // mathjs folds constants such as log(-4) or (-4)^phi into complex numbers, which a real law cannot use.
        throw new UserError(
          `cannot differentiate formula ${quoted(formula)} with respect to ${name}: ${/complex/i.test(message) ? "its derivative is complex (a negative number raised to a power, or the logarithm or root of one)" : message}`,
        );
      }
    };
    // Unsimplified derivatives are cheap to take; their sizes bound the cost of simplifying them.
    checkDerivativeSizes(
      paramNames.map((name) => derivative(name, false)),
      paramNames,
      formula,
    );
    const derivatives = paramNames.map((name) => derivative(name, true));
    analysis = {
      gradient: derivatives.map((d) => compile(d, index)),
      program: columnProgram(tree, derivatives, paramNames, inputs),
      linear: linearParameters(paramNames, derivatives),
    };
    return analysis;
  };
  const exponents = exponentParameters(tree);
  const logged = new Set(options.log ?? []);
  const exponentGrid = gridFor(paramNames.filter((name) => exponents.has(name)).length);
  const params: ParamSpec[] = paramNames.map((name) => {
    // In an exponent, so not linear (a linear parameter's grid and start are unused: it is projected out).
    const isExponent = exponents.has(name);
    return {
      name,
      value: isExponent ? 0.3 : 1,
      ...(logged.has(name) ? { log: true } : {}),
      ...(isExponent && exponentGrid.length ? { grid: exponentGrid } : {}),
      ...(ownEntry(options.params, name) ?? {}),
    };
  });
  const p0 = paramNames.length;
  const values = new Float64Array(variables.length);
  const load = (p: Params, x: Inputs) => {
    for (let j = 0; j < p0; j++) values[j] = p[paramNames[j]!]!;
    for (let j = 0; j < inputs.length; j++) values[p0 + j] = x[inputs[j]!]!;
    return values;
  };
  const text = tree.toString();
  return {
    name: "custom",
    formula: text,
    description: "a formula given by the user",
    reference: "user formula, differentiated symbolically (mathjs derivative)",
    inputs,
    params,
    get linear() {
      return analysed().linear;
    },
    predict: (p, x) => predictCompiled(load(p, x)),
    gradient(p, x) {
      const v = load(p, x);
      return analysed().gradient.map((g) => g(v));
    },
    evaluate(p, data, out) {
      analysed().program.evaluate(p, data, out);
    },
    jacobian(p, data, out) {
      analysed().program.jacobian(p, data, out);
    },
    spec: { formula, inputs: [...inputs], log: [...logged] },
  };
}

/**
 * The default grid of each of `count` exponents: 0 to 2 by 0.2, or fewer values evenly spread over [0, 2]
 * so that the grid has at most `formulaLimits.gridCells` cells; none (the start only) past 17 exponents.
 * @example gridFor(6) // [0, 0.333333333333, 0.666666666667, 1, 1.33333333333, 1.66666666667, 2]
 */
function gridFor(count: number): number[] {
  const full = range(0, 2, 0.2);
  const values = Math.floor(formulaLimits.gridCells ** (1 / Math.max(count, 1)) + 1e-9);
  if (values >= full.length) return full;
  if (values < 2) return [];
  return Array.from({ length: values }, (_, i) => Number(((2 * i) / (values - 1)).toPrecision(12)));
}

/** What differentiating a formula gives: the gradient per point, the column programs, the linear parameters. */
interface Analysis {
  readonly gradient: readonly Compiled[];
  readonly program: ReturnType<typeof columnProgram>;
  readonly linear: readonly string[];
}

function collectSymbols(node: MathNode): string[] {
  const seen: string[] = [];
  const visit = (n: MathNode) => {
    if (n.type === "SymbolNode") {
      if (!seen.includes(n.name!)) seen.push(n.name!);
      return;
    }
    if (n.type === "FunctionNode") {
      n.args!.forEach(visit);
      return;
    }
    if (n.type === "ParenthesisNode") return visit(n.content!);
    if (n.type === "OperatorNode") return n.args!.forEach(visit);
  };
  visit(node);
  return seen;
}

/** Compiles a node into a closure over a value vector; rejects anything but arithmetic and known functions. */
function compile(node: MathNode, index: Map<string, number>): Compiled {
  switch (node.type) {
    case "ConstantNode": {
      // A number only: mathjs also reads true, false, null and strings as constants.
      const value = typeof node.value === "number" ? node.value : NaN;
      if (!Number.isFinite(value))
        throw new UserError(`unsupported constant ${oneLine(String(node.value))} in formula`);
      return () => value;
    }
    case "SymbolNode": {
      const name = node.name!;
      const i = index.get(name);
      if (i !== undefined) return (v) => v[i]!;
      const value = ownEntry(formulaConstants, name);
      if (value !== undefined) return () => value;
      throw new UserError(`unknown symbol ${name} in formula`);
    }
    case "ParenthesisNode":
      return compile(node.content!, index);
    case "OperatorNode": {
      const args = node.args!.map((a) => compile(a, index));
      const [a, b] = args;
      if (args.length === 1) {
        if (node.op === "-") return (v) => -a!(v);
        if (node.op === "+") return a!;
      } else if (args.length === 2) {
        switch (node.op) {
          case "+":
            return (v) => a!(v) + b!(v);
          case "-":
            return (v) => a!(v) - b!(v);
          case "*":
            return (v) => a!(v) * b!(v);
          case "/":
            return (v) => a!(v) / b!(v);
          case "^":
            return (v) => a!(v) ** b!(v);
        }
      }
      throw new UserError(
        `unsupported operator ${node.op} in formula (use + - * / ^ and ${Object.keys(formulaFunctions).join(", ")})`,
      );
    }
    case "FunctionNode": {
      if (typeof node.fn !== "string" && node.fn?.type !== "SymbolNode") {
        throw new UserError(`unsupported expression ${oneLine(node.toString())} in formula`);
      }
      const name = typeof node.fn === "string" ? node.fn : node.fn.name!;
      const f = ownEntry(formulaFunctions, name);
      if (!f)
        throw new UserError(
          `unknown function ${name} in formula (allowed: ${Object.keys(formulaFunctions).join(", ")})`,
        );
      if (node.args!.length !== 1) throw new UserError(`function ${name} takes one argument in formula`);
      const a = compile(node.args![0]!, index);
      return (v) => f(a(v));
    }
    default:
      throw new UserError(`unsupported expression ${oneLine(node.toString())} in formula (${node.type})`);
  }
}

/**
 * Parameters in which the formula is affine, jointly: each one's derivative depends on none of them.
 * Greedy: drop the parameter whose derivative depends on the most others until the set is consistent.
 */
function linearParameters(names: readonly string[], derivatives: readonly MathNode[]): string[] {
  const depends = derivatives.map((d) => new Set(collectSymbols(d)));
  let set = names.filter((_, j) => depends[j]!.size > 0 || derivatives[j]!.type === "ConstantNode");
  for (;;) {
    const offenders = set
      .map((name) => ({
        name,
        count: set.filter((other) => depends[names.indexOf(name)]!.has(other)).length,
      }))
      .filter((o) => o.count > 0)
      .sort((a, b) => b.count - a.count);
    if (offenders.length === 0) return set;
    set = set.filter((name) => name !== offenders[0]!.name);
  }
}

/** Symbols that appear in an exponent (right of ^) or inside exp(): candidates for the exponent grid. */
function exponentParameters(node: MathNode): Set<string> {
  const found = new Set<string>();
  const visit = (n: MathNode, inExponent: boolean) => {
    if (n.type === "SymbolNode" && inExponent) found.add(n.name!);
    if (n.type === "ParenthesisNode") visit(n.content!, inExponent);
    if (n.type === "OperatorNode") {
      n.args!.forEach((a, i) => visit(a, inExponent || (n.op === "^" && i === 1)));
    }
    if (n.type === "FunctionNode") {
      const name = typeof n.fn === "string" ? n.fn : n.fn!.name!;
      n.args!.forEach((a) => visit(a, inExponent || name === "exp"));
    }
  };
  visit(node, false);
  return found;
}

/**
 * Registry entry of `custom`: the formula, its inputs and its log-scaled parameters are options (kept in the
 * artifact's `lawSpec`).
 * @example await customDefinition.create({formula: "E + A/N^alpha", log: ["E", "A"]})
 */
export const customDefinition: LawDefinition = {
  name: "custom",
  listing: {
    formula: '--formula "..."',
    inputs: ["N", "D", "C", "S", "…"],
    params: [],
    reference: "your formula, differentiated symbolically",
    description: "a formula typed by the user: + - * / ^ exp log sqrt …",
  },
  options: {
    formula: {
      kind: "string",
      value: "<formula>",
      description: 'the formula, e.g. "E + A/N^alpha + B/D^beta"',
    },
    inputs: {
      kind: "strings",
      value: "<names>",
      description: "inputs of the formula, if not the standard roles (N, D, C, S, …)",
    },
    log: { kind: "strings", value: "<names>", description: "parameters fitted as logarithms, e.g. E,A,B" },
  },
  create(request) {
    if (typeof request.formula !== "string" || !request.formula)
      throw new UserError('law custom needs a formula (--formula "E + A/N^alpha")');
    const list = (value: unknown) => (Array.isArray(value) && value.length ? (value as string[]) : undefined);
    const inputs = list(request.inputs);
    const log = list(request.log);
    return customLaw(request.formula, { ...(inputs ? { inputs } : {}), ...(log ? { log } : {}) });
  },
};
