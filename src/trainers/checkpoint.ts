/**
 * A training state's checkpoint file: a JSON header (length-prefixed) and the float arrays, written to a
 * temporary file and renamed, beside the database (`<db>.checkpoints/`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TrainState } from "./trainState.js";

const checkpointMagic = "scalefit-checkpoint-1";

/**
 * Where a sweep keeps a run's checkpoint: `<db>.checkpoints/<run name, file-safe>.ckpt`.
 * @example checkpointPath("runs.duckdb", "smoke/dModel=16") // "runs.duckdb.checkpoints/smoke_dModel=16.ckpt"
 */
export function checkpointPath(db: string, run: string): string {
  return join(`${db}.checkpoints`, `${run.replace(/[^A-Za-z0-9._=-]/g, "_")}.ckpt`);
}

/**
 * Writes a training state atomically (temporary file + rename): a crash leaves the old checkpoint or the new.
 * @example saveCheckpoint("runs.duckdb.checkpoints/a.ckpt", state)
 */
export function saveCheckpoint(path: string, state: TrainState): void {
  const names = Object.keys(state.tensors);
  const header = Buffer.from(
    JSON.stringify({
      magic: checkpointMagic,
      step: state.step,
      adamStep: state.adamStep,
      tensors: names.map((name) => [name, state.tensors[name]!.length]),
    }),
  );
  const total = names.reduce((n, name) => n + state.tensors[name]!.length, 0);
  const body = new Float32Array(total);
  let offset = 0;
  for (const name of names) {
    body.set(state.tensors[name]!, offset);
    offset += state.tensors[name]!.length;
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(
    temporary,
    Buffer.concat([length, header, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]),
  );
  renameSync(temporary, path);
}

/**
 * Reads a checkpoint; undefined when missing or unreadable (the run then starts over: its stored points
 * stay, and are recomputed identically).
 * @example const state = loadCheckpoint("runs.duckdb.checkpoints/a.ckpt")
 */
export function loadCheckpoint(path: string): TrainState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const bytes = readFileSync(path);
    const length = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString("utf8")) as {
      magic: string;
      step: number;
      adamStep: number;
      tensors: Array<[string, number]>;
    };
    if (header.magic !== checkpointMagic) return undefined;
    const data = bytes.subarray(4 + length);
    const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const tensors: Record<string, Float32Array> = {};
    let offset = 0;
    for (const [name, size] of header.tensors) {
      if (offset + size > floats.length) return undefined;
      tensors[name] = floats.slice(offset, offset + size);
      offset += size;
    }
    return { step: header.step, adamStep: header.adamStep, tensors };
  } catch {
    return undefined;
  }
}
