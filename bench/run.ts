/**
 * Benchmarks (`npm run bench`): each section prints its figures and, where ../shared/anchors has a peer
 * baseline, runs it in the same process tree and prints the ratio. The SciPy baselines need
 * `apt-get install -y python3-scipy`.
 */
import { loadavg } from "node:os";

console.log(
  `scalefit benchmarks on ${process.platform}/${process.arch}, Node ${process.version}, load ${loadavg()[0]!.toFixed(2)}\n`,
);
await import("./chinchilla.js");
console.log("");
await import("./curves.js");
console.log("");
await import("./store.js");
console.log("");
await import("./trainer.js");
