import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The directory of scalefit's package.json, found by walking up from this module: the same answer from
 * `src/` (tsx), `dist/` (tsc) and `dist/cli-bundle/` (the bundled CLI). Bundled data live under it.
 * @example join(packageRoot(), "data/chinchilla/epoch.csv")
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "scalefit")
      return (root = dir);
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error("cannot find scalefit's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
