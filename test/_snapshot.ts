import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const outputDir = join(dirname(fileURLToPath(import.meta.url)), "output");

/**
 * Rounds every number in a text to `digits` significant digits and collapses runs of spaces (column
 * padding follows the unrounded widths), so goldens survive last-digit noise.
 */
export function normalize(text: string, digits = 4): string {
  return text.replace(/ {2,}/g, " ").replace(/-?\d+\.?\d*(?:e[-+]?\d+)?/gi, (match) => {
    const value = Number(match);
    if (!Number.isFinite(value) || /^\d{1,3}$/.test(match)) return match;
    return Number(value.toPrecision(digits)).toString();
  });
}

/**
 * Compares text with test/output/<name> after normalising numbers (Plot's snapshot harness): writes the
 * golden when it is missing (then commit it), and `<name>-changed.<ext>` beside it on a mismatch.
 */
export function assertSnapshot(name: string, actual: string, digits = 4): void {
  const path = join(outputDir, name);
  const changed = path.replace(/(\.[^.]+)$/, "-changed$1");
  const normalized = normalize(actual, digits);
  if (!existsSync(path)) {
    if (process.env.CI)
      assert.fail(`golden file test/output/${name} is missing (run the tests locally and commit it)`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, normalized);
    return;
  }
  const expected = readFileSync(path, "utf8");
  if (expected === normalized) {
    if (existsSync(changed)) rmSync(changed);
    return;
  }
  writeFileSync(changed, normalized);
  assert.equal(normalized, expected, `snapshot ${name} changed: see ${changed}`);
}
