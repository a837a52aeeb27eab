/**
 * Curve laws: lr-anneal against ../shared/anchors/lr_anneal_fit.py on the anchor's own synthetic curves
 * (exported by the anchor's code, so the noise is the same), and both laws on the multi-power data set.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fitLaw, lrAnneal, multipower } from "../src/index.js";
import { loadCurves, readSchedules } from "../src/data/curves.js";
import { evaluateLaw } from "../src/fit/evaluate.js";
import type { Observations } from "../src/dataTypes.js";
import { anchorUnavailable, anchors, line, median, python, root } from "./_shared.js";

console.log("== Curve laws");
const timed = <T>(f: () => T): [T, number] => {
  const start = performance.now();
  const value = f();
  return [value, (performance.now() - start) / 1000];
};

// 1. The anchor's curves: 20000 steps, warmup 500 to 2e-4, constant / cosine / WSD, 0.5 % noise (seed 0).
const unavailable = anchorUnavailable("lr_anneal_fit.py");
if (unavailable) {
  console.log(`SciPy lr-anneal baseline unavailable (${unavailable}); its comparison is skipped.`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "scalefit-bench-"));
  const exported = join(dir, "curves.json");
  const dump = spawnSync(
    python,
    [
      "-c",
      `import sys, json; sys.path.insert(0, ${JSON.stringify(anchors)}); import lr_anneal_fit as m; c = m.make_curves(); json.dump({k: {"eta": v["eta"].tolist(), "obs": v["obs"].tolist(), "clean": v["clean"].tolist()} for k, v in c.items()}, open(${JSON.stringify(exported)}, "w"))`,
    ],
    { encoding: "utf8" },
  );
  if (dump.status !== 0) throw new Error(dump.stderr);
  const curves = JSON.parse(readFileSync(exported, "utf8")) as Record<
    string,
    { eta: number[]; obs: number[]; clean: number[] }
  >;
  // The anchor's index j (its step j + 1) is our step j: S1 and S2 are then the same sums.
  const data = (kinds: string[], warmup = 500): Observations => {
    const step: number[] = [];
    const loss: number[] = [];
    const run: string[] = [];
    for (const kind of kinds) {
      for (let j = warmup; j < curves[kind]!.obs.length; j++) {
        step.push(j);
        loss.push(curves[kind]!.obs[j]!);
        run.push(kind);
      }
    }
    const schedules = Object.fromEntries(kinds.map((k) => [k, Float64Array.from(curves[k]!.eta)]));
    return { inputs: { step: Float64Array.from(step) }, loss: Float64Array.from(loss), run, schedules };
  };
  const train = data(["constant", "cosine"]);
  const target = data(["wsd"]);
  const clean = Float64Array.from(curves.wsd!.clean.slice(500));
  for (const loss of ["linear", "huber"] as const) {
    const options = { loss, intervals: "none" as const };
    fitLaw(lrAnneal, train, options); // warm-up
    const times: number[] = [];
    let fit = fitLaw(lrAnneal, train, options);
    for (let k = 0; k < 5; k++) {
      const [f, seconds] = timed(() => fitLaw(lrAnneal, train, options));
      fit = f;
      times.push(seconds);
    }
    const predicted = evaluateLaw(lrAnneal, fit.params, target, new Float64Array(target.loss.length));
    const mape = (ref: ArrayLike<number>) =>
      (100 * predicted.reduce((s, v, i) => s + Math.abs(v - ref[i]!) / ref[i]!, 0)) / predicted.length;
    const anchor = spawnSync(python, [join(anchors, "lr_anneal_fit.py"), "--loss", loss], {
      encoding: "utf8",
    });
    if (anchor.status !== 0) throw new Error(anchor.stderr);
    const result = JSON.parse(anchor.stdout.trim().split("\n").at(-1)!);
    const scipy = result.fit.wall_s_median as number;
    line(
      `lr-anneal, 39 000 points, ${loss === "linear" ? "least squares" : "Huber 1e-3"}: ours (median of 5)`,
      `${(1000 * median(times)).toFixed(1)} ms, WSD MAPE ${mape(target.loss).toFixed(3)}% (vs clean ${mape(clean).toFixed(4)}%)`,
    );
    line(
      `  SciPy least_squares TRF, 9 starts (median of 5, same run)`,
      `${(1000 * scipy).toFixed(1)} ms, WSD MAPE ${result.predict_wsd.mape_pct_vs_noisy.toFixed(3)}% (vs clean ${result.predict_wsd.mape_pct_vs_clean.toFixed(4)}%)`,
    );
    line(`  speed-up`, `${(scipy / median(times)).toFixed(1)}×`);
  }
}

// 2. The multi-power data: one size = the three training curves of the authors.
const schedules = readSchedules(join(root, "data/multipower/schedules.json"));
for (const size of ["25M", "100M", "400M"]) {
  const runs = ["cosine_24000", "constant_24000", "wsdcon_9"].map((c) => `${size}/${c}`);
  for (const law of [lrAnneal, multipower]) {
    // A fresh load each time: the first fit pays for indexing the curves, as a user's would.
    const observations = loadCurves(join(root, "data/multipower/curves.csv"), {
      schedules,
      runs,
    }).observations;
    const [fit, seconds] = timed(() => fitLaw(law, observations, { intervals: "none" }));
    line(
      `${law.name} fit, ${size}, three curves (${observations.loss.length} points)`,
      `${seconds.toFixed(2)} s (target < ${law === multipower ? 3 : 1} s), objective ${fit.objective.toExponential(4)}`,
    );
  }
}
