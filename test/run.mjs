// Runs every test/**/*.test.ts with node:test through tsx (Node 20's --test has no glob support).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

const only = process.argv.slice(2);
// Arguments are test files or folders (every test under a folder): `node test/run.mjs test/fit test/predict`.
const files = (only.length ? only : ["test"])
  .flatMap((path) => (statSync(path).isDirectory() ? find(path) : [path]))
  .sort();
// Every temporary folder a test makes (mkdtemp under os.tmpdir()) goes into one, removed after the run.
const scratch = mkdtempSync(join(tmpdir(), "scalefit-tests-"));
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    // One test file per core (Node's default leaves one core idle).
    `--test-concurrency=${availableParallelism()}`,
    "--test-reporter=spec",
    ...files,
  ],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      TMPDIR: scratch,
      FORCE_COLOR: process.env.CI ? "0" : process.env.FORCE_COLOR,
    },
  },
);
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
