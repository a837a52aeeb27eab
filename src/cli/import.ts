import { importFitFiles } from "../api/fitFiles.js";
import { checkMapTargets, parseMap } from "../data/observations.js";
import { UserError } from "../errors.js";
import { ownEntry } from "../names.js";
import { openStore } from "../store/duckdb.js";
import { importFiles, importFormats, type ImportFormat } from "../store/importFiles.js";
import { stepBaseFrom, stepBaseOption } from "./_curves.js";
import { counted } from "./_format.js";
import { defineCommand, type CliIO, type OptionValues } from "./_command.js";
import { storePath } from "./_source.js";
import { listOption, parseNumber, printJson, progressFor, sharedOptions } from "./_shared.js";

/**
 * The counting conventions an import may record, and their values: parameters total or non-embedding
 * (Kaplan et al. 2020, §2.1), FLOPs 6ND or the exact count (Hoffmann et al. 2022, appendix F), the loss in
 * nats or bits per token or byte.
 */
const conventionValues: Readonly<Record<string, readonly string[]>> = {
  params: ["total", "non-embedding"],
  flops: ["6ND", "exact"],
  lossUnit: ["nats/token", "bits/token", "nats/byte", "bits/byte"],
};

export const command = defineCommand({
  name: "import",
  summary: "import runs and loss curves into a DuckDB database (the same content twice adds nothing)",
  usage: "scalefit import [--db <file>] <file>… [options]   (files after the options, or with --file)",
  examples: [
    "scalefit import --db runs.duckdb data/chinchilla/epoch.csv",
    "scalefit import --db runs.duckdb out/trainer_state.json --run opt-125m --set N=1.25e8,kind=lm",
    "scalefit import --db runs.duckdb logs/events.out.tfevents.1700000000.host --run tiny-4",
    "scalefit import --db runs.duckdb data/multipower/curves.csv --meta data/multipower/schedules.json",
    "scalefit import --db runs.duckdb train_log.csv --step-base 1   # steps logged from 1",
  ],
  positionals: true,
  options: {
    db: {
      type: "string",
      value: "<file>",
      description: "the database, created if missing (default ./scalefit.duckdb)",
    },
    file: {
      type: "string",
      multiple: true,
      value: "<file>",
      description: "a file to import (or give them after the options)",
    },
    format: {
      type: "string",
      value: "<format>",
      description: `${importFormats.join(", ")} (default: from the file name), or fit: fit artifacts into the fits table`,
    },
    map: {
      type: "string",
      multiple: true,
      value: "<role=column>",
      description: "rename columns (or TensorBoard tags) to roles, e.g. loss=val_loss",
    },
    set: {
      type: "string",
      multiple: true,
      value: "<role=value>",
      description: "run metadata for every run, e.g. N=1.2e8,kind=lm",
    },
    meta: {
      type: "string",
      value: "<file>",
      description: 'JSON of run metadata: {N: …}, {runs: {name: {…}}} or {schedules: {name: "kind:…"}}',
    },
    run: {
      type: "string",
      value: "<name>",
      description: "run name for one-run files (default: the directory or file name)",
    },
    "loss-kind": {
      type: "string",
      value: "<train|eval>",
      description: "what a plain loss column is (default train)",
    },
    conventions: {
      type: "string",
      multiple: true,
      value: "<key=value>",
      description: "counting conventions, e.g. params=non-embedding,flops=exact,lossUnit=bits/byte",
    },
    "step-base": {
      ...stepBaseOption["step-base"],
      description:
        "where the files' steps count from, 0 or 1 (1: the first update logged as step 1; the store counts from 0, as fit --step-base reads a file, so each step is stored one lower); default 0",
    },
    ...sharedOptions,
  },
  async run(values, io, positionals = []) {
    const db = storePath(values);
    const files = [...listOption(values, "file"), ...positionals];
    if (files.length === 0)
      throw new UserError(
        "scalefit import needs files to import (scalefit import --db runs.duckdb runs.csv)",
      );
    const format = values.format as ImportFormat | "fit" | undefined;
    if (format !== undefined && !(formats as readonly string[]).includes(format)) {
      throw new UserError(`invalid --format ${format} (expected ${formats.join(", ")})`);
    }
    if (format === "fit") return importFits(db, files, values, io);
    const lossKind = values["loss-kind"] as "train" | "eval" | undefined;
    if (lossKind !== undefined && lossKind !== "train" && lossKind !== "eval")
      throw new UserError(`invalid --loss-kind ${lossKind} (expected train or eval)`);
    // In a Map, `--set __proto__=1` is kept (an own key of the record), and refused as unknown run metadata.
    const set = new Map<string, number | string>();
    for (const item of listOption(values, "set")) {
      const at = item.indexOf("=");
      if (at <= 0) throw new UserError(`invalid --set ${item} (expected role=value, e.g. N=1.2e8)`);
      const [role, raw] = [item.slice(0, at).trim(), item.slice(at + 1).trim()];
      if (raw === "") throw new UserError(`invalid --set ${item}: ${role} needs a value (e.g. ${role}=…)`);
      if (set.has(role)) throw new UserError(`invalid --set: ${role} is given twice`);
      set.set(role, /^[-+]?[\d.]/.test(raw) ? parseNumber(raw, `--set ${role}`) : raw);
    }
    if (values.run !== undefined && String(values.run).trim() === "")
      throw new UserError("invalid --run: the run name is empty");
    const conventions = new Map<string, string>();
    for (const item of listOption(values, "conventions")) {
      const [key = "", value = "", ...rest] = item.split("=").map((part) => part.trim());
      const allowed = ownEntry(conventionValues, key);
      if (!allowed || rest.length)
        throw new UserError(
          `invalid --conventions ${item} (expected key=value with key ${Object.keys(conventionValues).join(", ")})`,
        );
      if (!allowed.includes(value))
        throw new UserError(`invalid --conventions ${item}: ${key} is one of ${allowed.join(", ")}`);
      if (conventions.has(key)) throw new UserError(`invalid --conventions: ${key} is given twice`);
      conventions.set(key, value);
    }
    const stepBase = stepBaseFrom(values);
    // The store's columns are roles only (no law is being fitted).
    const map = parseMap(listOption(values, "map"));
    checkMapTargets(map, []);
    const store = await openStore(db);
    const progress = files.length > 1 ? await progressFor(io, values.json === true) : { stop() {} };
    try {
      const results = await importFiles(store, files, {
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        ...(format ? { format } : {}),
        map,
        ...(set.size ? { set: Object.fromEntries(set) } : {}),
        ...(typeof values.meta === "string" ? { meta: values.meta } : {}),
        ...(typeof values.run === "string" ? { run: values.run } : {}),
        ...(lossKind ? { lossKind } : {}),
        ...(conventions.size ? { conventions: Object.fromEntries(conventions) } : {}),
        ...(stepBase !== undefined ? { stepBase } : {}),
      });
      progress.stop();
      if (values.json === true) return printJson(io, { db, imports: results });
      for (const r of results) {
        io.stdout(
          r.status === "already imported"
            ? `${r.file}: already imported (same content), nothing added\n`
            : `${r.file} (${r.format}): ${counted(r.runsAdded ?? 0, "new run")}, ${r.runsExtended} extended, ${counted(r.pointsAdded ?? 0, "point")} added${r.pointsAlreadyStored ? `, ${r.pointsAlreadyStored} already stored` : ""}\n`,
        );
      }
    } finally {
      progress.stop();
      store.close();
    }
  },
});

/** Every --format: the store's file formats, and fit artifacts. */
const formats = [...importFormats, "fit"] as const;

/** `--format fit`: artifacts of `scalefit fit --out` into the fits table (run options do not apply). */
async function importFits(db: string, files: string[], values: OptionValues, io: CliIO): Promise<void> {
  const runOnly = ["map", "set", "meta", "run", "loss-kind", "conventions", "step-base"].filter(
    (o) => values[o] !== undefined,
  );
  if (runOnly.length) throw new UserError(`--format fit stores fit artifacts: --${runOnly[0]} is for runs`);
  const saved = await importFitFiles(db, files);
  if (values.json === true) return printJson(io, { db, fits: saved });
  for (const s of saved)
    io.stdout(
      `${s.file} (fit): ${s.added ? `stored as fit ${s.id}` : `already stored as fit ${s.id}, nothing added`}\n`,
    );
}
