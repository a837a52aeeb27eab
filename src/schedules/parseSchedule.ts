import { UserError } from "../errors.js";
import { parseDecimal } from "../parseDecimal.js";
import { maxScheduleSteps, type DecayShape, type Schedule } from "./schedule.js";

/** The suffixes of schedule numbers: `steps=24k`, `steps=1.2M`. */
const scheduleSuffixes: Readonly<Record<string, number>> = { k: 1e3, M: 1e6 };

const kinds = ["constant", "cosine", "linear", "wsd", "two-stage", "step", "inverse-sqrt"] as const;
const shapes: readonly DecayShape[] = ["linear", "exp", "sqrt", "cosine"];

/** Keys each family requires and accepts (besides steps and warmup). */
const keys: Record<(typeof kinds)[number], { required: string[]; optional: string[] }> = {
  constant: { required: ["peak"], optional: [] },
  cosine: { required: ["peak", "floor"], optional: [] },
  linear: { required: ["peak", "floor"], optional: [] },
  wsd: { required: ["peak", "floor"], optional: ["decayStart", "decay", "shape"] },
  "two-stage": { required: ["peak", "second", "switch"], optional: [] },
  step: { required: ["peak", "milestones"], optional: ["factor"] },
  "inverse-sqrt": { required: ["peak"], optional: [] },
};

/**
 * Parses the compact text form of a schedule: `kind:key=value,…` with kinds constant, cosine, linear, wsd,
 * two-stage, step, inverse-sqrt; every kind takes `steps` and optionally `warmup`. WSD takes `decayStart`
 * (a step) or `decay` (the fraction of steps that decays) and `shape` (linear, exp, sqrt, cosine);
 * `step` takes `milestones` separated by `/` and `factor` (default 0.1). Numbers are decimal and may use k/M
 * suffixes; a schedule has at most `maxScheduleSteps` steps.
 * @example parseSchedule("wsd:peak=3e-4,floor=3e-5,steps=24000,decayStart=20000,shape=exp,warmup=2160")
 */
export function parseSchedule(text: string): Schedule {
  const match = /^\s*([a-z-]+)\s*:(.*)$/.exec(text);
  const kind = match?.[1] as (typeof kinds)[number] | undefined;
  if (!match || !kind || !(kinds as readonly string[]).includes(kind)) {
    throw new UserError(
      `invalid schedule "${text}" (expected kind:key=value,… with kind one of ${kinds.join(", ")})`,
    );
  }
  const values: Record<string, string> = {};
  for (const part of match[2]!
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const kv = /^([A-Za-z]+)\s*=\s*(.+)$/.exec(part);
    if (!kv) throw new UserError(`invalid schedule "${text}": ${part} is not key=value`);
    if (Object.hasOwn(values, kv[1]!))
      throw new UserError(`invalid schedule "${text}": ${kv[1]} is given twice`);
    values[kv[1]!] = kv[2]!;
  }
  const allowed = ["steps", "warmup", ...keys[kind].required, ...keys[kind].optional];
  for (const key of Object.keys(values)) {
    if (!allowed.includes(key))
      throw new UserError(`invalid schedule "${text}": ${kind} has no ${key} (keys: ${allowed.join(", ")})`);
  }
  for (const key of ["steps", ...keys[kind].required]) {
    if (values[key] === undefined) throw new UserError(`invalid schedule "${text}": ${kind} needs ${key}`);
  }
  const num = (key: string, { integer = false, positive = false } = {}): number => {
    const raw = values[key]!;
    const parsed = parseDecimal(raw, scheduleSuffixes);
    const v = typeof parsed === "number" ? parsed : NaN;
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || (positive ? v <= 0 : v < 0)) {
      throw new UserError(
        `invalid schedule "${text}": ${key}=${raw} is not a ${integer ? "whole number" : positive ? "positive number" : "non-negative number"}`,
      );
    }
    return v;
  };
  const steps = num("steps", { integer: true, positive: true });
  if (steps > maxScheduleSteps)
    throw new UserError(
      `invalid schedule "${text}": steps=${values.steps} is more than ${maxScheduleSteps} steps`,
    );
  const step = (key: string): number => {
    const v = num(key, { integer: true });
    if (v > steps)
      throw new UserError(
        `invalid schedule "${text}": ${key}=${values[key]} is after the last step ${steps}`,
      );
    return v;
  };
  const warmup = values.warmup !== undefined ? num("warmup", { integer: true }) : 0;
  if (warmup > steps)
    throw new UserError(`invalid schedule "${text}": warmup ${warmup} is longer than steps ${steps}`);
  const common = { steps, ...(warmup ? { warmup } : {}) };
  const peak = num("peak", { positive: true });
  switch (kind) {
    case "constant":
    case "inverse-sqrt":
      return { kind, peak, ...common };
    case "cosine":
    case "linear":
      return { kind, peak, floor: num("floor"), ...common };
    case "wsd": {
      const shape = (values.shape ?? "linear") as DecayShape;
      if (!shapes.includes(shape))
        throw new UserError(`invalid schedule "${text}": shape ${shape} (expected ${shapes.join(", ")})`);
      let decayStart: number;
      if (values.decayStart !== undefined) decayStart = num("decayStart", { integer: true });
      else if (values.decay !== undefined) {
        const fraction = num("decay");
        if (fraction > 1)
          throw new UserError(
            `invalid schedule "${text}": decay=${fraction} is a fraction of steps (0 to 1)`,
          );
        decayStart = Math.round(steps * (1 - fraction));
      } else throw new UserError(`invalid schedule "${text}": wsd needs decayStart or decay`);
      if (decayStart < warmup || decayStart > steps) {
        throw new UserError(
          `invalid schedule "${text}": the decay must start between warmup ${warmup} and steps ${steps}`,
        );
      }
      return { kind, peak, floor: num("floor"), decayStart, shape, ...common };
    }
    case "two-stage":
      return { kind, peak, second: num("second"), switch: step("switch"), ...common };
    case "step": {
      const milestones = values.milestones!.split("/").map((m) => {
        const v = parseDecimal(m, scheduleSuffixes);
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > steps)
          throw new UserError(`invalid schedule "${text}": milestone ${m} is not a step from 0 to ${steps}`);
        return v;
      });
      return { kind, peak, milestones, factor: values.factor !== undefined ? num("factor") : 0.1, ...common };
    }
  }
}

/**
 * The compact text of a schedule (the inverse of `parseSchedule`, for families other than tables).
 * @example formatSchedule({kind: "constant", peak: 3e-4, steps: 24000, warmup: 2160}) // "constant:peak=0.0003,steps=24000,warmup=2160"
 */
export function formatSchedule(schedule: Schedule): string {
  if (schedule.kind === "table") return `table:steps=${schedule.steps}`;
  const { kind, ...rest } = schedule;
  return `${kind}:${Object.entries(rest)
    .map(
      ([k, v]) =>
        `${k}=${Array.isArray(v) ? v.join("/") : typeof v === "number" ? Number(v.toPrecision(6)) : v}`,
    )
    .join(",")}`;
}
