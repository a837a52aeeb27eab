import { spawnSync } from "node:child_process";

/**
 * The `unshare` flags under which `bash -c script` succeeds in a private mount namespace (root's `--mount`,
 * else an unprivileged user namespace mapped to root), or undefined where neither can: the tests that
 * mount a small tmpfs or a read-only folder skip then, saying why. Mounts made there vanish with the process.
 * @example const flags = namespaceFlags('mount -t tmpfs none "$0"', dir)
 */
export function namespaceFlags(script: string, ...args: string[]): string[] | undefined {
  if (process.platform !== "linux") return undefined;
  for (const flags of [["--mount"], ["--user", "--map-root-user", "--mount"]]) {
    const probe = spawnSync("unshare", [...flags, "bash", "-c", script, ...args], { stdio: "ignore" });
    if (probe.status === 0) return flags;
  }
  return undefined;
}
