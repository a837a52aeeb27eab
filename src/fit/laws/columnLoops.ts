/**
 * The loops of a compiled formula (`columnProgram`): one per operation and operand shape, each a closure
 * over its buffers, so each stays monomorphic and the JIT inlines its arithmetic. An operand is a column or
 * the slot of a scalar in `s`, read once per run.
 */

/** A loop's operand: a column, or the slot of a scalar. */
type Operand = Float64Array | number;

/**
 * out = −x.
 * @example negativeLoop(out, Float64Array.of(1, 2), 2)() // out = [-1, -2]
 */
export function negativeLoop(out: Float64Array, x: Float64Array, n: number): () => void {
  return () => {
    for (let i = 0; i < n; i++) out[i] = -x[i]!;
  };
}

/**
 * out = f(x); exp, log and sqrt called directly so the JIT inlines them.
 * @example unaryLoop(Math.log, out, Float64Array.of(1, Math.E), 2)() // out = [0, 1]
 */
export function unaryLoop(
  f: (x: number) => number,
  out: Float64Array,
  x: Float64Array,
  n: number,
): () => void {
  if (f === Math.exp)
    return () => {
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
    };
  if (f === Math.log)
    return () => {
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
    };
  if (f === Math.sqrt)
    return () => {
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
    };
  return () => {
    for (let i = 0; i < n; i++) out[i] = f(x[i]!);
  };
}

/**
 * out = exp(e · logX): x^e from log x kept per data set, as `chinchilla.ts` computes N^−alpha.
 * @example exponentialLoop(out, logN, alphaSlot, scalars, n)
 */
export function exponentialLoop(
  out: Float64Array,
  logX: Float64Array,
  e: Operand,
  s: Float64Array,
  n: number,
): () => void {
  if (typeof e !== "number")
    return () => {
      for (let i = 0; i < n; i++) out[i] = Math.exp(e[i]! * logX[i]!);
    };
  return () => {
    const v = s[e]!;
    for (let i = 0; i < n; i++) out[i] = Math.exp(v * logX[i]!);
  };
}

/**
 * out = a op b for op in + − * / ^, at least one operand a column; `**` exactly as the point compiler.
 * @example binaryLoop("*", out, aSlot, logN, scalars, n) // out = A · log N
 */
export function binaryLoop(
  op: string,
  out: Float64Array,
  a: Operand,
  b: Operand,
  s: Float64Array,
  n: number,
): () => void {
  if (typeof a !== "number" && typeof b !== "number") {
    switch (op) {
      case "+":
        return () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
        };
      case "-":
        return () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
        };
      case "*":
        return () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
        };
      case "/":
        return () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
        };
      default:
        return () => {
          for (let i = 0; i < n; i++) out[i] = a[i]! ** b[i]!;
        };
    }
  }
  // A sum or a product is the same whichever operand comes first, exactly.
  if (typeof a === "number" && (op === "+" || op === "*")) return binaryLoop(op, out, b, a, s, n);
  if (typeof a !== "number") {
    const k = b as number;
    switch (op) {
      case "+":
        return () => {
          const v = s[k]!;
          for (let i = 0; i < n; i++) out[i] = a[i]! + v;
        };
      case "-":
        return () => {
          const v = s[k]!;
          for (let i = 0; i < n; i++) out[i] = a[i]! - v;
        };
      case "*":
        return () => {
          const v = s[k]!;
          for (let i = 0; i < n; i++) out[i] = a[i]! * v;
        };
      case "/":
        return () => {
          const v = s[k]!;
          for (let i = 0; i < n; i++) out[i] = a[i]! / v;
        };
      default:
        return () => {
          const v = s[k]!;
          for (let i = 0; i < n; i++) out[i] = a[i]! ** v;
        };
    }
  }
  const y = b as Float64Array;
  switch (op) {
    case "-":
      return () => {
        const v = s[a]!;
        for (let i = 0; i < n; i++) out[i] = v - y[i]!;
      };
    case "/":
      return () => {
        const v = s[a]!;
        for (let i = 0; i < n; i++) out[i] = v / y[i]!;
      };
    default:
      return () => {
        const v = s[a]!;
        for (let i = 0; i < n; i++) out[i] = v ** y[i]!;
      };
  }
}
