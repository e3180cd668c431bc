/**
 * build(): generate the Dockerfile, solve it on a BuildKit daemon, export the artifacts into a
 * directory and write the build report beside them.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, statfsSync, lstatSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { buildxBuildRef, resolveBuilder, BuilderNotFoundError, type ResolvedBuilder } from "./buildkit/builders.js";
import { builderEngine, connectBuilder } from "./buildkit/connect-builder.js";
import { dockerConfigCredentials } from "./buildkit/auth.js";
import type { BuildEvent, VertexInfo } from "./buildkit/status.js";
import type { SecretSource } from "./buildkit/types.js";
import type { CacheEntry, ExportSpec } from "./buildkit/types.js";
import { exportDirRefusal } from "./buildkit/oci-layout.js";
import { cacheEntries } from "./cache-spec.js";
import { checkReplaceable } from "./fs/safe-write.js";
import { OptionError } from "./errors.js";
import { readBounded } from "./fs/bounded-read.js";
import { fileKind, sweepSafeWriteTemps, writeFileSafe } from "./fs/safe-write.js";
import { makeOwnedDir, sweepLeftovers, TEMP_NAME, type Leftover } from "./fs/owned-dir.js";
import { resolveOptions, type GenerateOptions } from "./options.js";
import { loadBookDir } from "./book/load.js";
import type { SourceFile } from "./book/types.js";
import { assertSourcesVerified } from "./sources/verify.js";
import { createProgressDisplay, type ProgressMode } from "./progress/index.js";
import { buildReport, formatReport, type BuildOutcome, type BuildReport } from "./report/build-report.js";
import { renderHtmlReport } from "./report/html.js";
import { buildModel, describeStep, sourcesUsed, type BuildModel, type BuildPlan } from "./build-plan.js";
import { EvictionWatch } from "./eviction-watch.js";
import { gcVerdict } from "./buildkit/gc-policy.js";
import { BuildKitError, DaemonLostError, SolveError } from "./buildkit/errors.js";
import { ExportSpaceError } from "./buildkit/session/targets.js";
import { TimeLeft } from "./progress/estimate.js";
import { stepKey } from "./progress/model.js";
import { rememberedSbu, rememberSbu } from "./sbu-memory.js";
import { sectionEvents, type SectionEvent } from "./section-events.js";
import { combineOutputs, type OutputSpec } from "./output-spec.js";
import { planExports } from "./exports/plan.js";
import { writeMetadataFile } from "./exports/metadata.js";
import { archProfile, supportedArchs } from "./arch/profiles.js";
import { planNodes, type NodePlan } from "./node-plan.js";
import { stageGraph } from "./stage-graph.js";
import { checkStageRegistry, nodeBuilders, upToLastSolve, type SharedSolve } from "./build-nodes.js";
import { formatMiB } from "./text/bytes.js";

/** Largest root password file accepted. */
const MAX_PASSWORD_FILE = 4096;

export interface BuildOptions extends GenerateOptions {
  /**
   * Where the result goes, as buildx's `-o` (see output-spec.ts): a directory the artifacts and the
   * report are written to (created when missing), a spec (`type=oci,dest=lfs.oci.tar`,
   * `type=image,name=registry:5000/lfs:12.3,push=true`, `{ type: "cacheonly" }`...), or several.
   * Default: none when `load` or `push` is given, else an error.
   */
  output?: string | OutputSpec | ReadonlyArray<string | OutputSpec>;
  /** buildx's --load: the image (the ISO in a `FROM scratch` image) into the Docker Engine's image store. */
  load?: boolean;
  /** buildx's --push: the image pushed to its registry (needs a name: `tags`, or `type=image,name=…`). */
  push?: boolean;
  /** buildx's --tag: names of the image, oci and docker outputs. */
  tags?: string[];
  /** Directory for build-report.txt/.json/.html (default: the output directory; none with cacheonly). */
  reportDir?: string;
  /** buildx's --metadata-file: the daemon's exporter response and `buildx.build.ref`, as JSON. */
  metadataFile?: string;
  /** Stage to build (default: the Dockerfile's last stage, `iso`). */
  target?: string;
  /**
   * A buildx builder's name (an instance, or a docker context), or a BuildKit address (`unix://`,
   * `tcp://`, `docker://`, `docker-container://NAME`). Default, as buildx: BUILDX_BUILDER, the current
   * builder of `docker buildx use`, then BUILDKIT_HOST, then the engine of the current docker context.
   */
  builder?: string;
  /**
   * With a builder whose nodes have different platforms (`docker buildx create --append --platform
   * ...`): the registry repository (no tag) where a node pushes the stages it built for another
   * (`registry.example:5000/lfs-stages`); every node must reach it. See node-plan.ts. Needed only
   * when the build is split: the target's platform is not the first node's.
   */
  stageRegistry?: string;
  /** buildx's --platform: accepted when it names the platform of `arch` (linux/amd64, linux/arm64). */
  platform?: string | string[];
  /** buildx's --allow: entitlements the build may use (network.host, security.insecure). */
  allow?: string[];
  progress?: ProgressMode;
  /**
   * Directory holding the book's sources, given as the named context `sources` (which replaces the
   * stage that downloads and checks them). The files the build uses are checked here first, against
   * the book's MD5 (and the directory's lock file, if any), unless `verifySources` is false.
   */
  sources?: string;
  /** Check the files of `sources` before the build (default true). */
  verifySources?: boolean;
  noCache?: boolean;
  /**
   * Export the build cache, as buildx's `--cache-to` (repeatable): `type=registry,ref=IMAGE`,
   * `type=local,dest=DIR` (an OCI layout), `type=inline`, another type the builder knows, or a bare
   * IMAGE; strings in buildx's CSV syntax or entries. Exports default to `mode=max`. Docker Engine's
   * own BuildKit exports a cache only with the containerd image store (refused before building).
   */
  cacheTo?: ReadonlyArray<string | CacheEntry>;
  /** Import a build cache, as buildx's `--cache-from` (repeatable): a bare IMAGE, `type=registry,ref=IMAGE`, `type=local,src=DIR`, ... */
  cacheFrom?: ReadonlyArray<string | CacheEntry>;
  /**
   * Something worth knowing that does not stop the build: a cache source with no cache yet, the
   * leftovers of an earlier build that was killed (found in the output, report or temporary directory
   * and removed, or kept and why), a step an earlier build finished being built again (evicted from
   * BuildKit's cache). One message per call.
   */
  onWarning?: (message: string) => void;
  /** buildx's --no-cache-filter: stages built without the cache (the frontend's `no-cache` attribute). */
  noCacheFilter?: string[];
  /** Replace files of the same names already in `output` (and an existing metadata file). */
  force?: boolean;
  /** File holding the root password (the `root_password` secret). */
  rootPasswordFile?: string;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
  /** Book-level events: a section started, was built, came from the cache or failed, with the time left. */
  onSection?: (event: SectionEvent) => void;
  /** Seconds of one SBU on this builder, for the time left before the build measures it (default: the last build's). */
  sbuSeconds?: number;
}

export interface BuildResult {
  /** Paths written: into the output directory, and the tar, OCI and docker outputs. */
  files: string[];
  /** Images stored, loaded or pushed (NAME@DIGEST for a push). */
  images: string[];
  /** The builder that built it. */
  builder: ResolvedBuilder;
  /** What --metadata-file holds, when asked for. */
  metadataFile?: string;
  report: BuildReport;
  /** build-report.txt, when a report directory was given or implied by the output. */
  reportFile?: string;
  /** build-report.html beside it: the same report as a page with a bar per section. */
  htmlReportFile?: string;
}

function checkDir(option: string, dir: string): void {
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new OptionError(option, dir, "an existing directory");
}

/** The source files the generated Dockerfile mounts: those of the sections it has (up to `until`). */
export function buildSources(options: GenerateOptions): SourceFile[] {
  const o = resolveOptions(options);
  return sourcesUsed(loadBookDir(o.bookDir), o);
}

/** The build's outputs, as buildx combines -o, --load, --push and --tag. */
export function buildOutputs(options: Pick<BuildOptions, "output" | "load" | "push" | "tags">): OutputSpec[] {
  const given =
    options.output === undefined
      ? []
      : typeof options.output === "string" || !Array.isArray(options.output)
        ? [options.output as string | OutputSpec]
        : [...(options.output as ReadonlyArray<string | OutputSpec>)];
  if (given.length === 0 && !options.load && !options.push)
    throw new OptionError("output", "none", "a directory, an output spec (type=local, tar, oci, docker, image, cacheonly), load or push");
  return combineOutputs(given, { ...(options.load && { load: true }), ...(options.push && { push: true }), ...(options.tags && { tags: options.tags }) });
}

/** The local output's directory (absolute), if there is one; checked, not created. */
function outputDir(outputs: readonly OutputSpec[]): string | undefined {
  const spec = outputs.find((o) => o.type === "local");
  if (spec === undefined) return undefined;
  const dir = resolve(spec.dest);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OptionError("--output", spec.dest, "a directory (created when missing)");
  return dir;
}

/** --platform names the architecture being built, or the user meant --arch. */
export function checkPlatform(platform: string | string[] | undefined, archPlatform: string): void {
  const list = (typeof platform === "string" ? [platform] : (platform ?? []))
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of list) {
    if (p === archPlatform) continue;
    const arch = supportedArchs().find((a) => archProfile(a).platform === p);
    throw new OptionError(
      "--platform",
      p,
      [archPlatform],
      arch
        ? `lfs-docker builds one architecture at a time: use --arch ${arch}`
        : `the platform of the architecture being built; choose the architecture with --arch (${supportedArchs().join(", ")})`,
    );
  }
}

export const ENTITLEMENTS = ["network.host", "security.insecure"] as const;

function checkAllow(allow: string[] | undefined): string[] {
  for (const a of allow ?? []) if (!(ENTITLEMENTS as readonly string[]).includes(a)) throw new OptionError("--allow", a, ENTITLEMENTS);
  return [...new Set(allow ?? [])];
}

/** The stage names of a Dockerfile's text (`FROM … AS name`); a build has them in its model's map. */
export function dockerfileStages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]!);
}

function checkNoCacheFilter(filter: string[] | undefined, model: BuildModel): string[] | undefined {
  if (!filter?.length) return undefined;
  const stages = model.layout.stages.map((s) => s.name);
  for (const f of filter) if (!stages.includes(f)) throw new OptionError("--no-cache-filter", f, stages, "not a stage of the generated Dockerfile");
  return [...new Set(filter)];
}

function checkMetadataFile(file: string | undefined, force: boolean): string | undefined {
  if (file === undefined) return undefined;
  const path = resolve(file);
  let exists: boolean;
  try {
    exists = checkReplaceable(path);
  } catch (err) {
    throw new OptionError("--metadata-file", file, "a new file, or a regular file to replace with --force", (err as Error).message);
  }
  if (exists && !force) throw new OptionError("--metadata-file", file, "a name not already taken, or --force to replace it", "exists");
  if (!existsSync(dirname(path))) throw new OptionError("--metadata-file", file, "a file in an existing directory");
  return path;
}

/** The cache entries, checked; a local cache export goes only into a new or empty directory or an earlier cache. */
function cacheOptions(options: BuildOptions): { cacheExports: CacheEntry[]; cacheImports: CacheEntry[] } {
  const cacheExports = cacheEntries("--cache-to", options.cacheTo);
  for (const e of cacheExports) {
    const dest = e.type === "local" ? e.attrs?.dest : undefined;
    const refusal = dest === undefined ? undefined : exportDirRefusal(resolve(dest));
    if (refusal)
      throw new OptionError(
        "--cache-to",
        `type=local,dest=${dest}`,
        "a new or empty directory, or one an earlier --cache-to type=local wrote",
        `${resolve(dest!)} is ${refusal}`,
      );
  }
  return { cacheExports, cacheImports: cacheEntries("--cache-from", options.cacheFrom) };
}

async function checkInputs(options: BuildOptions, model: BuildModel): Promise<void> {
  if (options.sources !== undefined) {
    checkDir("--sources", options.sources);
    // The named context replaces the stage that checks the book's MD5 sums: check here instead.
    if (options.verifySources !== false) await assertSourcesVerified(options.sources, model.sources, options.signal ? { signal: options.signal } : {});
  }
  if (options.rootPasswordFile !== undefined) {
    // A regular file of a few bytes: a FIFO or /dev/zero would hang or fill the session's memory.
    try {
      readBounded(options.rootPasswordFile, { maxBytes: MAX_PASSWORD_FILE });
    } catch (err) {
      throw new OptionError(
        "--root-password-file",
        options.rootPasswordFile,
        "a readable regular file holding the root password, at most 4 KiB",
        (err as Error).message,
      );
    }
  }
}

/** The builder, or an OptionError naming the builders there are. */
function findBuilder(builder: string | undefined, platform: string): ResolvedBuilder {
  try {
    return resolveBuilder({ ...(builder !== undefined && { builder }), platform });
  } catch (err) {
    if (err instanceof BuilderNotFoundError) {
      throw new OptionError(
        err.source === "--builder" ? "--builder" : err.source,
        err.requested,
        err.available,
        "no such builder instance or docker context; an address (unix://, tcp://, docker://, docker-container://NAME) is accepted too",
      );
    }
    throw err;
  }
}

/**
 * The split of the build across the builder's nodes, when they have different platforms and the
 * target's is not the first node's (node-plan.ts); checked before anything is built.
 */
function splitPlan(
  options: BuildOptions,
  builder: ResolvedBuilder,
  dockerfile: string,
  platform: string,
  cacheTo: boolean,
): { plan: NodePlan; nodes: Map<string, ResolvedBuilder>; registry: string } | undefined {
  if (!builder.nodes) return undefined;
  const plan = planNodes(builder.name, builder.nodes, stageGraph(dockerfile), platform, options.target, options.sources !== undefined ? ["sources"] : []);
  if (!plan) return undefined;
  const where = plan.solves.map((s) => `${s.runs.join(", ") || s.stage} on ${s.node}`).join("; ");
  if (options.stageRegistry === undefined) {
    throw new OptionError(
      "--stage-registry",
      "none",
      "a registry repository every node of the builder reaches, such as registry.example:5000/lfs-stages",
      `builder ${JSON.stringify(builder.name)} splits this build across its nodes (${where}); the stages one node hands to another go through a registry`,
    );
  }
  if (cacheTo)
    throw new OptionError(
      "--cache-to",
      "with a build split across nodes",
      "a build on one node",
      `builder ${JSON.stringify(builder.name)} splits this build (${where}); exporting the cache of a split build is not supported yet`,
    );
  return { plan, nodes: nodeBuilders(plan, builder), registry: checkStageRegistry(options.stageRegistry) };
}

/** What every solve of the build shares: the context, sources, cache imports, secrets, ... */
function sharedSolve(
  options: BuildOptions,
  context: string,
  secrets: Record<string, SecretSource>,
  noCacheFilter: string[] | undefined,
  cacheImports: CacheEntry[],
  entitlements: string[],
): SharedSolve {
  return {
    context,
    ...(options.sources !== undefined && { namedContexts: { sources: resolve(options.sources) } }),
    ...(options.noCache ? { noCache: true } : noCacheFilter && { noCache: noCacheFilter }),
    cacheImports,
    ...(options.onWarning && { onWarning: options.onWarning }),
    ...(entitlements.length > 0 && { entitlements }),
    secrets,
    ...(options.signal && { signal: options.signal }),
  };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  // The options resolved once (every generate option checked before anything is written or sent),
  // the Dockerfile and the map of its steps: what everything below reads.
  const model = buildModel(options);
  const { dockerfile, options: resolved } = model;
  const cache = cacheOptions(options);
  const outputs = buildOutputs(options);
  const output = outputDir(outputs);
  const reportDir = options.reportDir !== undefined ? resolve(options.reportDir) : output;
  checkPlatform(options.platform, resolved.arch.platform);
  const entitlements = checkAllow(options.allow);
  const noCacheFilter = checkNoCacheFilter(options.noCacheFilter, model);
  const metadataFile = checkMetadataFile(options.metadataFile, options.force === true);
  await checkInputs(options, model);
  const found = findBuilder(options.builder, resolved.arch.platform);
  const split = splitPlan(options, found, dockerfile, resolved.arch.platform, cache.cacheExports.length > 0);
  // The node that builds the target and exports it: the one of its platform (split: the plan's last solve's).
  const builder = split ? split.nodes.get(split.plan.solves.at(-1)!.node)! : found;
  for (const dir of [output, reportDir]) if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const exportPlan = planExports(outputs, {
    dockerEngine: builder.address.startsWith("docker://"),
    engine: () => builderEngine(builder),
    credentials: dockerConfigCredentials(),
    force: options.force === true,
  });
  await removeLeftovers(options, outputs, output, reportDir);

  const builderKey = builder.source === "default" ? "docker" : builder.name;
  const timeLeft = new TimeLeft(model.steps, options.sbuSeconds ?? rememberedSbu(builderKey));
  const onSection = sectionEvents(model, timeLeft, (e) => options.onSection?.(e));
  // The export goes into a fresh directory inside `output`, marked as this process's (so that what a
  // killed build leaves is found and removed by the next one); its files are moved into place only
  // when the build succeeded, and never over the user's files unless forced.
  let staging: string | undefined;
  if (output !== undefined) staging = await makeOwnedDir(output, ".lfs-docker-staging-", "the export of a build, before its files are moved into place");
  const exportDir = staging === undefined ? undefined : join(staging, "export");
  // Empty: the generated Dockerfile reads nothing from its context (BuildKit sends it only .dockerignore).
  const context = await makeOwnedDir(tmpdir(), "lfs-docker-context-", "the (empty) build context of a build");
  const vertices = new Map<string, VertexInfo>();
  const secrets: Record<string, SecretSource> = {};
  if (options.rootPasswordFile) secrets.root_password = { file: resolve(options.rootPasswordFile) };
  // Less a few seconds: the daemon's clock may differ a little from ours.
  const solveStarted = new Date(Date.now() - 10_000);
  const report = () => buildReport(model.steps, [...vertices.values()], model.sbuSection, solveStarted, model.bookSbu);
  const title = `LFS ${resolved.release} ${resolved.init} ${resolved.arch.name}: build report`;
  // What a builder's cache held is remembered per node when the build is split across nodes.
  const nodeKeys = split ? [...split.nodes.keys()] : [undefined];
  const evictions = new Map(
    nodeKeys.map((n) => [
      n,
      new EvictionWatch(
        model,
        dockerfile,
        resolved.arch.platform,
        n === undefined ? builderKey : `${builderKey}/${n}`,
        (m) => options.onWarning?.(m),
        options.noCache === true,
      ),
    ]),
  );
  const onBuildEvent = (node: string | undefined) => (e: BuildEvent) => {
    if (e.type === "vertex-completed" || e.type === "vertex-cached" || e.type === "vertex-error") vertices.set(e.vertex.digest + (node ?? ""), e.vertex);
    else if (e.type === "vertex-started" && !vertices.has(e.vertex.digest + (node ?? ""))) vertices.set(e.vertex.digest + (node ?? ""), e.vertex);
    onSection(e);
    evictions.get(node)?.onEvent(e);
    options.onEvent?.(e);
  };
  const display = createProgressDisplay(options.progress ?? "auto", { timeLeft, steps: model.steps });
  const shared = sharedSolve(options, context, secrets, noCacheFilter, cache.cacheImports, entitlements);
  try {
    // A split build: the other nodes' parts first; the last solve takes what they pushed.
    const last = split ? await upToLastSolve({ ...split, dockerfile, platform: resolved.arch.platform, shared, display, onEvent: onBuildEvent }) : undefined;
    await using client = await connectBuilder(builder);
    const keepBytes = gcVerdict(
      (await client.workers().catch(() => [])).flatMap((w) => w.gcPolicy),
      Infinity,
    ).keepsBytes;
    for (const w of evictions.values()) w.keepBytes = keepBytes;
    const result = await client.solve({
      ...shared,
      dockerfileText: dockerfile,
      ...(options.target !== undefined && { target: options.target }),
      // The target's platform: the stages with no platform of their own (toolchain, system) run on
      // it; host and iso-builder say --platform=$BUILDPLATFORM.
      platforms: [resolved.arch.platform],
      ...(last && { namedContexts: { ...shared.namedContexts, ...last.namedContexts } }),
      cacheExports: cache.cacheExports,
      exports: [...(exportDir === undefined ? [] : [{ type: "local", dest: exportDir } as ExportSpec]), ...exportPlan.exports],
      ...(last ? last.solve : { progress: display, onEvent: onBuildEvent(undefined) }),
    });
    await last?.done();
    const files = output !== undefined && exportDir !== undefined ? moveIntoPlace(exportDir, output, options.force === true) : [];
    const finished = await exportPlan.finish(result.exporterResponse);
    if (metadataFile)
      writeMetadataFile(metadataFile, { exporterResponse: result.exporterResponse, buildRef: buildxBuildRef(builder, result.ref), extra: finished.metadata });
    const r = { ...report(), outcome: { status: "succeeded" as const } };
    if (r.sbuSeconds) rememberSbu(builderKey, r.sbuSeconds);
    return {
      files: [...files, ...finished.files],
      images: finished.images,
      builder,
      ...(metadataFile && { metadataFile }),
      report: r,
      ...writeReport(reportDir, r, title),
    };
  } catch (caught) {
    if (split) await Promise.resolve(display.done(caught)).catch(() => {});
    exportPlan.abort();
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true }); // before the free space is measured
    const err = caught instanceof DaemonLostError ? daemonLost(caught, model, vertices) : (diskFull(caught, output ?? fileOutputDirs(outputs)[0]) ?? caught);
    // The report of a failed or cancelled build is the one most needed: written all the same.
    const r = { ...report(), outcome: failureOutcome(err, model, options.signal?.aborted === true) };
    try {
      writeReport(reportDir, r, title);
    } catch {
      /* the build's own error says more */
    }
    throw err;
  } finally {
    for (const w of evictions.values()) w.finish();
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
  }
}

const REPORT_FILES = ["build-report.txt", "build-report.json", "build-report.html"];

/**
 * Before a build writes anything: remove what an earlier build that was killed left where this one
 * writes (its marked staging and partial directories, its half-written reports), and say so.
 */
async function removeLeftovers(
  options: BuildOptions,
  outputs: readonly OutputSpec[],
  output: string | undefined,
  reportDir: string | undefined,
): Promise<void> {
  const dirs = [...new Set([output, reportDir, ...fileOutputDirs(outputs)].filter((d): d is string => d !== undefined))];
  const found: Leftover[] = [];
  for (const dir of dirs) found.push(...(await sweepLeftovers(dir)));
  const temps = reportDir === undefined ? [] : sweepSafeWriteTemps(reportDir, REPORT_FILES);
  const mib = (n: number) => formatMiB(n, { gib: false });
  // The system's temporary directory: what killed builds left there, in one line (those of builds
  // still running are theirs, and not mentioned).
  const gone = (await sweepLeftovers(tmpdir(), TEMP_NAME)).filter((l) => l.removed);
  if (gone.length > 0) {
    const pids = [...new Set(gone.map((l) => l.owner.pid))].join(", ");
    options.onWarning?.(
      `removed ${gone.length} temporary ${gone.length === 1 ? "directory" : "directories"} of killed builds from ${tmpdir()} (${mib(gone.reduce((n, l) => n + l.bytes, 0))}; lfs-docker pid ${pids})`,
    );
  }
  for (const l of found) {
    const who = `lfs-docker pid ${l.owner.pid}, started ${l.owner.created}`;
    options.onWarning?.(
      l.removed
        ? `removed ${l.path} (${mib(l.bytes)}): ${l.owner.purpose}, left by a build that was killed (${who})`
        : `left ${l.path} alone (${mib(l.bytes)}): ${l.owner.purpose} of another build (${who}; ${l.kept})`,
    );
  }
  for (const t of temps) options.onWarning?.(`removed ${t}: a half-written report of a build that was killed`);
}

/** The build report, written as new files renamed into place: never through a link planted there. */
function writeReport(dir: string | undefined, report: BuildReport, title: string): { reportFile?: string; htmlReportFile?: string } {
  if (dir === undefined) return {};
  const reportFile = join(dir, "build-report.txt");
  writeFileSafe(reportFile, formatReport(report));
  writeFileSafe(join(dir, "build-report.json"), JSON.stringify(report, null, 1) + "\n");
  const htmlReportFile = join(dir, "build-report.html");
  writeFileSafe(htmlReportFile, renderHtmlReport(report, { title }));
  return { reportFile, htmlReportFile };
}

/** The directories the outputs that go to a file (tar, oci, docker) or an OCI layout directory are written beside. */
function fileOutputDirs(outputs: readonly OutputSpec[]): string[] {
  return outputs.flatMap((o) => (o.type !== "local" && "dest" in o && o.dest !== undefined && o.dest !== "-" ? [dirname(resolve(o.dest))] : []));
}

/** The first error in a chain of causes that is an ExportSpaceError. */
function spaceError(err: unknown): ExportSpaceError | undefined {
  for (let e = err; e instanceof Error; e = (e as { cause?: unknown }).cause) if (e instanceof ExportSpaceError) return e;
  return undefined;
}

/**
 * The output's disk filled up during the export: said of the directory the user gave, with what was
 * written, what is free now (the partial export is gone by then) and what to do. Undefined otherwise.
 */
function diskFull(err: unknown, dir: string | undefined): BuildKitError | undefined {
  const e = spaceError(err);
  if (!e || dir === undefined) return undefined;
  const mib = (n: number) => formatMiB(n, { gib: false });
  let free = "";
  try {
    const s = statfsSync(dir);
    free = `, ${mib(s.bavail * s.bsize)} free there now`;
  } catch {
    /* unknown */
  }
  return new BuildKitError(
    "EXPORT",
    `no space left in the output directory ${dir} (${e.code}): the export stopped after ${mib(e.bytes)} had come in${free}; nothing of it was kept (its staging directory is removed). ` +
      "Free some space there, or give another directory with -o; the build itself is in BuildKit's cache, so running the same command again only exports",
    { cause: e.cause },
  );
}

/**
 * The daemon went away mid-build: the steps that were running are marked as failed (for the report),
 * and the message says, in the book's words, what was running and how to resume.
 */
function daemonLost(err: DaemonLostError, plan: BuildPlan, vertices: Map<string, VertexInfo>): DaemonLostError {
  for (const v of vertices.values()) {
    if (err.running.includes(v.name) && !v.completed && !v.error)
      vertices.set(v.digest, { ...v, error: "interrupted: the connection to the BuildKit daemon was lost" });
  }
  const steps = err.running.map((name) => describeStep(plan, name));
  const during = steps.length === 0 ? "" : ` while ${steps.join(", ")} ${steps.length === 1 ? "was" : "were"} running`;
  const why = err.cause instanceof Error ? err.cause.message : (err.details ?? "connection lost");
  const message =
    `lost the BuildKit daemon${err.daemon ? ` (${err.daemon})` : ""}${during} (${why}); ` +
    "every section that finished before is in the daemon's cache, unless the daemon lost its state: once it runs again, run the same command to resume";
  return new DaemonLostError(message, {
    cause: err.cause,
    ...(err.grpcCode !== undefined && { grpcCode: err.grpcCode }),
    ...(err.details !== undefined && { details: err.details }),
    ...(err.daemon !== undefined && { daemon: err.daemon }),
    running: err.running,
  });
}

/** How a build that threw ended: the failing step with its section, exit code and log tail. */
function failureOutcome(err: unknown, plan: BuildPlan, cancelled: boolean): BuildOutcome {
  const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
  const next = "to resume: run the same command again; every section that finished comes from BuildKit's cache";
  if (cancelled) return { status: "cancelled", message, next };
  const vertex = err instanceof SolveError ? err.vertex : err instanceof DaemonLostError ? err.running[0] : undefined;
  if (vertex === undefined) return { status: "failed", message, next };
  const key = stepKey(vertex);
  const step = plan.steps.find((s) => s.key === key);
  return {
    status: "failed",
    message,
    failed: {
      step: vertex,
      ...(step?.section !== undefined && { section: step.section }),
      ...(step && { title: step.title }),
      ...(err instanceof SolveError && err.exitCode !== undefined && { exitCode: err.exitCode }),
      logTail: err instanceof SolveError ? err.logTail.slice(-30) : [],
    },
    next,
  };
}

/** Move the exported files from staging into the output directory; never over a file unless forced. */
export function moveIntoPlace(staging: string, output: string, force: boolean): string[] {
  const files: string[] = [];
  for (const name of readdirSync(staging)) {
    const dest = join(output, name);
    const existing = lstatOrUndefined(dest);
    if (existing) {
      if (!force) throw new OptionError("--output", dest, "a name not already taken, or --force to replace it", "exists");
      // --force replaces a regular file only, never a link, a directory or a device.
      if (!existing.isFile())
        throw new OptionError("--output", dest, "a name not already taken, or a regular file to replace with --force", `it is ${fileKind(existing)}`);
    }
    renameSync(join(staging, name), dest);
    files.push(dest);
  }
  return files;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
