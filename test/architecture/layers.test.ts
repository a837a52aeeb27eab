/**
 * The architecture, checked (issue 17): no import cycle in src (type imports included, as madge counts them),
 * the layers' one-way arrows (fit imports nothing from predict, store, trainers, report or cli; store nothing
 * from trainers or fit), no file in src over 400 lines, CLI commands that only parse, call and print, and
 * laws that carry their own behaviour (no command or layer branches on a law's name).
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(import.meta.dirname, "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const files = sources(root);
const text = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));
const rel = (path: string) => relative(root, path);

/** Relative imports of a file (static, dynamic and re-exports; type-only ones too), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const found: string[] = [];
  const pattern = /(?:import|export)\s[^"';]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;
  for (const match of text.get(file)!.matchAll(pattern)) {
    const spec = match[1] ?? match[2]!;
    found.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return found.filter((path) => text.has(path));
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

test("src has no import cycle (Tarjan's strongly connected components of the import graph)", () => {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component);
    }
  };
  for (const f of files) if (!order.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test("the layers hold: fit imports nothing from predict, store, trainers, report or cli; store nothing from trainers or fit", () => {
  const banned: Record<string, readonly string[]> = {
    fit: ["predict", "store", "trainers", "report", "cli", "api", "data"],
    store: ["trainers", "fit", "predict", "report", "cli", "api"],
    predict: ["store", "trainers", "report", "cli", "api"],
    trainers: ["fit", "predict", "report", "cli", "api"],
    report: ["cli"],
    api: ["cli"],
  };
  const layer = (path: string) => rel(path).split("/")[0]!;
  const violations = [...graph].flatMap(([from, to]) =>
    to.filter((t) => banned[layer(from)]?.includes(layer(t))).map((t) => `${rel(from)} -> ${rel(t)}`),
  );
  assert.deepEqual(violations, []);
});

test("no file in src is over 400 lines", () => {
  const long = files
    .map((f) => ({ file: rel(f), lines: text.get(f)!.split("\n").length - 1 }))
    .filter((f) => f.lines > 400);
  assert.deepEqual(long, []);
});

test("no command, report or prediction branches on a law's name: laws carry their own behaviour", () => {
  // A law's own file may name itself (its questions check the fit they are given); nothing else may.
  const branching = files
    .filter((f) => !rel(f).startsWith("fit/laws/"))
    .flatMap((f) =>
      text
        .get(f)!
        .split("\n")
        .map((line, i) => ({ line, at: `${rel(f)}:${i + 1}` }))
        .filter(({ line }) =>
          /law\.name\s*[!=]==\s*["']|name\s*===\s*["'](bcrit|qat|encdec|custom|power|chinchilla)["']/.test(
            line,
          ),
        ),
    )
    .map(({ at }) => at);
  assert.deepEqual(branching, []);
});

test("CLI command files only parse, call the library and print: no fitting, no file writes", () => {
  const commands = files.filter((f) => rel(f).startsWith("cli/") && !rel(f).split("/")[1]!.startsWith("_"));
  const offenders = commands.flatMap((f) => {
    const source = text.get(f)!;
    return [
      /\bfitLaw\(|\bbacktest\(/.test(source) ? `${rel(f)}: fits` : "",
      /writeFileSync|createWriteStream/.test(source) ? `${rel(f)}: writes files` : "",
    ].filter(Boolean);
  });
  assert.deepEqual(offenders, []);
});
