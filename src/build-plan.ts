/**
 * The plan of a build: each counted step of the generated Dockerfile with its book section and the
 * book's SBU figure for it; what the time-left estimate, the section events and the report use.
 */
import { editionSections, loadBookDir } from "./book/load.js";
import { resolveOptions, type GenerateOptions } from "./options.js";
import type { PlannedStep } from "./progress/estimate.js";
import { dockerfileSteps, type StepInfo } from "./report/build-report.js";
import { stepKey } from "./progress/model.js";

export interface BuildPlan {
  steps: Array<StepInfo & PlannedStep>;
  /** Section number -> the book's SBU figure. */
  bookSbu: Map<string, number>;
  /** The section that is 1 SBU (Binutils pass 1), null when the book has none. */
  sbuSection: string | null;
}

export function buildPlan(options: GenerateOptions, dockerfile: string): BuildPlan {
  const o = resolveOptions(options);
  const sections = editionSections(loadBookDir(o.bookDir), o.init);
  const bookSbu = new Map(sections.flatMap((s) => (s.sbu === undefined ? [] : [[s.number, s.sbu] as const])));
  const steps = dockerfileSteps(dockerfile).map((s) => {
    const sbu = s.section === undefined ? undefined : bookSbu.get(s.section);
    return { ...s, key: `${s.stage} ${s.step}`, ...(sbu !== undefined && { sbu }) };
  });
  const sbuSection = sections.find((s) => s.page === "binutils-pass1")?.number ?? null;
  return { steps, bookSbu, sbuSection };
}

/** A step of the plan in words, from its vertex's name: `4.2 Title ([host 4/5])`, or the name itself. */
export function describeStep(plan: BuildPlan, vertex: string): string {
  const step = plan.steps.find((s) => s.key === stepKey(vertex));
  if (!step) return vertex;
  const where = /^\[[^\]]+\]/.exec(vertex)?.[0] ?? `[${step.stage} ${step.step}]`;
  return `${step.section !== undefined ? `${step.section} ${step.title}` : step.title} (${where})`;
}
