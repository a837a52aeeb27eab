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
} as const;

/** A formula in a message: whole when short, its start and length when long. */
export function quoted(formula: string): string {
  return formula.length <= 120 ? `"${formula}"` : `"${formula.slice(0, 60)}…" (${formula.length} characters)`;
}

/**
 * Refuses a tree nested deeper than `formulaLimits.depth` or with a sum or product of more than
 * `formulaLimits.terms` terms; iterative, so that any depth is measured without recursion.
 */
export function checkFormulaShape(tree: MathNode, formula: string): void {
  const children = (n: MathNode): readonly MathNode[] =>
    n.type === "ParenthesisNode"
      ? [n.content!]
      : n.type === "OperatorNode" || n.type === "FunctionNode"
        ? n.args!
        : [];
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
