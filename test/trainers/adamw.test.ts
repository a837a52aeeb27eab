import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { loadBackend } from "../../src/trainers/backend.js";
import { adamWState, adamWStep, type AdamWOptions } from "../../src/trainers/adamw.js";
import {
  exp,
  input,
  minus,
  over,
  plus,
  runFused,
  scalar,
  sqrt,
  temp,
  times,
  type FusedProgram,
} from "../../src/trainers/wasmFused.js";
import { randomSource } from "../../src/random.js";

const options: AdamWOptions = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, gradClip: 0 };

/**
 * torch.optim.AdamW's update in float64 (PyTorch docs, "AdamW" algorithm; the anchor's optimiser):
 * p ← p(1 − lr·λ); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p − lr m̂ / (√v̂ + ε), m̂ = m/(1−β1ᵗ),
 * v̂ = v/(1−β2ᵗ) (PyTorch divides √v by √(1−β2ᵗ) before adding ε, as here).
 */
function reference(p: number[], gradients: number[][], lrs: number[], o: AdamWOptions): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradients.forEach((gRaw, step) => {
    const t = step + 1;
    const lr = lrs[step]!;
    const norm = Math.sqrt(gRaw.reduce((s, x) => s + x * x, 0));
    const g = o.gradClip > 0 ? gRaw.map((x) => x * Math.min(1, o.gradClip / (norm + 1e-6))) : gRaw;
    for (let i = 0; i < p.length; i++) {
      p[i]! *= 1 - lr * o.weightDecay;
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g[i]!;
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g[i]! ** 2;
      const denominator = Math.sqrt(v[i]!) / Math.sqrt(1 - o.beta2 ** t) + o.epsilon;
      p[i]! -= (lr * (m[i]! / (1 - o.beta1 ** t))) / denominator;
    }
  });
  return p;
}

function run(o: AdamWOptions, split: boolean): { got: number[]; expected: number[]; initial: number[] } {
  const random = randomSource(11);
  const shapes = [[3, 4], [8], [2, 2]] as const;
  const initial = shapes.map((s) =>
    Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => random.normal()),
  );
  const params = shapes.map((s, i) => tf.variable(tf.tensor(initial[i]!, [...s])));
  const total = initial.flat().length;
  const gradients = [0, 1, 2, 3, 4].map(() => Array.from({ length: total }, () => 3 * random.normal()));
  const lrs = [1e-2, 2e-2, 3e-2, 2e-2, 1e-2];
  const state = adamWState(tf, params);
  gradients.forEach((g, step) => {
    tf.tidy(() => {
      if (!split) return adamWStep(tf, params, tf.tensor1d(g), state, lrs[step]!, o);
      // Two shares, 3:1, whose weighted sum is g: (g + d)·0.75 + (g − 3d)·0.25 = g.
      const d = g.map((_, i) => Math.sin(i + step));
      adamWStep(
        tf,
        params,
        [
          { gradient: tf.tensor1d(g.map((x, i) => x + d[i]!)), weight: 0.75 },
          { gradient: tf.tensor1d(g.map((x, i) => x - 3 * d[i]!)), weight: 0.25 },
        ],
        state,
        lrs[step]!,
        o,
      );
    });
  });
  const got = params.flatMap((p) => Array.from(p.dataSync()));
  for (const p of [...params, state.first, state.second]) p.dispose();
  return { got, expected: reference(initial.flat(), gradients, lrs, o), initial: initial.flat() };
}

for (const backend of ["wasm", "cpu"]) {
  for (const [label, o, split] of [
    ["plain", options, false],
    ["two weighted shares", options, true],
    ["clipped to norm 1", { ...options, gradClip: 1 }, true],
  ] as const) {
    test(`AdamW equals PyTorch's algorithm over 5 steps (${backend}, ${label})`, async () => {
      await loadBackend(backend);
      const { got, expected, initial } = run(o, split);
      const error = Math.max(...got.map((x, i) => Math.abs(x - expected[i]!)));
      // float32 state against float64: a few ulps of the O(1) parameters
      assert.ok(error < 2e-6, `max error ${error}`);
      // and the steps moved the parameters (Adam moves each by up to ~lr per step: 0.09 in all)
      const moved = Math.max(...got.map((x, i) => Math.abs(x - initial[i]!)));
      assert.ok(moved > 0.05, `moved ${moved}`);
    });
  }
}

test("a fused program gives the same numbers as its TF.js ops, every operation", async () => {
  await loadBackend("wasm");
  const program: FusedProgram = {
    name: "testAllOps",
    inputs: 2,
    scalars: 1,
    outputs: 2,
    statements: [
      { temp: 0, expr: plus(times(input(0), scalar(0)), 0.5) },
      { temp: 1, expr: { op: "max", a: { op: "min", a: temp(0), b: input(1) }, b: -1 } },
      { output: 0, expr: over(sqrt(times(input(1), input(1))), minus(temp(1), { op: "neg", a: 3 })) },
      { output: 1, expr: temp(0) },
    ],
  };
  tf.tidy(() => {
    const a = tf.randomNormal([12, 8], 0, 1, "float32", 1);
    const b = tf.randomNormal([12, 8], 0, 1, "float32", 2);
    const fused = runFused(tf, program, [a, b], [1.5], true);
    const ops = runFused(tf, program, [a, b], [1.5], false);
    assert.equal(fused.length, 2);
    fused.forEach((f, i) => {
      assert.deepEqual(f.shape, [12, 8]);
      const error = tf.max(tf.abs(f.sub(ops[i]!))).dataSync()[0]!;
      assert.ok(error < 1e-6, `output ${i}: ${error}`);
    });
    // a value by hand: out1 = a·1.5 + 0.5
    assert.ok(Math.abs(fused[1]!.dataSync()[0]! - (a.dataSync()[0]! * 1.5 + 0.5)) < 1e-6);
  });
});

test("the fused exp is Cephes' expf: relative error below 3e-7 from −87 to 88, never NaN beyond the clamps", async () => {
  await loadBackend("wasm");
  const program: FusedProgram = {
    name: "testExp",
    inputs: 1,
    scalars: 0,
    outputs: 1,
    statements: [{ output: 0, expr: exp(input(0)) }],
  };
  tf.tidy(() => {
    const xs = Array.from({ length: 4000 }, (_, i) => -87 + (175 * i) / 3999);
    const got = runFused(tf, program, [tf.tensor1d(xs)], [], true)[0]!.dataSync();
    xs.forEach((x, i) => {
      // against e to the float32 input (the rounding of x alone moves e^x by up to 5e-6 here)
      const truth = Math.exp(Math.fround(x));
      const error = Math.abs(got[i]! / truth - 1);
      assert.ok(error < 3e-7, `exp(${x}): ${got[i]} against ${truth} (relative error ${error})`);
    });
    // beyond the clamps: finite, tiny or huge, never NaN
    const edges = runFused(tf, program, [tf.tensor1d([-1000, -88, 89, 1000])], [], true)[0]!.dataSync();
    assert.ok(edges[0]! >= 0 && edges[0]! < 1e-37 && edges[1]! < 1e-37, `${edges[0]}, ${edges[1]}`);
    assert.ok(edges[2]! > 1e38 && Number.isFinite(edges[3]!), `${edges[2]}, ${edges[3]}`);
  });
});
