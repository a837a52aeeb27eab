/**
 * Shards of a sweep (`--shard i/n`): runs i, i+n, i+2n, … of the expanded grid, so every shard gets big and
 * small models.
 */
import { UserError } from "../errors.js";

/**
 * Parses `--shard i/n` (0 ≤ i < n).
 * @example parseShard("1/4") // { index: 1, count: 4 }
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) {
    throw new UserError(`invalid --shard ${text} (expected i/n with 0 <= i < n, e.g. 0/4)`);
  }
  return { index, count };
}

/**
 * The runs of one shard: every n-th run from the i-th, so shards get a mix of sizes.
 * @example shardRuns(runs, { index: 0, count: 2 }) // runs 0, 2, 4, …
 */
export function shardRuns<T>(runs: readonly T[], shard?: { index: number; count: number }): T[] {
  return shard ? runs.filter((_, i) => i % shard.count === shard.index) : [...runs];
}
