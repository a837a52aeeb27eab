import { UserError } from "../../errors.js";
import type { StagedRows } from "../staging.js";
import { maskedCrc32c } from "./crc32c.js";
import { decodeMessage, fixedNumber, text, type WireField } from "./protobuf.js";

/** A scalar of an event file: its record number, step, tag and value. */
interface Scalar {
  readonly record: number;
  readonly step: number;
  readonly tag: string;
  readonly value: number;
}

/**
 * The records of a TFRecord file (tensorflow/core/lib/io/record_writer.cc): each is a little-endian uint64
 * length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. A bad checksum
 * or a truncated record is an error naming the record.
 * @example for (const record of tfRecords("events.out.tfevents.1", bytes)) …
 */
function* tfRecords(file: string, bytes: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let record = 0;
  while (offset < bytes.length) {
    record++;
    if (offset + 12 > bytes.length)
      throw new UserError(`${file} record ${record}: truncated (the file ends inside a record header)`);
    const length = Number(view.getBigUint64(offset, true));
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes, offset, offset + 8)) {
      throw new UserError(
        `${file} record ${record}: bad CRC of the record length (corrupt or not a TFRecord file)`,
      );
    }
    const start = offset + 12;
    if (start + length + 4 > bytes.length)
      throw new UserError(`${file} record ${record}: truncated (the file ends inside the record)`);
    if (view.getUint32(start + length, true) !== maskedCrc32c(bytes, start, start + length)) {
      throw new UserError(`${file} record ${record}: bad CRC of the record data`);
    }
    yield bytes.subarray(start, start + length);
    offset = start + length + 4;
  }
}

/**
 * The scalars of a TensorBoard event file: `Event.step` (field 2) and each `Summary.Value` (field 5 → 1) with
 * its `tag` (1) and `simple_value` (2, PyTorch's SummaryWriter) or a scalar `tensor` (8: `float_val` 5,
 * `double_val` 6 or 4- or 8-byte `tensor_content` 4, TF2's tf.summary.scalar). Parsed from the wire format
 * of tensorflow/core/util/event.proto and framework/summary.proto directly.
 * @example eventScalars("events.out.tfevents.1", bytes).filter((s) => s.tag === "train/loss")
 */
function eventScalars(file: string, bytes: Uint8Array): Scalar[] {
  const scalars: Scalar[] = [];
  let record = 0;
  for (const data of tfRecords(file, bytes)) {
    record++;
    let fields: WireField[];
    try {
      fields = decodeMessage(data);
      let step = 0;
      const values: { tag: string; value: number }[] = [];
      for (const f of fields) {
        if (f.number === 2 && f.type === 0) step = f.value;
        if (f.number === 5 && f.type === 2) {
          for (const v of decodeMessage(f.bytes)) {
            if (v.number !== 1 || v.type !== 2) continue;
            const scalar = summaryValue(v.bytes);
            if (scalar) values.push(scalar);
          }
        }
      }
      for (const v of values) scalars.push({ record, step, ...v });
    } catch (error) {
      if (error instanceof RangeError)
        throw new UserError(`${file} record ${record}: malformed event (${error.message})`);
      throw error;
    }
  }
  return scalars;
}

function summaryValue(bytes: Uint8Array): { tag: string; value: number } | undefined {
  let tag: string | undefined;
  let value: number | undefined;
  for (const f of decodeMessage(bytes)) {
    if (f.number === 1 && f.type === 2) tag = text(f.bytes);
    else if (f.number === 2 && f.type === 5) value = fixedNumber(f.bytes);
    else if (f.number === 8 && f.type === 2) value = tensorScalar(f.bytes) ?? value;
  }
  return tag !== undefined && value !== undefined ? { tag, value } : undefined;
}

function tensorScalar(bytes: Uint8Array): number | undefined {
  let dtype = 0;
  let content: Uint8Array | undefined;
  for (const f of decodeMessage(bytes)) {
    if (f.number === 1 && f.type === 0) dtype = f.value;
    else if (f.number === 4 && f.type === 2) content = f.bytes;
    else if (f.number === 5 && (f.type === 2 || f.type === 5))
      return fixedNumber(f.type === 5 ? f.bytes : f.bytes.subarray(0, 4));
    else if (f.number === 6 && (f.type === 2 || f.type === 1))
      return fixedNumber(f.type === 1 ? f.bytes : f.bytes.subarray(0, 8));
  }
  // DT_FLOAT = 1, DT_DOUBLE = 2 (tensorflow/core/framework/types.proto)
  if (content && dtype === 1 && content.byteLength === 4) return fixedNumber(content);
  if (content && dtype === 2 && content.byteLength === 8) return fixedNumber(content);
  return undefined;
}

/** Tags read as the training loss, the evaluation loss and the learning rate (first match wins). */
const tensorboardTags = {
  train_loss: /^(train[/_])?loss$|^loss[/_]train$/i,
  eval_loss: /^(eval|val|valid|validation)[/_]loss$|^loss[/_](eval|val|valid|validation)$/i,
  lr: /^(train[/_])?(learning_rate|lr)$/i,
};

/**
 * Staged rows of one run from an event file's scalars: one row per step with the tags of `tensorboardTags`
 * (or the tags given), other scalars ignored.
 * @example tensorboardToStaged("events.out.tfevents.1", bytes, "run-7")
 */
export function tensorboardToStaged(
  file: string,
  bytes: Uint8Array,
  run: string,
  tags: Partial<Record<keyof typeof tensorboardTags, string>> = {},
): StagedRows {
  const scalars = eventScalars(file, bytes);
  const allTags = [...new Set(scalars.map((s) => s.tag))];
  const chosen: Partial<Record<keyof typeof tensorboardTags, string>> = {};
  for (const key of Object.keys(tensorboardTags) as (keyof typeof tensorboardTags)[]) {
    const tag = tags[key] ?? allTags.find((t) => tensorboardTags[key].test(t));
    if (tags[key] && !allTags.includes(tags[key]!))
      throw new UserError(
        `${file} has no scalar tagged ${tags[key]} (tags: ${allTags.join(", ") || "none"})`,
      );
    if (tag) chosen[key] = tag;
  }
  if (!chosen.train_loss && !chosen.eval_loss) {
    throw new UserError(
      `${file} has no loss scalar (tags: ${allTags.join(", ") || "none"}; --map loss=<tag> picks one)`,
    );
  }
  const bySteps = new Map<number, { record: number; train_loss: number; eval_loss: number; lr: number }>();
  for (const s of scalars) {
    const key = (Object.keys(chosen) as (keyof typeof chosen)[]).find((k) => chosen[k] === s.tag);
    if (!key) continue;
    let row = bySteps.get(s.step);
    if (!row) bySteps.set(s.step, (row = { record: s.record, train_loss: NaN, eval_loss: NaN, lr: NaN }));
    row[key] = s.value;
  }
  // Event files are written in order; a restarted run may rewrite steps, and the latest record wins.
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  const rows = steps.map((step) => ({ step, ...bySteps.get(step)! }));
  // Rows are numbered in step order: tags of one step may sit in records far apart.
  return {
    sourceRow: Float64Array.from(rows, (_, k) => k + 1),
    run: rows.map(() => run),
    step: Float64Array.from(rows, (r) => r.step),
    tokens: new Float64Array(rows.length).fill(NaN),
    flops: new Float64Array(rows.length).fill(NaN),
    lr: Float64Array.from(rows, (r) => r.lr),
    train_loss: Float64Array.from(rows, (r) => r.train_loss),
    eval_loss: Float64Array.from(rows, (r) => r.eval_loss),
    meta: {},
  };
}
