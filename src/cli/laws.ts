import { allLawDefinitions } from "../fit/laws/index.js";
import { defineCommand } from "./_command.js";
import { printJson, sharedOptions } from "./_shared.js";

export const command = defineCommand({
  name: "laws",
  summary: "list the built-in laws with their formulas, inputs and parameters",
  usage: "scalefit laws [--json]",
  examples: ["scalefit laws", "scalefit laws --json"],
  options: { ...sharedOptions },
  async run(values, io) {
    const definitions = allLawDefinitions();
    const list = definitions.map(({ name, listing: { equation: _equation, ...listing } }) => ({
      name,
      ...listing,
    }));
    if (values.json === true) return printJson(io, { laws: list });
    const lines = list.map(
      (l, i) =>
        `${l.name.padEnd(16)} ${definitions[i]!.listing.equation ? "" : "L = "}${l.formula}\n${"".padEnd(16)} ${l.description}; inputs ${l.inputs.join(", ")}; ${l.reference}`,
    );
    io.stdout(lines.join("\n") + "\n");
  },
});
