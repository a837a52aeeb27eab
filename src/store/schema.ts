/**
 * The store's schema (README.md, "The store"): runs, their logged points, fits, and the imports that were
 * applied (by content digest, so the same file is never imported twice). Migrations are numbered and applied
 * in order inside one transaction; `meta.schema_version` records the last one.
 */

/**
 * Run metadata columns: name in the database → role name on the command line and in files; `zero` where 0 is
 * a value (a seed, QAT from step 0, no QAT tokens for a full-precision run) and not a missing size.
 */
export const runColumns = {
  n: { role: "N", type: "DOUBLE", description: "parameters (total, or as the conventions say)" },
  n_nonembedding: { role: "Nnonembedding", type: "DOUBLE", description: "non-embedding parameters" },
  ne: { role: "Ne", type: "DOUBLE", description: "encoder parameters" },
  nd: { role: "Nd", type: "DOUBLE", description: "decoder parameters" },
  d: { role: "D", type: "DOUBLE", description: "planned (or final) training tokens" },
  batch_size: { role: "B", type: "DOUBLE", description: "batch size in tokens" },
  seq_len: { role: "seqLen", type: "DOUBLE", description: "sequence length" },
  peak_lr: { role: "peakLr", type: "DOUBLE", description: "peak learning rate" },
  schedule: { role: "schedule", type: "VARCHAR", description: "LR schedule in compact form" },
  bits: { role: "bits", type: "DOUBLE", description: "quantisation bits" },
  qat_start: {
    role: "qatStart",
    type: "DOUBLE",
    description: "step where quantisation-aware training starts",
    zero: true,
  },
  seed: { role: "seed", type: "DOUBLE", description: "random seed", zero: true },
  backend: { role: "backend", type: "VARCHAR", description: "training backend" },
  kind: { role: "kind", type: "VARCHAR", description: "lm, encdec, qat, …" },
  status: { role: "status", type: "VARCHAR", description: "running, done or failed" },
  // Added by migration 2.
  unique_tokens: { role: "U", type: "DOUBLE", description: "unique tokens of repeated data" },
  qat_tokens: {
    role: "Dqat",
    type: "DOUBLE",
    description: "tokens of quantisation-aware training",
    zero: true,
  },
} as const;

/** The run columns of migration 1, frozen: later columns come with later migrations. */
const version1RunColumns = [
  "n",
  "n_nonembedding",
  "ne",
  "nd",
  "d",
  "batch_size",
  "seq_len",
  "peak_lr",
  "schedule",
  "bits",
  "qat_start",
  "seed",
  "backend",
  "kind",
  "status",
] as const;

/** Schema migrations, applied in order; never edit a published one, add the next. */
export const migrations: readonly string[] = [
  `
  CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
  CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY, digest VARCHAR NOT NULL UNIQUE, source VARCHAR NOT NULL, format VARCHAR NOT NULL,
    runs INTEGER NOT NULL, points BIGINT NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
  );
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, source VARCHAR NOT NULL,
    ${version1RunColumns.map((name) => `${name} ${runColumns[name].type}`).join(", ")},
    config VARCHAR NOT NULL DEFAULT '{}', conventions VARCHAR NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
  );
  CREATE TABLE points (
    run_id INTEGER NOT NULL, step BIGINT, tokens DOUBLE, flops DOUBLE, lr DOUBLE, train_loss DOUBLE, eval_loss DOUBLE
  );
  CREATE TABLE fits (
    fit_id INTEGER PRIMARY KEY, law VARCHAR NOT NULL, params VARCHAR NOT NULL, intervals VARCHAR NOT NULL,
    objective DOUBLE, options VARCHAR NOT NULL, data_digest VARCHAR NOT NULL, artifact VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
  );
  `,
  // 2: unique tokens (repeated data) and QAT tokens per run, for the data-constrained and qat laws.
  `
  ALTER TABLE runs ADD COLUMN unique_tokens DOUBLE;
  ALTER TABLE runs ADD COLUMN qat_tokens DOUBLE;
  `,
  // 3: gradient noise at logged points (the trainer's noiseBatches), for the simple noise scale.
  `
  ALTER TABLE points ADD COLUMN grad_small_batch DOUBLE;
  ALTER TABLE points ADD COLUMN grad_small_norm2 DOUBLE;
  ALTER TABLE points ADD COLUMN grad_big_batch DOUBLE;
  ALTER TABLE points ADD COLUMN grad_big_norm2 DOUBLE;
  `,
];

/**
 * The points' gradient-noise columns (migration 3): squared gradient norms at a small and a big batch size
 * (tokens), as a trainer with `noiseBatches` logs them at its evaluations; Parquet exports carry them.
 */
export const gradientNoiseColumns = [
  "grad_small_batch",
  "grad_small_norm2",
  "grad_big_batch",
  "grad_big_norm2",
] as const;

/** The counting conventions a run records unless told otherwise. */
export const defaultConventions = { params: "total", flops: "6ND", lossUnit: "nats/token" } as const;
