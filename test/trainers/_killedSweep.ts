// The smoke sweep, killed hard (SIGKILL, no cleanup, as a killed job would be) once it has stored a given
// number of points: the crash test (test/cli/sweep.test.ts) reruns it and checks it continues bit for bit.
// Usage: node --import tsx test/trainers/_killedSweep.ts <database> <points>
import { sweepPresets } from "../../src/trainers/presets.js";
import { runSweep } from "../../src/trainers/sweep.js";

const [database, points] = process.argv.slice(2);
const killAfter = Number(points);
await runSweep(
  sweepPresets.smoke!,
  { db: database!, where: "--preset smoke" },
  { afterPoint: (count) => count >= killAfter && process.kill(process.pid, "SIGKILL") },
);
throw new Error(`the sweep ended with fewer than ${killAfter} points stored`);
