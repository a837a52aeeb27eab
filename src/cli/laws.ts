import { bcritLaw } from "../fit/laws/bcrit.js";
import { laws } from "../fit/laws/index.js";
import { defineCommand } from "./_command.js";
import { printJson, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "laws",
  summary: "list the built-in laws with their formulas, inputs and parameters",
  usage: "scalefit laws [--json]",
  examples: ["scalefit laws", "scalefit laws --json"],
  options: { ...sharedOptions },
  async run(values, io) {
    const list = Object.values(laws).map((law) => ({
      name: law.name,
      formula: law.formula,
      inputs: law.inputs,
      params: law.params.map((p) => p.name),
      reference: law.reference,
      description: law.description,
    }));
    const bcrit = bcritLaw([3, 2.6]);
    list.push({
      name: "bcrit",
      formula: bcrit.formula,
      inputs: ["run", "B", "step", "loss (points of a batch-size sweep)"],
      params: ["Smin_k", "Emin_k per --targets loss; derived Bcrit_k, Bstar, alphaB"],
      reference: bcrit.reference,
      description: bcrit.description,
    });
    list.push({
      name: "custom",
      formula: '--formula "..."',
      inputs: ["N", "D", "C", "S", "…"],
      params: [],
      reference: "your formula, differentiated symbolically",
      description: "a formula typed by the user: + - * / ^ exp log sqrt …",
    });
    if (values.json === true) return printJson(io, { laws: list });
    const lines = list.map(
      (l) =>
        `${l.name.padEnd(16)} ${l.name === "bcrit" ? "" : "L = "}${l.formula}\n${"".padEnd(16)} ${l.description}; inputs ${l.inputs.join(", ")}; ${l.reference}`,
    );
    io.stdout(lines.join("\n") + "\n");
  },
});
