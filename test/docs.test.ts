/**
 * STYLE.md's rule for the public entry: every value `src/index.ts` exports has a doc comment with an example.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("every value exported by src/index.ts and src/report/index.ts has a doc comment with an @example", () => {
  const problems: string[] = [];
  let checked = 0;
  for (const entry of ["src/index.ts", "src/report/index.ts"]) {
    const index = readFileSync(join(root, entry), "utf8");
    const base = join(root, entry, "..");
    for (const [, typeOnly, names, from] of index.matchAll(
      /export\s+(type\s+)?\{([^}]*)\}\s*from\s*"([^"]+)"/g,
    )) {
      if (typeOnly) continue;
      const file = join(base, from!.replace(/\.js$/, ".ts"));
      const source = readFileSync(file, "utf8");
      for (const name of names!.split(",").map((s) => s.trim())) {
        if (!name || name.startsWith("type ")) continue;
        checked++;
        const declaration = new RegExp(
          String.raw`(/\*\*(?:(?!\*/)[\s\S])*\*/)\s*export\s+(?:async\s+)?(?:function\*?|const|class)\s+${name}\b`,
        ).exec(source);
        if (!declaration) problems.push(`${name} (${from}): no doc comment`);
        else if (!declaration[1]!.includes("@example")) problems.push(`${name} (${from}): no @example`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} exports found`);
  assert.deepEqual(problems, []);
});
