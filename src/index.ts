/**
 * lfs-docker: Linux From Scratch, built by BuildKit, section by section.
 * The public API: everything a tool needs to generate the Dockerfile and inspect the book.
 */
export { generate, dockerfileModel, isoFileName } from "./render/dockerfile.js";
export type { DockerfileModel, RenderedSection, RenderedStage } from "./render/dockerfile.js";
export { renderBake, committedFiles, committedDockerfiles } from "./render/bake.js";
export type { CommittedDockerfile } from "./render/bake.js";
export { resolveOptions, DEFAULT_CONFIG, DEFAULT_HOST_IMAGE, DEFAULT_ISO_IMAGE, DEFAULT_SYNTAX } from "./options.js";
export type { GenerateOptions, ResolvedOptions, SystemConfig } from "./options.js";
export { loadBook, loadBookDir, editionSections, editionSources, availableReleases } from "./book/load.js";
export type { Book, BookChapter, BookSection, EditionSection, SourceFile, ScriptHeader, SectionScript, Edition, EditionMark, StageName } from "./book/types.js";
export { archProfile, allArchProfiles, supportedArchs } from "./arch/profiles.js";
export type { ArchName, ArchProfile } from "./arch/profiles.js";
export { LfsDockerError, OptionError, BookError } from "./errors.js";
export { version } from "./version.js";
export { build, buildSources } from "./build.js";
export type { BuildOptions, BuildResult } from "./build.js";
export type { SectionEvent } from "./section-events.js";
export { buildPlan, buildModel, type BuildPlan, type BuildModel } from "./build-plan.js";
export type { StepMap, DockerfileStep, DockerfileStage } from "./render/step-map.js";
export { parseOutputSpec } from "./output-spec.js";
export { parseCacheSpec, cacheEntries, type CacheFlag } from "./cache-spec.js";
export type { OutputSpec } from "./output-spec.js";
export { buildReport, formatReport, dockerfileSteps } from "./report/build-report.js";
export type { BuildOutcome, BuildReport, ReportRow, StepInfo } from "./report/build-report.js";
export { renderHtmlReport, type HtmlReportMeta } from "./report/html.js";
export { parseBuildReport, ReportFormatError } from "./report/parse.js";
export * from "./buildkit/index.js";
export { createProgressDisplay, TimeLeft, formatTimeLeft, type Estimate, type PlannedStep } from "./progress/index.js";
export type { ProgressMode } from "./progress/index.js";
export * from "./sources/index.js";
export { boot, BootError, type BootOptions, type BootResult, type CommandResult } from "./boot/boot.js";
export {
  ConsoleLog,
  MILESTONES,
  DEFAULT_RULES,
  FATAL_PATTERNS,
  wrapCommand,
  commandOutput,
  markerToken,
  type MilestoneName,
  type MilestoneEvent,
  type MilestoneRule,
} from "./boot/console.js";
export { qemuCommand, MissingToolError, type Firmware, type Medium, type Accel, type QemuOptions } from "./boot/qemu.js";
