/**
 * The checks of a build's options before anything is built or written: each bad value refused with
 * an OptionError naming the option, the value and what is accepted; the result, what build() runs on.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { resolveBuilder, BuilderNotFoundError, type ResolvedBuilder } from "./buildkit/builders.js";
import type { CacheEntry } from "./buildkit/types.js";
import { exportDirRefusal } from "./buildkit/oci-layout.js";
import { cacheEntries } from "./cache-spec.js";
import { checkReplaceable } from "./fs/safe-write.js";
import { OptionError } from "./errors.js";
import { readBounded } from "./fs/bounded-read.js";
import { assertSourcesVerified } from "./sources/verify.js";
import type { BuildModel } from "./build-plan.js";
import { combineOutputs, type OutputSpec } from "./output-spec.js";
import { archProfile, supportedArchs } from "./arch/profiles.js";
import { planNodes, type NodePlan } from "./node-plan.js";
import { stageGraph } from "./stage-graph.js";
import { checkStageRegistry, nodeBuilders } from "./build-nodes.js";
import type { BuildOptions } from "./build-options.js";

/** Largest root password file accepted. */
const MAX_PASSWORD_FILE = 4096;

function checkDir(option: string, dir: string): void {
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new OptionError(option, dir, "an existing directory");
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
export function outputDir(outputs: readonly OutputSpec[]): string | undefined {
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

export function checkAllow(allow: string[] | undefined): string[] {
  for (const a of allow ?? []) if (!(ENTITLEMENTS as readonly string[]).includes(a)) throw new OptionError("--allow", a, ENTITLEMENTS);
  return [...new Set(allow ?? [])];
}

/** The stage names of a Dockerfile's text (`FROM … AS name`); a build has them in its model's map. */
export function dockerfileStages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]!);
}

export function checkNoCacheFilter(filter: string[] | undefined, model: BuildModel): string[] | undefined {
  if (!filter?.length) return undefined;
  const stages = model.layout.stages.map((s) => s.name);
  for (const f of filter) if (!stages.includes(f)) throw new OptionError("--no-cache-filter", f, stages, "not a stage of the generated Dockerfile");
  return [...new Set(filter)];
}

export function checkMetadataFile(file: string | undefined, force: boolean): string | undefined {
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
export function cacheOptions(options: BuildOptions): { cacheExports: CacheEntry[]; cacheImports: CacheEntry[] } {
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

export async function checkInputs(options: BuildOptions, model: BuildModel): Promise<void> {
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
export function findBuilder(builder: string | undefined, platform: string): ResolvedBuilder {
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
export function splitPlan(
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

/** A build's options, checked: what it builds, where from and where to. */
export interface CheckedBuild {
  model: BuildModel;
  cache: { cacheExports: CacheEntry[]; cacheImports: CacheEntry[] };
  outputs: OutputSpec[];
  /** The local output's directory (absolute), if there is one. */
  output: string | undefined;
  reportDir: string | undefined;
  entitlements: string[];
  noCacheFilter: string[] | undefined;
  metadataFile: string | undefined;
  split: ReturnType<typeof splitPlan>;
  /** The node that builds the target and exports it: the one of its platform (split: the plan's last solve's). */
  builder: ResolvedBuilder;
}

/** Every option of a build checked, in the order a user fixes them, before anything is written or sent. */
export async function checkBuild(options: BuildOptions, model: BuildModel): Promise<CheckedBuild> {
  const platform = model.options.arch.platform;
  const cache = cacheOptions(options);
  const outputs = buildOutputs(options);
  const output = outputDir(outputs);
  checkPlatform(options.platform, platform);
  const entitlements = checkAllow(options.allow);
  const noCacheFilter = checkNoCacheFilter(options.noCacheFilter, model);
  const metadataFile = checkMetadataFile(options.metadataFile, options.force === true);
  await checkInputs(options, model);
  const found = findBuilder(options.builder, platform);
  const split = splitPlan(options, found, model.dockerfile, platform, cache.cacheExports.length > 0);
  return {
    model,
    cache,
    outputs,
    output,
    reportDir: options.reportDir !== undefined ? resolve(options.reportDir) : output,
    entitlements,
    noCacheFilter,
    metadataFile,
    split,
    builder: split ? split.nodes.get(split.plan.solves.at(-1)!.node)! : found,
  };
}
