import { readFileSync } from "node:fs";

/** A NIST StRD nonlinear regression problem read from its .dat file. */
export interface NistProblem {
  name: string;
  x: Float64Array;
  y: Float64Array;
  starts: number[][];
  certified: number[];
  standardErrors: number[];
  residualSumOfSquares: number;
}

/** Parses the NIST file format (parameter table, certified values, `Data:  y  x` columns). */
export function readNist(name: string): NistProblem {
  const text = readFileSync(new URL(`../data/fixtures/nist/${name}.dat`, import.meta.url), "utf8");
  const lines = text.split("\n");
  const starts: number[][] = [[], []];
  const certified: number[] = [];
  const standardErrors: number[] = [];
  let rss = NaN;
  const x: number[] = [];
  const y: number[] = [];
  let inData = false;
  for (const line of lines) {
    const param = /^\s*b\d+\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (param) {
      starts[0]!.push(Number(param[1]));
      starts[1]!.push(Number(param[2]));
      certified.push(Number(param[3]));
      standardErrors.push(Number(param[4]));
    }
    const r = /^Residual Sum of Squares:\s+(\S+)/.exec(line);
    if (r) rss = Number(r[1]);
    if (/^Data:/.test(line)) {
      inData = true;
      continue;
    }
    if (inData) {
      const parts = line.trim().split(/\s+/).map(Number);
      if (parts.length === 2 && parts.every(Number.isFinite)) {
        y.push(parts[0]!);
        x.push(parts[1]!);
      }
    }
  }
  return {
    name,
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    starts,
    certified,
    standardErrors,
    residualSumOfSquares: rss,
  };
}

/** Number of matching significant digits of a computed value against a certified one (lmfit's test). */
export function matchingDigits(value: number, certified: number): number {
  if (value === certified) return 15;
  return -Math.log10(Math.abs(value - certified) / Math.abs(certified));
}
