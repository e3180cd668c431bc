/**
 * build(): generate the Dockerfile, solve it on a BuildKit daemon, export the artifacts into a
 * directory and write the build report beside them. Its parts: the options checked
 * (build-checks.ts), what is watched while it runs (build-watch.ts), the files it writes
 * (build-files.ts), how a failure is told (build-failure.ts), the nodes of a split build
 * (build-nodes.ts).
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BuildOptions, BuildResult } from "./build-options.js";
import { buildxBuildRef } from "./buildkit/builders.js";
import { builderEngine, connectBuilder } from "./buildkit/connect-builder.js";
import { dockerConfigCredentials } from "./buildkit/auth.js";
import type { ExportSpec, SecretSource, SolveResult } from "./buildkit/types.js";
import { makeOwnedDir } from "./fs/owned-dir.js";
import { resolveOptions, type GenerateOptions } from "./options.js";
import { loadBookDir } from "./book/load.js";
import type { SourceFile } from "./book/types.js";
import { buildModel, sourcesUsed } from "./build-plan.js";
import { gcVerdict } from "./buildkit/gc-policy.js";
import { DaemonLostError } from "./buildkit/errors.js";
import { rememberSbu } from "./sbu-memory.js";
import { planExports, type ExportPlan } from "./exports/plan.js";
import { writeMetadataFile } from "./exports/metadata.js";
import { upToLastSolve, type SharedSolve } from "./build-nodes.js";
import { checkBuild, type CheckedBuild } from "./build-checks.js";
import { BuildWatch } from "./build-watch.js";
import { fileOutputDirs, moveIntoPlace, removeLeftovers, writeReport } from "./build-files.js";
import { daemonLost, diskFull, failureOutcome } from "./build-failure.js";

export { buildOutputs, checkPlatform, dockerfileStages, ENTITLEMENTS } from "./build-checks.js";
export { moveIntoPlace } from "./build-files.js";

export type { BuildOptions, BuildResult } from "./build-options.js";

/** The source files the generated Dockerfile mounts: those of the sections it has (up to `until`). */
export function buildSources(options: GenerateOptions): SourceFile[] {
  const o = resolveOptions(options);
  return sourcesUsed(loadBookDir(o.bookDir), o);
}

/** What every solve of the build shares: the context, sources, cache imports, secrets, ... */
function sharedSolve(options: BuildOptions, checked: CheckedBuild, context: string): SharedSolve {
  const secrets: Record<string, SecretSource> = {};
  if (options.rootPasswordFile) secrets.root_password = { file: resolve(options.rootPasswordFile) };
  return {
    context,
    ...(options.sources !== undefined && { namedContexts: { sources: resolve(options.sources) } }),
    ...(options.noCache ? { noCache: true } : checked.noCacheFilter && { noCache: checked.noCacheFilter }),
    cacheImports: checked.cache.cacheImports,
    ...(options.onWarning && { onWarning: options.onWarning }),
    ...(checked.entitlements.length > 0 && { entitlements: checked.entitlements }),
    secrets,
    ...(options.signal && { signal: options.signal }),
  };
}

/** One build as it runs: its checked options, what it watches, where its export goes. */
interface BuildRun {
  options: BuildOptions;
  checked: CheckedBuild;
  watch: BuildWatch;
  exportPlan: ExportPlan;
  /** The export goes into `exportDir`, in a fresh directory (`staging`) inside the output directory. */
  staging: string | undefined;
  exportDir: string | undefined;
  /** The (empty) build context. */
  context: string;
  /** The builder's name in what is remembered between builds. */
  builderKey: string;
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  // The options resolved once (every generate option checked before anything is written or sent),
  // the Dockerfile and the map of its steps: what everything below reads.
  const checked = await checkBuild(options, buildModel(options));
  const { output, reportDir, builder, split } = checked;
  for (const dir of [output, reportDir]) if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const exportPlan = planExports(checked.outputs, {
    dockerEngine: builder.address.startsWith("docker://"),
    engine: () => builderEngine(builder),
    credentials: dockerConfigCredentials(),
    force: options.force === true,
  });
  await removeLeftovers(options, checked.outputs, output, reportDir);
  const builderKey = builder.source === "default" ? "docker" : builder.name;
  const watch = new BuildWatch(checked.model, builderKey, split && [...split.nodes.keys()], options);
  // The export goes into a fresh directory inside `output`, marked as this process's (so that what a
  // killed build leaves is found and removed by the next one); its files are moved into place only
  // when the build succeeded, and never over the user's files unless forced.
  const staging =
    output === undefined ? undefined : await makeOwnedDir(output, ".lfs-docker-staging-", "the export of a build, before its files are moved into place");
  // Empty: the generated Dockerfile reads nothing from its context (BuildKit sends it only .dockerignore).
  const context = await makeOwnedDir(tmpdir(), "lfs-docker-context-", "the (empty) build context of a build");
  const run: BuildRun = { options, checked, watch, exportPlan, staging, exportDir: staging && join(staging, "export"), context, builderKey };
  try {
    return await succeeded(run, await solveAll(run));
  } catch (caught) {
    throw await failed(run, caught);
  } finally {
    watch.finish();
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
  }
}

/** The build's solves: a split build's other nodes' parts first; the last solve (the target's node) exports. */
async function solveAll(run: BuildRun): Promise<SolveResult> {
  const { options, checked, watch } = run;
  const { model, split } = checked;
  const platform = model.options.arch.platform;
  const shared = sharedSolve(options, checked, run.context);
  const onEvent = (node: string | undefined) => watch.onEvent(node);
  const last = split ? await upToLastSolve({ ...split, dockerfile: model.dockerfile, platform, shared, display: watch.display, onEvent }) : undefined;
  await using client = await connectBuilder(checked.builder);
  watch.keepBytes = gcVerdict(
    (await client.workers().catch(() => [])).flatMap((w) => w.gcPolicy),
    Infinity,
  ).keepsBytes;
  const result = await client.solve({
    ...shared,
    dockerfileText: model.dockerfile,
    ...(options.target !== undefined && { target: options.target }),
    // The target's platform: the stages with no platform of their own (toolchain, system) run on
    // it; host and iso-builder say --platform=$BUILDPLATFORM.
    platforms: [platform],
    ...(last && { namedContexts: { ...shared.namedContexts, ...last.namedContexts } }),
    cacheExports: checked.cache.cacheExports,
    exports: [...(run.exportDir === undefined ? [] : [{ type: "local", dest: run.exportDir } as ExportSpec]), ...run.exportPlan.exports],
    ...(last ? last.solve : { progress: watch.display, onEvent: onEvent(undefined) }),
  });
  await last?.done();
  return result;
}

function reportTitle(checked: CheckedBuild): string {
  const o = checked.model.options;
  return `LFS ${o.release} ${o.init} ${o.arch.name}: build report`;
}

/** The exported files moved into place, the other outputs finished, the metadata and the report written. */
async function succeeded(run: BuildRun, result: SolveResult): Promise<BuildResult> {
  const { options, checked } = run;
  const files = checked.output !== undefined && run.exportDir !== undefined ? moveIntoPlace(run.exportDir, checked.output, options.force === true) : [];
  const finished = await run.exportPlan.finish(result.exporterResponse);
  const metadataFile = checked.metadataFile;
  if (metadataFile)
    writeMetadataFile(metadataFile, {
      exporterResponse: result.exporterResponse,
      buildRef: buildxBuildRef(checked.builder, result.ref),
      extra: finished.metadata,
    });
  const report = { ...run.watch.report(), outcome: { status: "succeeded" as const } };
  if (report.sbuSeconds) rememberSbu(run.builderKey, report.sbuSeconds);
  return {
    files: [...files, ...finished.files],
    images: finished.images,
    builder: checked.builder,
    ...(metadataFile && { metadataFile }),
    report,
    ...writeReport(checked.reportDir, report, reportTitle(checked)),
  };
}

/** The error to throw, told in the book's words; the report of a failed or cancelled build written all the same. */
async function failed(run: BuildRun, caught: unknown): Promise<unknown> {
  const { checked, watch } = run;
  if (checked.split) await Promise.resolve(watch.display.done(caught)).catch(() => {});
  run.exportPlan.abort();
  if (run.staging !== undefined) rmSync(run.staging, { recursive: true, force: true }); // before the free space is measured
  if (caught instanceof DaemonLostError) watch.markInterrupted(caught.running);
  const err =
    caught instanceof DaemonLostError ? daemonLost(caught, checked.model) : (diskFull(caught, checked.output ?? fileOutputDirs(checked.outputs)[0]) ?? caught);
  const report = { ...watch.report(), outcome: failureOutcome(err, checked.model, run.options.signal?.aborted === true) };
  try {
    writeReport(checked.reportDir, report, reportTitle(checked));
  } catch {
    /* the build's own error says more */
  }
  return err;
}
