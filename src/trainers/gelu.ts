/**
 * GELU for the model, in exact (erf) or tanh form, and its derivative: each one fused element-wise kernel on
 * wasm (wasmFused.ts), TF.js's erf and sigmoid ops elsewhere (and for the autodiff reference). The forward
 * pass returns the activation and its gate (Φ(x), or σ(2u) in tanh form), the backward pass takes the gate
 * back instead of recomputing it.
 */
import type * as TF from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.js";
import {
  abs,
  exp,
  input,
  max,
  minus,
  neg,
  over,
  plus,
  runFused,
  temp,
  times,
  type Expr,
  type FusedProgram,
} from "./wasmFused.js";

type Tf = typeof TF;
type T2 = TF.Tensor2D;

const geluK = Math.sqrt(2 / Math.PI);
const geluC = 0.044715;

// GELU as fused wasm kernels (wasmFused.ts): forward gives [y, gate], gradients take [dy, x, gate].

/** tanh form, x·σ(2k·x(1 + c x²)): outputs [y, σ]. */
const geluTanh: FusedProgram = {
  name: "geluTanh",
  inputs: 1,
  scalars: 0,
  outputs: 2,
  statements: [
    {
      temp: 0,
      expr: over(1, plus(1, exp(times(input(0), plus(times(input(0), input(0), geluC), 1), -2 * geluK)))),
    },
    { output: 0, expr: times(input(0), temp(0)) },
    { output: 1, expr: temp(0) },
  ],
};

/**
 * Exact form, x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2 and erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7,
 * the approximation TF.js's own erf kernel uses): outputs [y, Φ].
 */
const erfA = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
const geluErf: FusedProgram = {
  name: "geluErf",
  inputs: 1,
  scalars: 0,
  outputs: 2,
  statements: [
    { temp: 0, expr: times(abs(input(0)), Math.SQRT1_2) },
    { temp: 1, expr: over(1, plus(1, times(temp(0), 0.3275911))) },
    {
      temp: 2,
      expr: erfA
        .slice(0, -1)
        .reduceRight<Expr>((acc, a) => times(plus(acc, a), temp(1)), times(erfA[4]!, temp(1))),
    },
    { temp: 3, expr: minus(1, times(temp(2), exp(neg(times(temp(0), temp(0)))))) },
    // the sign of x as x / max(|x|, 1e-30) (0 at 0, where erf is 0 anyway)
    { temp: 4, expr: plus(0.5, times(0.5, over(input(0), max(abs(input(0)), 1e-30)), temp(3))) },
    { output: 0, expr: times(input(0), temp(4)) },
    { output: 1, expr: temp(4) },
  ],
};

/** dy·(Φ + x φ(x)) from inputs [dy, x, Φ]: d GELU(x)/dx in exact form, times dy. */
const geluErfGradient: FusedProgram = {
  name: "geluErfGradient",
  inputs: 3,
  scalars: 0,
  outputs: 1,
  statements: [
    {
      output: 0,
      expr: times(
        input(0),
        plus(input(2), times(input(1), exp(times(input(1), input(1), -0.5)), 1 / Math.sqrt(2 * Math.PI))),
      ),
    },
  ],
};

/** dy·(σ + x σ(1−σ)·2k(1 + 3c x²)) from inputs [dy, x, σ]: d GELU(x)/dx in tanh form, times dy. */
const geluTanhGradient: FusedProgram = {
  name: "geluTanhGradient",
  inputs: 3,
  scalars: 0,
  outputs: 1,
  statements: [
    {
      output: 0,
      expr: times(
        input(0),
        plus(
          input(2),
          times(
            input(1),
            input(2),
            minus(1, input(2)),
            plus(times(input(1), input(1), 6 * geluK * geluC), 2 * geluK),
          ),
        ),
      ),
    },
  ],
};

/**
 * GELU and what its derivative needs: exact (erf) or tanh form written as x·σ(2u). One fused kernel on wasm;
 * TF.js's erf and sigmoid ops elsewhere (and for the autodiff reference).
 * @example const { y, gate } = geluForward(tf, hidden, "tanh", workspace.kernels)
 */
export function geluForward(tf: Tf, x: T2, form: ModelConfig["gelu"], kernels: boolean): { y: T2; gate: T2 } {
  if (kernels) {
    const [y, gate] = runFused(tf, form === "erf" ? geluErf : geluTanh, [x], [], true);
    return { y: y as T2, gate: gate as T2 };
  }
  if (form === "erf") {
    const gate = tf.erf(x.mul(Math.SQRT1_2)).add(1).mul(0.5) as T2; // Φ(x)
    return { y: x.mul(gate) as T2, gate };
  }
  const gate = tf.sigmoid(x.mul(x.square().mul(geluC).add(1)).mul(2 * geluK)) as T2;
  return { y: x.mul(gate) as T2, gate };
}

/**
 * dy · GELU'(x) from the forward pass's gate, in the same form: one fused kernel on wasm, TF.js ops elsewhere.
 * @example const dHidden = geluBackward(tf, dy, hidden, gate, "tanh", workspace.kernels)
 */
export function geluBackward(
  tf: Tf,
  dy: T2,
  x: T2,
  gate: T2,
  form: ModelConfig["gelu"],
  kernels: boolean,
): T2 {
  const program = form === "erf" ? geluErfGradient : geluTanhGradient;
  return runFused(tf, program, [dy, x, gate], [], kernels)[0] as T2;
}
