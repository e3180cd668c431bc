/**
 * Book-level events for tools that embed lfs-docker: BuildKit's vertex events turned into "this
 * section started / was built / came from the cache / failed", each with the time left.
 */
import type { BuildEvent } from "./buildkit/status.js";
import type { Estimate, TimeLeft } from "./progress/estimate.js";
import { stepKey } from "./progress/model.js";
import type { BuildPlan } from "./build-plan.js";

export interface SectionEvent {
  type: "section-started" | "section-built" | "section-cached" | "section-failed";
  stage: string;
  step: number;
  /** The book section, for the steps that carry one out. */
  section?: string;
  title: string;
  /** Seconds the step took (section-built). */
  seconds?: number;
  /** The failing process's exit code (section-failed), when the daemon gave one. */
  exitCode?: number;
  timeLeft: Estimate;
}

/** A BuildEvent listener that calls `emit` once per step and state. */
export function sectionEvents(plan: BuildPlan, timeLeft: TimeLeft, emit: (e: SectionEvent) => void): (e: BuildEvent) => void {
  const steps = new Map(plan.steps.map((s) => [s.key, s]));
  const seen = new Set<string>();
  return (e) => {
    if (e.type !== "vertex-started" && e.type !== "vertex-completed" && e.type !== "vertex-cached" && e.type !== "vertex-error") return;
    const key = stepKey(e.vertex.name);
    const step = key === undefined ? undefined : steps.get(key);
    if (!key || !step) return;
    const type =
      e.type === "vertex-started"
        ? "section-started"
        : e.type === "vertex-completed"
          ? "section-built"
          : e.type === "vertex-cached"
            ? "section-cached"
            : "section-failed";
    if (seen.has(`${key} ${type}`)) return;
    seen.add(`${key} ${type}`);
    const v = e.vertex;
    if (type === "section-started" && v.started) timeLeft.started(key, v.started.getTime());
    if (type === "section-cached") timeLeft.finished(key, null);
    const seconds = v.started && v.completed ? (v.completed.getTime() - v.started.getTime()) / 1000 : undefined;
    if (type === "section-built") timeLeft.finished(key, seconds ?? null);
    emit({
      type,
      stage: step.stage,
      step: step.step,
      ...(step.section !== undefined && { section: step.section }),
      title: step.title,
      ...(type === "section-built" && seconds !== undefined && { seconds }),
      ...(e.type === "vertex-error" && e.exitCode !== undefined && { exitCode: e.exitCode }),
      timeLeft: timeLeft.estimate(Date.now()),
    });
  };
}
