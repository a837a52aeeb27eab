/**
 * docs/laws.md documents every law of the registry (a `## name` section quoting the law's `formula` verbatim in a
 * code span), and nothing the repository ships points outside it: a clone has no ../shared, so README.md, docs/,
 * data/ and src/ must not cite paths there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lawNames, laws } from "../../src/fit/laws/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const doc = readFileSync(join(root, "docs/laws.md"), "utf8");

/** The text of each `## name` section of docs/laws.md, up to the next `## ` heading. */
function sections(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = text.split(/^## /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf("\n");
    const heading = (newline < 0 ? part : part.slice(0, newline)).trim();
    found.set(heading, newline < 0 ? "" : part.slice(newline + 1));
  }
  return found;
}

test("docs/laws.md has a `## name` section for every name in lawNames", () => {
  const bySection = sections(doc);
  const missing = lawNames.filter((name) => !bySection.has(name));
  assert.deepEqual(missing, [], `no section for ${missing.join(", ")}`);
});

test("each law's section of docs/laws.md quotes its formula verbatim in a code span", () => {
  const bySection = sections(doc);
  const problems: string[] = [];
  for (const [name, law] of Object.entries(laws)) {
    const section = bySection.get(name);
    if (section === undefined) problems.push(`${name}: no section`);
    else if (!section.includes("`" + law.formula + "`"))
      problems.push(`${name}: formula "${law.formula}" not quoted`);
  }
  assert.ok(Object.keys(laws).length >= 11, `only ${Object.keys(laws).length} laws in the registry`);
  assert.deepEqual(problems, []);
});

/** Files under `dir` (relative to the root) whose names end with one of `extensions`. */
function files(dir: string, extensions: readonly string[]): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return files(path, extensions);
    return extensions.some((ext) => name.endsWith(ext)) ? [path] : [];
  });
}

test("README.md, docs/, data/ and src/ cite no path outside the repository (../shared)", () => {
  const shipped = [
    "README.md",
    ...files("docs", [".md", ".txt", ".json", ".ts"]),
    ...files("data", [".md", ".txt", ".json", ".ts", ".py"]),
    ...files("src", [".ts"]),
  ];
  assert.ok(shipped.includes("docs/laws.md") && shipped.length > 50, `only ${shipped.length} files read`);
  const outside = /\.\.\/shared|\/work\/shared|shared\/(?:LAWS|DESIGN|STYLE|PEERS|anchors|datasets)/;
  const problems: string[] = [];
  for (const file of shipped) {
    readFileSync(join(root, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (outside.test(line)) problems.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(problems, []);
});
