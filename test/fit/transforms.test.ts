import assert from "node:assert/strict";
import { test } from "node:test";
import { atBound, fromInternal, gradientScale, insideBounds, toInternal } from "../../src/fit/transforms.js";

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
