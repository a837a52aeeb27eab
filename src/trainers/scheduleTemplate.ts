/**
 * Schedule templates of sweep configs: a schedule family (with warmup, floor, decay and its shape as fractions)
 * instantiated per run with the run's peak LR and steps, its checks and its label in run names.
 */
import { UserError } from "../errors.js";
import type { DecayShape, Schedule } from "../schedules/schedule.js";

/** A schedule family instantiated per run with the run's peak LR and steps. */
export interface ScheduleTemplate {
  kind: "constant" | "cosine" | "linear" | "wsd" | "inverse-sqrt";
  /** Warmup as a fraction of the steps. Default 0. */
  warmup?: number;
  /** Final LR as a fraction of the peak (cosine, linear, wsd). Default 0.1. */
  floor?: number;
  /** WSD: the fraction of steps that decays. Default 0.2. */
  decay?: number;
  /** WSD: decay shape. Default "linear". */
  shape?: DecayShape;
  /**
   * WSD: decay during the QAT phase (Dremov et al.'s fused cooldown): the decay covers the run's last
   * qatFraction of the steps instead of `decay`.
   */
  fuseQat?: boolean;
}

/**
 * The schedule families a template (or `scalefit train --schedule <kind>`) names.
 * @example scheduleKinds.includes("wsd") // true
 */
export const scheduleKinds = ["constant", "cosine", "linear", "wsd", "inverse-sqrt"] as const;

export function templateOf(value: unknown, where: string): ScheduleTemplate {
  const template = (typeof value === "string" ? { kind: value } : value) as ScheduleTemplate;
  if (
    !template ||
    typeof template !== "object" ||
    !(scheduleKinds as readonly string[]).includes(template.kind)
  ) {
    throw new UserError(
      `${where}: schedule must be one of ${scheduleKinds.join(", ")} or {kind, warmup, floor, decay, shape}`,
    );
  }
  const known = ["kind", "warmup", "floor", "decay", "shape", "fuseQat"];
  const extra = Object.keys(template).find((k) => !known.includes(k));
  if (extra) throw new UserError(`${where}: schedule has no field ${extra} (fields: ${known.join(", ")})`);
  for (const key of ["warmup", "floor", "decay"] as const) {
    const v = template[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && v < 1)) {
      throw new UserError(`${where}: schedule ${key} is a fraction in [0, 1), got ${JSON.stringify(v)}`);
    }
  }
  if (template.fuseQat !== undefined && !(template.fuseQat === true && template.kind === "wsd"))
    throw new UserError(`${where}: fuseQat is for wsd schedules (true: the decay is the QAT phase)`);
  if (template.shape !== undefined && !["linear", "exp", "sqrt", "cosine"].includes(template.shape)) {
    throw new UserError(
      `${where}: schedule shape must be linear, exp, sqrt or cosine, got ${JSON.stringify(template.shape)}`,
    );
  }
  return template;
}

/** A short label of a schedule template for run names: "cosine", "wsd-decay0.2-sqrt". */
export function templateLabel(template: ScheduleTemplate): string {
  const parts: string[] = [template.kind];
  if (template.warmup) parts.push(`warmup${template.warmup}`);
  if (template.floor !== undefined) parts.push(`floor${template.floor}`);
  if (template.decay !== undefined) parts.push(`decay${template.decay}`);
  if (template.shape) parts.push(template.shape);
  if (template.fuseQat) parts.push("fuseQat");
  return parts.join("-");
}

/**
 * The schedule of a run: the template with the run's peak and steps.
 * @example scheduleFor({ kind: "wsd", decay: 0.2 }, 1e-3, 1000) // wsd, decay from step 800 to 1e-4
 */
export function scheduleFor(
  template: ScheduleTemplate,
  peak: number,
  steps: number,
  qatFraction = 0,
): Schedule {
  const warmup = Math.round((template.warmup ?? 0) * steps);
  const floor = (template.floor ?? 0.1) * peak;
  switch (template.kind) {
    case "constant":
      return { kind: "constant", peak, steps, warmup };
    case "inverse-sqrt":
      return { kind: "inverse-sqrt", peak, steps, warmup };
    case "cosine":
    case "linear":
      return { kind: template.kind, peak, floor, steps, warmup };
    case "wsd":
      return {
        kind: "wsd",
        peak,
        floor,
        steps,
        warmup,
        decayStart: Math.max(
          warmup,
          steps - Math.round((template.fuseQat ? qatFraction : (template.decay ?? 0.2)) * steps),
        ),
        shape: template.shape ?? "linear",
      };
  }
}
