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
        `${l.name.padEnd(13)} L = ${l.formula}\n${"".padEnd(13)} ${l.description}; inputs ${l.inputs.join(", ")}; ${l.reference}`,
    );
    io.stdout(lines.join("\n") + "\n");
  },
});
