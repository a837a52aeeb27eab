import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "./errors.js";

/** The system errors DuckDB names in words only. */
const duckdbWords: Readonly<Record<string, RegExp>> = {
  ENOSPC: /No space left on device/i,
  EACCES: /Permission denied/i,
  ENOENT: /No such file or directory/i,
  EROFS: /Read-only file system/i,
  EFBIG: /File too large/i,
  EDQUOT: /Disk quota exceeded/i,
};

/** The file system's refusals in words. */
const reasons: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "the file would exceed the size allowed (ulimit -f)",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a folder",
  ENOENT: "its folder does not exist",
};

/**
 * A failed write as one line naming the path: `cannot write fit.json: no space left on the device`.
 * @example throw writeError("fit.json", error)
 */
function writeError(path: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const message = (error as Error).message ?? String(error);
  // DuckDB's COPY reports the system's words in its message, not as a code.
  const code =
    (error as NodeJS.ErrnoException).code ??
    Object.entries(duckdbWords).find(([, words]) => words.test(message))?.[0];
  const reason =
    (code !== undefined && Object.hasOwn(reasons, code) ? reasons[code] : undefined) ??
    message.split("\n")[0];
  return new UserError(`cannot write ${path}: ${reason}`);
}

/**
 * Writes a file through a temporary one beside it, renamed over `path` once complete (a rename within a folder
 * is atomic): a write that fails (disk full, no permission) leaves no partial or empty file, and an earlier
 * file at `path` as it was. `write` fills the temporary path (DuckDB's COPY, for one); by default `data` is
 * written there.
 * @example await writeAtomic("fit.json", JSON.stringify(artifact))
 */
export async function writeAtomic(
  path: string,
  data: string | Uint8Array | ((temporary: string) => Promise<void> | void),
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    // Renamed over, a device or a pipe would be replaced, not written to.
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new UserError(`cannot write ${path}: it is a directory`);
    if (existing && !existing.isFile()) throw new UserError(`cannot write ${path}: it is not a regular file`);
    if (typeof data === "function") await data(temporary);
    else writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw writeError(path, error);
  }
}

/**
 * Creates a folder and the missing folders above it, one at a time (Node's recursive mkdir loops forever
 * where a folder cannot be made, as in /proc); a refusal is one line naming the folder.
 * @example makeFolder("report/run-1")
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory())
    throw new UserError(`cannot write ${dir}: ${at} is not a folder`);
  try {
    for (const folder of missing.reverse()) mkdirSync(folder);
  } catch (error) {
    throw writeError(dir, error);
  }
}
