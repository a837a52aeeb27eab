/**
 * A full disk, for real: a 4 MiB tmpfs mounted in a private mount namespace (`unshare --mount`, as root, or
 * with `--user --map-root-user` where unprivileged user namespaces are allowed). Issue 16: disk full during
 * import, report, export and sweep was an internal error (exit 2, two lines), and the report left a 0-byte
 * `index.html`. Now each is exit 1 with one line naming the path, the database is exactly as it was, and no
 * output file, partial or temporary, is left. Skipped, saying why, where no namespace can mount a tmpfs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inlineScript, runCli } from "../_cli.js";
import { namespaceFlags } from "../_namespace.js";
import { fingerprint, scratch } from "../_store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const epoch = join(root, "data/chinchilla/epoch.csv");
const { dir, db, file } = scratch("disk-full");
const mountPoint = join(dir, "full");
mkdirSync(mountPoint);
const mount = 'mount -t tmpfs -o size=4m scalefit-full "$0" && exec "$@"';

const flags = namespaceFlags(`${mount} true`, mountPoint);

// Inside the namespace, one process: the import into a copy of the store on the tmpfs, the store's files
// copied back out, then the disk filled, four writes tried and a sweep into the store. Results go to a JSON file outside.
const script = `
const fs = await import("node:fs");
const { main } = await import(${JSON.stringify(join(root, "src/cli/main.ts"))});
const [full, store, big, epoch, out] = process.argv.slice(1);
const results = [];
const run = async (name, argv) => {
  let stderr = "";
  const code = await main(argv, { stdout() {}, stderr: (t) => (stderr += t), isTTY: false, env: { CI: "true" } });
  results.push({ name, code, stderr });
};
fs.copyFileSync(store, full + "/db.duckdb");
await run("import", ["import", "--db", full + "/db.duckdb", big]);
for (const f of fs.readdirSync(full)) fs.copyFileSync(full + "/" + f, out + "/" + f);
const fill = fs.openSync(full + "/fill", "w");
try { for (const page = Buffer.alloc(4096, 1); ; ) fs.writeSync(fill, page); } catch {}
fs.closeSync(fill);
await run("export parquet", ["export", "--db", store, "--table", "points", full + "/points.parquet"]);
await run("export csv", ["export", "--db", store, "--table", "runs", full + "/runs.csv"]);
await run("fit", ["fit", "--law", "chinchilla", "--data", epoch, "--intervals", "none", "--out", full + "/fit.json"]);
await run("report", ["report", "--db", store, "--out", full + "/report"]);
await run("sweep", ["sweep", "--preset", "smoke", "--db", full + "/db.duckdb"]);
fs.mkdirSync(out + "/after-sweep");
for (const f of fs.readdirSync(full)) if (f.startsWith("db.duckdb") && fs.statSync(full + "/" + f).isFile()) fs.copyFileSync(full + "/" + f, out + "/after-sweep/" + f);
results.push({ name: "left", files: fs.readdirSync(full, { recursive: true }).map(String).sort() });
fs.writeFileSync(out + "/results.json", JSON.stringify(results));
`;

test(
  "a full disk: exit 1 and one line naming the path, the database as it was, no file left",
  { skip: !flags && "needs a private mount namespace to mount a small tmpfs (root, or user namespaces)" },
  async () => {
    const store = db();
    assert.equal((await runCli("import", "--db", store, epoch)).code, 0);
    const before = await fingerprint(store);
    // 20,000 one-point runs: a write-ahead log of several MB, past the 4 MiB left beside the 2.9 MB store.
    const rows = Array.from(
      { length: 20000 },
      (_, i) => `big${i},${1e6 + i},${2e7 + i},${(3 + i / 1e5).toFixed(5)}`,
    );
    const big = file("big.csv", `run,N,D,loss\n${rows.join("\n")}\n`);
    const out = join(dir, "out");
    mkdirSync(out);
    const args = [...inlineScript(script), mountPoint, store, big, epoch, out];
    const run = spawnSync("unshare", [...flags!, "bash", "-c", mount, mountPoint, ...args], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      name: string;
      code?: number;
      stderr?: string;
      files?: string[];
    }[];
    const [imported, ...writes] = results.slice(0, -2);
    const sweep = results.at(-2)!;
    assert.deepEqual(
      [imported!.code, imported!.stderr],
      [1, `scalefit import: ${mountPoint}/db.duckdb: no space left on device\n`],
    );
    assert.equal(await fingerprint(join(out, "db.duckdb")), before);
    for (const { name, code, stderr } of writes) {
      assert.equal(code, 1, `${name}: ${stderr}`);
      assert.match(
        stderr!,
        /^scalefit (export|fit|report): cannot write \S+: no space left on the device\n$/,
        name,
      );
    }
    // A sweep's first commit into the store on the full disk (measured before: "internal error:
    // TransactionContext Error: Failed to commit: Could not write file "….wal": No space left on device").
    assert.deepEqual(
      [sweep.name, sweep.code, sweep.stderr],
      ["sweep", 1, `scalefit sweep: ${mountPoint}/db.duckdb: no space left on device\n`],
    );
    assert.equal(await fingerprint(join(out, "after-sweep", "db.duckdb")), before);
    // Only the store (and DuckDB's empty log), the filler and the report's empty folder.
    const left = results.at(-1)!.files!.filter((f) => f !== "db.duckdb.wal");
    assert.deepEqual(left, ["db.duckdb", "fill", "report"]);
    // Without the full disk the same import goes through.
    assert.equal((await runCli("import", "--db", store, big)).code, 0);
  },
);
