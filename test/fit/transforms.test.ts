import assert from "node:assert/strict";
import { test } from "node:test";
import {
  atBound,
  boundedCoordinate,
  boundSlope,
  fromInternal,
  gradientScale,
  insideBounds,
  isBounded,
  linearisedDraw,
  toInternal,
  type BoundSpec,
} from "../../src/fit/transforms.js";

const specs = [
  {},
  { min: 0 },
  { max: 3 },
  { min: -1, max: 2 },
  { log: true },
  { log: true, min: 1e-3, max: 1e5 },
  { log: true, min: 10 },
];

test("toInternal and fromInternal round-trip inside every kind of bound", () => {
  for (const spec of specs) {
    for (const value of [0.5, 1, 1.9, 12, 50].filter(
      (v) =>
        v >= ((spec as { min?: number }).min ?? -Infinity) &&
        v <= ((spec as { max?: number }).max ?? Infinity),
    )) {
      const u = toInternal(spec, value);
      assert.ok(Math.abs(fromInternal(spec, u) - value) < 1e-12 * Math.max(1, value), JSON.stringify(spec));
    }
  }
});

test("gradientScale(spec, u) equals d fromInternal / du by central differences", () => {
  for (const spec of specs) {
    for (const u of [-1.3, -0.2, 0.4, 1.1]) {
      const h = 1e-6;
      const numeric = (fromInternal(spec, u + h) - fromInternal(spec, u - h)) / (2 * h);
      assert.ok(
        Math.abs(gradientScale(spec, u) - numeric) < 1e-6 * Math.max(1, Math.abs(numeric)),
        JSON.stringify(spec),
      );
    }
  }
});

test("fromInternal never leaves the bounds, whatever u", () => {
  for (const u of [-1e3, -3, 0, 3, 1e3]) {
    const v = fromInternal({ min: -1, max: 2 }, u);
    assert.ok(v >= -1 && v <= 2);
    assert.ok(fromInternal({ min: 0 }, u) >= 0);
    assert.ok(fromInternal({ log: true, min: 10 }, u) >= 10 - 1e-12);
  }
});

test("insideBounds moves starts off the bounds; atBound detects values on them", () => {
  assert.equal(insideBounds({ min: 0, max: 2 }, 2), 1.98);
  assert.ok(insideBounds({ min: 0 }, -5) > 0);
  assert.notEqual(
    gradientScale({ min: 0, max: 2 }, toInternal({ min: 0, max: 2 }, insideBounds({ min: 0, max: 2 }, 0))),
    0,
  );
  assert.equal(atBound({ min: 0 }, 1e-9), "min");
  assert.equal(atBound({ min: 0, max: 1 }, 1), "max");
  assert.equal(atBound({ min: 0, max: 1 }, 0.5), undefined);
});

test("a linearised draw moves the bounded coordinate by dw/du · du and stays inside the bounds", () => {
  // At a lower bound 0 (u = 0) the slope is 0; a draw in w is clamped there and moves freely above it.
  assert.equal(boundSlope({ min: 0 }, 0), 0);
  assert.equal(linearisedDraw({ min: 0 }, 0, -0.3), 0);
  assert.equal(linearisedDraw({ min: 0 }, 0, 0.05), 0.05);
  assert.equal(linearisedDraw({ min: 0, max: 1 }, 0.9, 0.5), 1);
  // A log-scaled parameter moves in log(value): 10 · e^0.1.
  assert.ok(Math.abs(linearisedDraw({ log: true, min: 1 }, Math.log(10), 0.1) - 10 * Math.exp(0.1)) < 1e-12);
  assert.equal(isBounded({ log: true }), false);
  assert.equal(isBounded({ log: true, min: 1 }), true);
  for (const spec of [{ min: 0 }, { min: 0, max: 2 }, { max: 1 }, { log: true, min: 1 }] as BoundSpec[])
    for (const u of [-2, -0.3, 0.7, 3]) {
      const h = 1e-6;
      const slope = (boundedCoordinate(spec, u + h) - boundedCoordinate(spec, u - h)) / (2 * h);
      assert.ok(Math.abs(slope - boundSlope(spec, u)) < 1e-6, `${JSON.stringify(spec)} at ${u}`);
    }
});
