import { UserError } from "../../errors.js";
import type { MathNode } from "./columnProgram.js";

/**
 * Limits of a formula, checked before it is differentiated. mathjs takes one symbolic derivative per
 * parameter and simplifies it, and the simplification grows steeply with the terms of one sum or product
 * (measured on this machine: 0.07 s a derivative for a sum of 11 terms, 0.3 s for 16, 3.4 s for 21), so the
 * terms and the parameters are bounded; the length and the nesting depth keep the parser and the tree walkers
 * off the call stack's end.
 * @example formulaLimits.parameters // 32
 */
export const formulaLimits = {
  /** Characters of the formula's text. */
  length: 10_000,
  /** Levels of nesting of its tree (operators, calls and parentheses). */
  depth: 64,
  /** Terms of one sum (`a + b - c`) or factors of one product (`a * b / c`), parentheses looked through. */
  terms: 12,
  /** Parameters (its symbols that are not inputs or constants). */
  parameters: 32,
  /**
   * Cells of the default starting grid over its exponents (each exponent 0 to 2 by 0.2, the built-in laws'
   * grid, thinned when there are more than five: a fit of 60 points took 4 s here on 11⁵ cells, 31 s on 11⁶).
   */
  gridCells: 200_000,
  /**
   * Nodes of one parameter's derivative before mathjs simplifies it, and of all of them together: simplifying
   * grows steeply with the size, and nested powers, quotients and functions grow the derivatives fast
   * (measured here: `N^N^…^A` 8 levels high, 136 nodes, 0.8 s; 9 levels, 161 nodes, 2.8 s; `N^A^B^…` with 9
   * parameters, 980 nodes in all, 3.6 s; a data-constrained law written out has 545 nodes in all, 112 at most).
   */
  derivativeNodes: 150,
  derivativesNodes: 800,
} as const;

/**
 * A formula in a message, on one line (line breaks and quotes escaped as in JSON): whole when short, its
 * start and length when long.
 * @example quoted("E + A/N^alpha") // "\"E + A/N^alpha\""
 */
export function quoted(formula: string): string {
  return formula.length <= 120
    ? JSON.stringify(formula)
    : `${JSON.stringify(`${formula.slice(0, 60)}…`)} (${formula.length} characters)`;
}

/** A text in a message on one line: line breaks (a block of statements, a parser's excerpt) become spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ");
}

/**
 * Refuses hexadecimal, binary and octal literals (`0x10`, `0b11`, `0o7`), which mathjs reads as numbers:
 * constants are decimal, as every number a user types (`parseDecimal`). A name that contains such a text
 * (`a0x1`) is a symbol, as it is to mathjs.
 * @example checkFormulaLiterals("E + A/N^0x10") // throws: … 0x10 is not a decimal number …
 */
export function checkFormulaLiterals(formula: string): void {
  const literal = /(?<![\p{L}\p{N}_$.])0[xbo][\p{L}\p{N}_.]*/u.exec(formula)?.[0];
  if (literal !== undefined)
    throw new UserError(
      `invalid formula ${quoted(formula)}: ${literal} is not a decimal number (write constants in decimal or exponent form, e.g. 16 or 1e-3)`,
    );
}

/**
 * Refuses a tree nested deeper than `formulaLimits.depth` or with a sum or product of more than
 * `formulaLimits.terms` terms; iterative, so that any depth is measured without recursion.
 */
export function checkFormulaShape(tree: MathNode, formula: string): void {
  const stack: [MathNode, number][] = [[tree, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > formulaLimits.depth)
      throw new UserError(
        `formula ${quoted(formula)} nests too deeply (at most ${formulaLimits.depth} levels)`,
      );
    const terms = chainLength(node);
    if (terms > formulaLimits.terms)
      throw new UserError(
        `formula ${quoted(formula)} has a ${node.op === "+" || node.op === "-" ? "sum" : "product"} of ${terms} terms; at most ${formulaLimits.terms} (the symbolic derivatives of longer ones slow down steeply)`,
      );
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}

/**
 * Refuses derivatives (one per parameter, before simplification) larger than `formulaLimits.derivativeNodes`
 * each or `formulaLimits.derivativesNodes` together: simplifying them would take minutes.
 */
export function checkDerivativeSizes(
  derivatives: readonly MathNode[],
  params: readonly string[],
  formula: string,
): void {
  const sizes = derivatives.map(nodeCount);
  const largest = sizes.indexOf(Math.max(...sizes));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const why = "nested powers, quotients and functions make long derivatives, slow to simplify";
  if (sizes[largest]! > formulaLimits.derivativeNodes)
    throw new UserError(
      `formula ${quoted(formula)} is too costly to differentiate: its derivative in ${params[largest]} has ${sizes[largest]} nodes; at most ${formulaLimits.derivativeNodes} (${why})`,
    );
  if (total > formulaLimits.derivativesNodes)
    throw new UserError(
      `formula ${quoted(formula)} is too costly to differentiate: its derivatives have ${total} nodes in all; at most ${formulaLimits.derivativesNodes} (${why})`,
    );
}

/** The nodes of a tree, counted without recursion. */
function nodeCount(tree: MathNode): number {
  let count = 0;
  const stack = [tree];
  while (stack.length) {
    const node = stack.pop()!;
    count++;
    stack.push(...children(node));
  }
  return count;
}

/** The terms of the sum or the factors of the product a binary `+ -` or `* /` node heads; else 0. */
function chainLength(node: MathNode): number {
  const group = node.op === "+" || node.op === "-" ? "+-" : node.op === "*" || node.op === "/" ? "*/" : "";
  if (node.type !== "OperatorNode" || node.args!.length !== 2 || !group) return 0;
  let terms = 0;
  const stack: MathNode[] = [node];
  while (stack.length) {
    let n = stack.pop()!;
    while (n.type === "ParenthesisNode") n = n.content!;
    if (n.type === "OperatorNode" && n.args!.length === 2 && group.includes(n.op!)) stack.push(...n.args!);
    else terms++;
  }
  return terms;
}

/** The operands of a node: a parenthesis's content, an operator's or a call's arguments. */
function children(n: MathNode): readonly MathNode[] {
  return n.type === "ParenthesisNode"
    ? [n.content!]
    : n.type === "OperatorNode" || n.type === "FunctionNode"
      ? n.args!
      : [];
}
