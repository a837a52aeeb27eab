import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSchedule, parseSchedule } from "../../src/schedules/parseSchedule.js";
import { decay, denseSchedule, learningRate, schedulePeak } from "../../src/schedules/schedule.js";

const close = (a: number, b: number, tol = 1e-15) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test("warmup is numpy.linspace(0, peak, W) over steps 0..W−1 (the multi-power data's convention)", () => {
  const s = parseSchedule("constant:peak=3e-4,steps=24000,warmup=2160");
  assert.equal(learningRate(s, 0), 0);
  assert.ok(close(learningRate(s, 1), 3e-4 / 2159));
  assert.equal(learningRate(s, 2159), 3e-4);
  assert.equal(learningRate(s, 2160), 3e-4);
});

test("cosine, linear, WSD shapes, two-stage, step and inverse-sqrt at their key steps", () => {
  const cosine = parseSchedule("cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160");
  assert.ok(close(learningRate(cosine, 2160), 3e-4));
  assert.ok(close(learningRate(cosine, 13080), 1.65e-4, 1e-12)); // halfway: (peak + floor) / 2
  assert.ok(close(learningRate(cosine, 24000), 3e-5));
  const linear = parseSchedule("linear:peak=1,floor=0,steps=100");
  assert.equal(learningRate(linear, 25), 0.75);
  // exponential interpolation: peak^(1−u)·floor^u (the paper's wsd_20000_24000)
  const wsd = parseSchedule("wsd:peak=3e-4,floor=3e-5,steps=24000,decayStart=20000,shape=exp,warmup=2160");
  assert.equal(learningRate(wsd, 19999), 3e-4);
  assert.ok(close(learningRate(wsd, 22000), Math.sqrt(3e-4 * 3e-5), 1e-12));
  assert.equal(decay("sqrt", 1, 0, 0.25), 0.5);
  assert.ok(close(decay("cosine", 1, 0, 0.5), 0.5));
  assert.equal(
    parseSchedule("wsd:peak=1,floor=0,steps=1000,decay=0.2").kind === "wsd" &&
      (parseSchedule("wsd:peak=1,floor=0,steps=1000,decay=0.2") as { decayStart: number }).decayStart,
    800,
  );
  const twoStage = parseSchedule("two-stage:peak=3e-4,second=9e-5,switch=8000,steps=16000,warmup=2160");
  assert.equal(learningRate(twoStage, 7999), 3e-4);
  assert.equal(learningRate(twoStage, 8000), 9e-5);
  const step = parseSchedule("step:peak=1,steps=300,milestones=100/200,factor=0.5");
  assert.deepEqual(
    [0, 99, 100, 200, 300].map((t) => learningRate(step, t)),
    [1, 1, 0.5, 0.25, 0.25],
  );
  const inverse = parseSchedule("inverse-sqrt:peak=1,steps=1000,warmup=100");
  assert.ok(close(learningRate(inverse, 400), 0.5));
});

test("denseSchedule covers steps 0..T and schedulePeak finds the peak and the end of warmup", () => {
  const lr = denseSchedule(parseSchedule("cosine:peak=3e-4,floor=3e-5,steps=24000,warmup=2160"));
  assert.equal(lr.length, 24001);
  assert.deepEqual(schedulePeak(lr), { peak: 3e-4, warmup: 2160 });
});

test("formatSchedule and parseSchedule round-trip; bad texts get a message naming the key", () => {
  for (const text of [
    "cosine:peak=0.0003,floor=0.00003,steps=24000,warmup=2160",
    "wsd:peak=0.001,floor=0,decayStart=800,shape=sqrt,steps=1000",
    "step:peak=1,milestones=100/200,factor=0.5,steps=300",
  ]) {
    const s = parseSchedule(text);
    assert.deepEqual(parseSchedule(formatSchedule(s)), s);
  }
  assert.throws(
    () => parseSchedule("cosinus:peak=1,steps=3"),
    /invalid schedule "cosinus:peak=1,steps=3" \(expected kind:key=value/,
  );
  assert.throws(() => parseSchedule("cosine:peak=1,steps=3"), /cosine needs floor/);
  assert.throws(() => parseSchedule("cosine:peak=1,floor=0,steps=3,tail=2"), /cosine has no tail/);
  assert.throws(() => parseSchedule("constant:peak=-1,steps=3"), /peak=-1 is not a positive number/);
  assert.throws(
    () => parseSchedule("constant:peak=1,steps=10,warmup=20"),
    /warmup 20 is longer than steps 10/,
  );
  assert.throws(() => parseSchedule("wsd:peak=1,floor=0,steps=10"), /wsd needs decayStart or decay/);
});
