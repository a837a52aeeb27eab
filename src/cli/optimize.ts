import { UserError } from "../errors.js";
import { loadFit } from "../fit/artifact.js";
import { allLawDefinitions } from "../fit/laws/index.js";
import { answerQuestion, chooseQuestion, shapeQuestions } from "../predict/questions.js";
import type { OptionSpec } from "../dataTypes.js";
import type { LawQuestion } from "../types.js";
import { defineCommand, type OptionDef } from "./_command.js";
import { flagOf, readOptions } from "./_options.js";
import { printJson, requireOption, sharedOptions } from "./_shared.js";

/** Every optimize question's options, merged by flag: what `optimize` offers, described by who asks. */
function questionFlags(questions: ReadonlyArray<{ owner: string; question: LawQuestion }>) {
  const specs: Record<string, OptionSpec> = {};
  const owners: Record<string, string[]> = {};
  for (const { owner, question } of questions) {
    for (const [key, spec] of Object.entries(question.options)) {
      specs[key] ??= spec;
      if (!(owners[key] ??= []).includes(owner)) owners[key]!.push(owner);
    }
  }
  const flags: Record<string, OptionDef> = {};
  for (const [key, spec] of Object.entries(specs)) flags[key] = flagOf(spec, owners[key]);
  return { specs, flags };
}

const asked = [
  { owner: "laws in N and D", question: shapeQuestions[0]! },
  { owner: "curve laws", question: shapeQuestions[1]! },
  ...allLawDefinitions().flatMap((d) =>
    (d.questions ?? [])
      .filter((q) => q.command === "optimize")
      .map((question) => ({ owner: d.name, question })),
  ),
];
const { specs, flags } = questionFlags(asked);
const withoutFit = allLawDefinitions().filter((d) => d.questions?.some((q) => q.withoutFit));

export const command = defineCommand({
  name: "optimize",
  summary:
    "compute-optimal N and D, the best LR schedule, the encoder/decoder split, or the QAT share and bit width",
  usage:
    "scalefit optimize --fit <fit.json> (--compute <FLOPs>[,…] | --steps <T> --family <wsd|cosine|linear> | --total-params <P> | --tokens <D> --params <N> --bits <b> [--match] | --tokens <D> --memory <bytes>) [options]",
  examples: [
    "scalefit optimize --fit fit.json --compute 5.76e23",
    "scalefit optimize --fit fit.json --compute 1e21,1e23,1e25 --json",
    "scalefit optimize --fit curves.json --steps 24000 --family wsd",
    "scalefit optimize --fit encdec.json --total-params 1e9",
    "scalefit optimize --law qat --tokens 2e10 --params 1e9 --bits 4",
    "scalefit optimize --fit qat.json --tokens 2e10 --params 1e9 --bits 4 --match",
    "scalefit optimize --fit qat.json --tokens 2e10 --memory 5e8",
  ],
  options: {
    fit: {
      type: "string",
      value: "<file>",
      description: "fit artifact: a law in N and D for --compute, a curve law for --family",
    },
    law: {
      type: "string",
      value: `<${withoutFit.map((d) => d.name).join("|")}>`,
      description: `without --fit: ${withoutFit.map((d) => d.name).join(", ")} answers with its published law`,
    },
    ...flags,
    ...sharedOptions,
  },
  async run(values, io) {
    const given = new Set(Object.keys(values).filter((key) => Object.hasOwn(specs, key)));
    const args = readOptions(values, specs);
    let fit;
    let question;
    if (typeof values.law === "string") {
      if (values.fit !== undefined) throw new UserError("give --fit or --law, not both");
      // The law's registry entry says what it answers; the law itself (which may need options) is not built.
      question = withoutFit
        .find((d) => d.name === values.law)
        ?.questions?.find((q) => q.command === "optimize" && q.withoutFit);
      if (!question)
        throw new UserError(
          `--law answers without a fit only for ${withoutFit.map((d) => d.name).join(", ")} (the published law), not ${values.law}`,
        );
    } else {
      fit = await loadFit(requireOption(values, "fit", "optimize"));
      question = chooseQuestion(fit.law, "optimize", given);
      if (!question) throw new UserError(`law ${fit.law.name} answers no optimize question`);
    }
    // Options the question does not read are refused before any work.
    const unused = [...given].filter((key) => !Object.hasOwn(question.options, key));
    if (unused.length)
      throw new UserError(
        `--${unused[0]} is not used by the ${question.name} of law ${fit?.law.name ?? values.law} (it reads ${Object.keys(
          question.options,
        )
          .map((k) => `--${k}`)
          .join(", ")})`,
      );
    const { answer, text } = answerQuestion(question, fit, args);
    if (values.json === true) return printJson(io, answer);
    io.stdout(text + "\n");
  },
});
