import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { loadBackend } from "../../src/trainers/backend.js";
import { defaultModelConfig, type ModelConfig } from "../../src/trainers/config.js";
import { forwardFlopsPerToken, parameterCounts, trainingFlops } from "../../src/trainers/counting.js";
import {
  disposeWorkspace,
  lossAndGradients,
  lossOf,
  makeWorkspace,
  oneHot,
} from "../../src/trainers/model.js";
import { initWeights, namedWeights } from "../../src/trainers/modelWeights.js";
import { batchMatMul, matMul, readInto, splitFlat } from "../../src/trainers/wasmOps.js";
import { layerNormFused, layerNormGradFused } from "../../src/trainers/wasmLayerNorm.js";
import { randomSource } from "../../src/random.js";

await loadBackend("wasm");

function tokens(n: number, vocab: number, seed: number): Int32Array {
  const random = randomSource(seed);
  return Int32Array.from({ length: n }, () => random.int(vocab));
}

// The hand-written backward pass against TF.js's autodiff of the same forward pass (no custom kernels).
for (const variant of [
  { tied: true, gelu: "tanh" as const },
  { tied: false, gelu: "erf" as const },
]) {
  test(`hand-written gradients equal autodiff's (tied ${variant.tied}, gelu ${variant.gelu})`, () => {
    const config: ModelConfig = {
      ...defaultModelConfig,
      vocab: 11,
      dModel: 16,
      heads: 2,
      layers: 2,
      seqLen: 8,
      ...variant,
    };
    const weights = initWeights(tf, config, randomSource(3));
    // Larger weights than the 0.02 initialisation, so attention and GELU are far from linear.
    for (const [, v] of namedWeights(weights))
      v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.3, "float32", 5))));
    const fast = makeWorkspace(tf, 4, 8, true);
    const reference = makeWorkspace(tf, 4, 8, false);
    const inputs = tokens(32, 11, 1);
    const targets = tokens(32, 11, 2);
    const variables = namedWeights(weights).map(([, v]) => v);
    tf.tidy(() => {
      const auto = tf.variableGrads(() => lossOf(tf, config, weights, reference, inputs, targets), variables);
      const mine = lossAndGradients(tf, config, weights, fast, inputs, targets);
      assert.ok(Math.abs(auto.value.dataSync()[0]! - mine.loss.dataSync()[0]!) < 1e-5);
      const scale = Math.max(...variables.map((v) => tf.max(tf.abs(auto.grads[v.name]!)).dataSync()[0]!));
      namedWeights(weights).forEach(([name, v], i) => {
        const error = tf.max(tf.abs(auto.grads[v.name]!.sub(mine.gradients[i]!))).dataSync()[0]!;
        assert.ok(error < 2e-5 * scale, `${name}: max error ${error} (gradient scale ${scale})`);
      });
    });
    disposeWorkspace(fast);
    disposeWorkspace(reference);
    for (const v of variables) v.dispose();
  });
}

test("the SIMD batched matmul kernel equals tf.matMul (plain and with A transposed), for n a multiple of 4 or 16", () => {
  tf.tidy(() => {
    for (const [batch, m, k, n] of [
      [64, 64, 16, 64],
      [3, 5, 7, 20],
      [1, 1, 1024, 64],
      [2, 9, 3, 4],
    ] as const) {
      const a = tf.randomNormal([batch, m, k], 0, 1, "float32", 1);
      const b = tf.randomNormal([batch, k, n], 0, 1, "float32", 2);
      const error = tf.max(tf.abs(tf.matMul(a, b).sub(batchMatMul(tf, a, b, true)))).dataSync()[0]!;
      assert.ok(error < 1e-4, `${batch}×${m}×${k}×${n}: ${error}`);
      const aT = tf.transpose(a, [0, 2, 1]);
      const errorT = tf.max(tf.abs(tf.matMul(a, b).sub(batchMatMul(tf, aT, b, true, true)))).dataSync()[0]!;
      assert.ok(errorT < 1e-4, `transposed ${batch}×${m}×${k}×${n}: ${errorT}`);
    }
  });
});

test("the SIMD gemm kernel equals tf.matMul: A·B, Aᵀ·B, with a bias, over several reduction blocks", () => {
  tf.tidy(() => {
    // [m, k, n]: the model's shapes, one small, and reductions longer than one block with a partial last block
    // (Aᵀ with m 512 takes 16 steps at a time, A with m 4 takes 16 384).
    for (const [m, k, n] of [
      [1024, 128, 512],
      [4, 1, 8],
      [512, 300, 16],
      [8, 2000, 24],
      [4, 20_000, 8],
    ] as const) {
      const a = tf.randomNormal([m, k], 0, 1, "float32", 1) as tf.Tensor2D;
      const aT = tf.randomNormal([k, m], 0, 1, "float32", 3) as tf.Tensor2D;
      const b = tf.randomNormal([k, n], 0, 1, "float32", 2) as tf.Tensor2D;
      const bias = tf.randomNormal([n], 0, 1, "float32", 4) as tf.Tensor1D;
      // float32 sums of k products of unit normals: rounding grows like √k·2⁻²⁴·k
      const tolerance = 1e-5 * Math.max(10, k);
      const cases: Array<[string, tf.Tensor, tf.Tensor]> = [
        ["A·B", tf.matMul(a, b), matMul(tf, a, b, true)],
        ["A·B + bias", tf.matMul(a, b).add(bias), matMul(tf, a, b, true, { bias })],
        ["Aᵀ·B", tf.matMul(aT, b, true), matMul(tf, aT, b, true, { transposeA: true })],
        [
          "Aᵀ·B + bias",
          tf.matMul(aT, b, true).add(bias),
          matMul(tf, aT, b, true, { transposeA: true, bias }),
        ],
      ];
      for (const [label, expected, got] of cases) {
        assert.deepEqual(got.shape, [m, n]);
        const error = tf.max(tf.abs(expected.sub(got))).dataSync()[0]!;
        assert.ok(error < tolerance, `${label} ${m}×${k}×${n}: max error ${error}`);
      }
    }
    // Shapes it does not take (m not a multiple of 4, n not of 8) go to tf.matMul, same result.
    const a = tf.randomNormal([6, 5], 0, 1, "float32", 5) as tf.Tensor2D;
    const b = tf.randomNormal([6, 7], 0, 1, "float32", 6) as tf.Tensor2D;
    const error = tf.max(tf.abs(tf.matMul(a, b, true).sub(matMul(tf, a, b, true, { transposeA: true }))));
    assert.ok(error.dataSync()[0]! < 1e-5);
  });
});

test("the LayerNorm kernels equal LayerNorm and its gradient by TF.js autodiff", () => {
  tf.tidy(() => {
    const [rows, d] = [37, 12];
    // rows with an offset and a spread, as activations have
    const x = tf.randomNormal([rows, d], 0.7, 2, "float32", 1) as tf.Tensor2D;
    const gain = tf.randomNormal([d], 1, 0.3, "float32", 2);
    const bias = tf.randomNormal([d], 0, 0.3, "float32", 3);
    const dy = tf.randomNormal([rows, d], 0, 1, "float32", 4) as tf.Tensor2D;
    const layerNorm = (x: tf.Tensor, gain: tf.Tensor | number, bias: tf.Tensor | number) => {
      const centred = x.sub(x.mean(-1, true));
      return centred
        .mul(tf.rsqrt(centred.square().mean(-1, true).add(1e-5)))
        .mul(gain)
        .add(bias);
    };
    const [y, normalised, rstd] = layerNormFused(tf, x, gain, bias);
    const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
      const error = tf.max(tf.abs(a.sub(b))).dataSync()[0]!;
      assert.ok(error < 2e-5, `${what}: max error ${error}`);
    };
    close(y, layerNorm(x, gain, bias), "y");
    close(normalised, layerNorm(x, 1, 0), "x̂");
    close(rstd, tf.rsqrt(tf.moments(x, -1, true).variance.add(1e-5)), "1/σ");
    const grads = tf.grads((x, gain, bias) => layerNorm(x, gain, bias).mul(dy).sum())([x, gain, bias]);
    const [dx, dGain, dBias] = layerNormGradFused(tf, dy, normalised, rstd, gain);
    close(dx, grads[0]!, "dx");
    close(dGain, grads[1]!, "dGain");
    close(dBias, grads[2]!, "dBias");
  });
});

test("fused GELU (both forms) equals TF.js's erf and sigmoid, and trains as the TF.js ops do", () => {
  for (const gelu of ["tanh", "erf"] as const) {
    const config: ModelConfig = {
      ...defaultModelConfig,
      vocab: 11,
      dModel: 16,
      heads: 2,
      layers: 1,
      seqLen: 8,
      gelu,
    };
    const weights = initWeights(tf, config, randomSource(3));
    for (const [, v] of namedWeights(weights))
      v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.5, "float32", 7))));
    const fast = makeWorkspace(tf, 4, 8, true);
    const reference = makeWorkspace(tf, 4, 8, false);
    const inputs = tokens(32, 11, 1);
    const targets = tokens(32, 11, 2);
    // the forward loss through fused GELU (with LayerNorm and matmul kernels) against TF.js ops throughout
    const [a, b] = tf.tidy(() => [
      lossOf(tf, config, weights, fast, inputs, targets).dataSync()[0]!,
      lossOf(tf, config, weights, reference, inputs, targets).dataSync()[0]!,
    ]);
    assert.ok(Math.abs(a - b) < 2e-6, `${gelu}: ${a} against ${b}`);
    disposeWorkspace(fast);
    disposeWorkspace(reference);
    for (const [, v] of namedWeights(weights)) v.dispose();
  }
});

test("splitFlat and readInto copy exactly", () => {
  tf.tidy(() => {
    const flat = tf.range(0, 10, 1, "float32") as tf.Tensor1D;
    const pieces = splitFlat(tf, flat, [3, 0, 7]);
    assert.deepEqual(
      pieces.map((p) => Array.from(p.dataSync())),
      [[0, 1, 2], [], [3, 4, 5, 6, 7, 8, 9]],
    );
    const target = new Float32Array(12);
    readInto(tf, flat, target, 2);
    assert.deepEqual(Array.from(target), [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

test("oneHot rows and their transpose", () => {
  assert.deepEqual(Array.from(oneHot(Int32Array.of(2, 0), 3)), [0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(oneHot(Int32Array.of(2, 0), 3, true)), [0, 1, 0, 0, 1, 0]);
});

test("parameter counts match the PyTorch anchor's and the variables", () => {
  // tiny_lm_torch.py on the KJV (vocab 63) printed n_params 108224 (d 64) and 413056 (d 128), this machine.
  for (const [d, expected] of [
    [64, 108_224],
    [128, 413_056],
  ] as const) {
    const config = { ...defaultModelConfig, vocab: 63, dModel: d };
    assert.equal(parameterCounts(config).total, expected);
    const weights = initWeights(tf, config, randomSource(0));
    const variables = namedWeights(weights).map(([, v]) => v);
    assert.equal(
      variables.reduce((n, v) => n + v.size, 0),
      expected,
    );
    for (const v of variables) v.dispose();
  }
  const counts = parameterCounts({ ...defaultModelConfig, vocab: 63 });
  // 2 blocks × (LN 128 + attention 4·64² + 4·64 + LN 128 + MLP 2·64·256 + 256 + 64) + final LN 128.
  assert.equal(counts.nonEmbedding, 2 * (128 + 16640 + 128 + 16640 + 16448) + 128);
  assert.equal(counts.embedding, 63 * 64 + 64 * 64);
  assert.equal(parameterCounts({ ...defaultModelConfig, vocab: 63, tied: false }).total, 108_224 + 64 * 63);
});

test("FLOP counts: 6ND, and Hoffmann et al.'s Appendix F count by hand", () => {
  const config = { ...defaultModelConfig, vocab: 63 };
  assert.equal(trainingFlops(config, 1000, "6ND"), 6 * 108_224 * 1000);
  const S = 64;
  const d = 64;
  const perLayer =
    2 * 3 * S * d * d +
    2 * S * S * d +
    3 * 4 * S * S +
    2 * S * S * d +
    2 * S * d * d +
    2 * S * (2 * d * 4 * d);
  const forward = (2 * S * 63 * d + 2 * perLayer + 2 * S * d * 63) / S;
  assert.equal(forwardFlopsPerToken(config), forward);
  assert.equal(trainingFlops(config, 10, "exact"), 30 * forward);
});
