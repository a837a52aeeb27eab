import { UserError } from "../../errors.js";
import type { StagedRows } from "../staging.js";

/**
 * Staged rows from a Hugging Face `trainer_state.json` (`transformers.TrainerState`): its `log_history`
 * entries with `step` and `loss`, `eval_loss` or `learning_rate`, merged by step (a train entry and an eval
 * entry of the same step make one row). Other entries (the final `train_runtime` summary, …) are skipped.
 * @example huggingfaceToStaged("out/trainer_state.json", text, "my-run")
 */
export function huggingfaceToStaged(file: string, text: string, run: string): StagedRows {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    // A table named with --format hf is the likely mistake; say what it is read as.
    const why = /^\s*[{[]/.test(text)
      ? (error as Error).message.replace(/\s+/g, " ")
      : "it does not start with { as a Hugging Face trainer_state.json does; for a table use --format csv or jsonl";
    throw new UserError(`${file} is not valid JSON (${why})`);
  }
  const history = (state as { log_history?: unknown })?.log_history;
  if (!state || typeof state !== "object" || !Array.isArray(history)) {
    throw new UserError(`${file} is not a Hugging Face trainer state: it has no log_history array`);
  }
  const bySteps = new Map<number, { record: number; loss: number; eval: number; lr: number }>();
  const order: number[] = [];
  history.forEach((entry: unknown, k) => {
    const record = k + 1;
    if (!entry || typeof entry !== "object")
      throw new UserError(`${file} record ${record} of log_history: expected an object`);
    const e = entry as Record<string, unknown>;
    const has = (key: string) => e[key] !== undefined && e[key] !== null;
    if (!has("loss") && !has("eval_loss") && !has("learning_rate")) return;
    const number = (key: string): number => {
      if (!has(key)) return NaN;
      const v = e[key];
      if (typeof v !== "number")
        throw new UserError(
          `${file} record ${record} of log_history, column ${key}: ${JSON.stringify(v)} is not a number`,
        );
      return v;
    };
    const step = number("step");
    if (Number.isNaN(step))
      throw new UserError(`${file} record ${record} of log_history, column step: the entry has no step`);
    let row = bySteps.get(step);
    if (!row) {
      bySteps.set(step, (row = { record, loss: NaN, eval: NaN, lr: NaN }));
      order.push(step);
    }
    const set = (field: "loss" | "eval" | "lr", value: number, key: string) => {
      if (Number.isNaN(value)) return;
      if (!Number.isNaN(row![field]) && row![field] !== value) {
        throw new UserError(
          `${file} record ${record} of log_history, column ${key}: step ${step} is logged twice with different values`,
        );
      }
      row![field] = value;
    };
    set("loss", number("loss"), "loss");
    set("eval", number("eval_loss"), "eval_loss");
    set("lr", number("learning_rate"), "learning_rate");
  });
  if (order.length === 0)
    throw new UserError(`${file}: log_history has no entry with a loss or a learning rate`);
  const rows = order.map((step) => ({ step, ...bySteps.get(step)! }));
  return {
    sourceRow: Float64Array.from(rows, (r) => r.record),
    run: rows.map(() => run),
    step: Float64Array.from(rows, (r) => r.step),
    tokens: new Float64Array(rows.length).fill(NaN),
    flops: new Float64Array(rows.length).fill(NaN),
    lr: Float64Array.from(rows, (r) => r.lr),
    train_loss: Float64Array.from(rows, (r) => r.loss),
    eval_loss: Float64Array.from(rows, (r) => r.eval),
    meta: {},
  };
}
