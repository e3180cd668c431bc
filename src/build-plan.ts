/**
 * The model of a build, made once from its options: the options resolved, the book, the Dockerfile
 * rendered from them and the map from each of its steps to its book section (as the generator
 * emitted it: see render/step-map.ts), the book's SBU figure of each step, and the source files the
 * Dockerfile mounts. Everything downstream of build() reads this model: the check of --sources, of
 * --no-cache-filter, the time left, the section events, the eviction watch and the report. Nothing
 * resolves the options again or reads the steps back out of the Dockerfile's text.
 */
import { editionSections, editionSources, loadBookDir } from "./book/load.js";
import type { Book, EditionSection, SourceFile } from "./book/types.js";
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from "./options.js";
import type { PlannedStep } from "./progress/estimate.js";
import { dockerfileSteps } from "./report/build-report.js";
import { stepKey } from "./progress/model.js";
import { renderDockerfile, resolvedDockerfileModel } from "./render/dockerfile.js";
import { createEngine, type TemplateEngine } from "./render/engine.js";
import type { StepInfo, StepMap } from "./render/step-map.js";

export interface BuildPlan {
  /** Each counted step of the Dockerfile (`[stage k/n]`), with its book section and the book's SBU for it. */
  steps: Array<StepInfo & PlannedStep>;
  /** Section number -> the book's SBU figure. */
  bookSbu: Map<string, number>;
  /** The section that is 1 SBU (Binutils pass 1), null when the book has none. */
  sbuSection: string | null;
  /** Where the stages and steps are in the Dockerfile's text, when lfs-docker rendered it (the step identities of cache-memory.ts read it). */
  layout?: StepMap;
}

/** What a build builds, resolved once: the options, the book, the Dockerfile and its map, the sources it mounts. */
export interface BuildModel extends BuildPlan {
  options: ResolvedOptions;
  book: Book;
  /** The generated Dockerfile: generate(options), byte for byte. */
  dockerfile: string;
  layout: StepMap;
  /** The source files the Dockerfile mounts: those of the sections it has (up to `until`). */
  sources: SourceFile[];
}

/** The sections of the edition up to `until` (all without). */
function sectionsUpTo(all: readonly EditionSection[], until: string | undefined): readonly EditionSection[] {
  return until === undefined ? all : all.slice(0, all.findIndex((s) => s.number === until) + 1);
}

/** The files the sections mount (their tarball and the other files they use), in the book's order of sources. */
export function sourcesUsed(book: Book, o: Pick<ResolvedOptions, "init" | "until">): SourceFile[] {
  const sections = sectionsUpTo(editionSections(book, o.init), o.until);
  const used = new Set(sections.flatMap((s) => (s.script ? [s.script.header.unpack, ...s.script.header.uses] : [])));
  return editionSources(book, o.init).filter((f) => used.has(f.file));
}

/** The plan's part of the model: the steps of the map with the book's SBU figures. */
function planOf(book: Book, o: ResolvedOptions, steps: readonly StepInfo[]): BuildPlan {
  const sections = editionSections(book, o.init);
  const bookSbu = new Map(sections.flatMap((s) => (s.sbu === undefined ? [] : [[s.number, s.sbu] as const])));
  const planned = steps.map((s) => {
    const sbu = s.section === undefined ? undefined : bookSbu.get(s.section);
    return { ...s, key: `${s.stage} ${s.step}`, ...(sbu !== undefined && { sbu }) };
  });
  const sbuSection = sections.find((s) => s.page === "binutils-pass1")?.number ?? null;
  return { steps: planned, bookSbu, sbuSection };
}

/** The model of a build: the options resolved (and checked) once, everything else from them. */
export function buildModel(options: GenerateOptions, hb: TemplateEngine = createEngine()): BuildModel {
  const o = resolveOptions(options);
  const book = loadBookDir(o.bookDir);
  const { text, map } = renderDockerfile(resolvedDockerfileModel(o, book, hb), hb);
  // The map's steps without their lines: what the plan, the report and the events show.
  const steps: StepInfo[] = map.steps.map(({ firstLine: _f, lastLine: _l, ...info }) => info);
  return { ...planOf(book, o, steps), layout: map, options: o, book, dockerfile: text, sources: sourcesUsed(book, o) };
}

/**
 * The plan of a build of `options` (a BuildModel is one). `dockerfile` is the text generate(options)
 * gave; another text (one edited by hand) is read for its steps instead.
 */
export function buildPlan(options: GenerateOptions, dockerfile?: string): BuildPlan {
  const model = buildModel(options);
  if (dockerfile === undefined || dockerfile === model.dockerfile) return model;
  return planOf(model.book, model.options, dockerfileSteps(dockerfile));
}

/** A step of the plan in words, from its vertex's name: `4.2 Title ([host 4/5])`, or the name itself. */
export function describeStep(plan: BuildPlan, vertex: string): string {
  const step = plan.steps.find((s) => s.key === stepKey(vertex));
  if (!step) return vertex;
  const where = /^\[[^\]]+\]/.exec(vertex)?.[0] ?? `[${step.stage} ${step.step}]`;
  return `${step.section !== undefined ? `${step.section} ${step.title}` : step.title} (${where})`;
}
