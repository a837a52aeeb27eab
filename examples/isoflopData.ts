/**
 * Writes data/fixtures/isoflop-chinchilla.csv: an isoFLOP sweep drawn from Chinchilla's law with Hoffmann et al.'s
 * constants (E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28), seven budgets 1e18 … 1e21 FLOPs, nine sizes per budget
 * log-spaced from a quarter to four times the law's optimum, D = C/(6N), and 0.2 % seeded noise on the loss. The
 * law's own optimum grows as N* ∝ C^(beta/(alpha+beta)) = C^0.4516: what Approach 2 should find.
 * Run it with `node --import tsx examples/isoflopData.ts [out.csv]`.
 */
import { writeFileSync } from "node:fs";
import { chinchilla, computeOptimal, randomSource } from "scalefit";

const out = process.argv[2] ?? "data/fixtures/isoflop-chinchilla.csv";
const params = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const fit = {
  law: chinchilla,
  params,
  draws: null,
  residuals: new Float64Array(),
  dataRange: {},
  level: 0.95,
};
const random = randomSource(7);
const lines = ["C,N,D,loss"];
for (const C of [1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21]) {
  const { N: optimum } = computeOptimal(fit as never, C);
  for (let j = -4; j <= 4; j++) {
    const N = optimum * 4 ** (j / 4);
    const D = C / (6 * N);
    const loss = chinchilla.predict(params, { N, D }) * (1 + 0.002 * random.normal());
    lines.push(`${C.toExponential()},${N.toPrecision(6)},${D.toPrecision(6)},${loss.toFixed(5)}`);
  }
}
writeFileSync(out, lines.join("\n") + "\n");
console.log(`${lines.length - 1} runs written to ${out}`);
