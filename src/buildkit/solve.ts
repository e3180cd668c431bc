/**
 * A build as one or more solves (./solve-round.ts: the session, Solve call, Status stream and outcome
 * watcher of one Solve): the options checked, the Dockerfile, local directories, cache stores and
 * export targets prepared first; the targets committed (renamed into place) only when every solve
 * of the build succeeded, and aborted otherwise.
 */
import { rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import createDebug from "debug";

import { makeOwnedDir } from "../fs/owned-dir.js";
import { closeCacheStores, finishCacheExports, resolveCache, type ResolvedCache } from "./cache.js";
import { BuildKitError } from "./errors.js";
import { DirTarget, StreamTarget, type ExportTarget } from "./session/targets.js";
import { buildSolveRequest, localLayout, validateExports, type LocalLayout } from "./solve-request.js";
import { SolveRound, newRef } from "./solve-round.js";
import type { ExportSpec, SolveOptions, SolveResult } from "./types.js";
import type { SolveContext } from "./solve-context.js";

export type { SolveContext } from "./solve-context.js";
export { solveError } from "./solve-error.js";
export { SOLVE_ANSWER_GRACE_MS, newRef } from "./solve-round.js";

const debug = createDebug("lfs-docker:buildkit");

/** What runSolve prepared, as far as it got: released or committed at the end. */
interface Prepared {
  dfDir?: string;
  layout?: LocalLayout;
  cache?: ResolvedCache;
  targets: Array<ExportTarget | undefined>;
}

async function assertDir(p: string, what: string): Promise<void> {
  try {
    const st = await stat(p);
    if (!st.isDirectory()) throw new BuildKitError("INVALID_OPTIONS", `${what} ${p} is not a directory`);
  } catch (err) {
    if (err instanceof BuildKitError) throw err;
    throw new BuildKitError("INVALID_OPTIONS", `${what} ${p} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function targetFor(spec: NonNullable<SolveOptions["exports"]>[number]): ExportTarget | undefined {
  if (spec.type === "local") {
    const s = spec as { dest: string; overwrite?: boolean; allowSetid?: boolean };
    return new DirTarget(s.dest, { overwrite: s.overwrite ?? false, allowSetid: s.allowSetid ?? false });
  }
  if (spec.dest !== undefined) return new StreamTarget(spec.dest, { overwrite: spec.overwrite ?? false });
  return undefined;
}

function describeExport(spec: ExportSpec, i: number): string {
  const dest = typeof spec.dest === "string" ? ` to ${spec.dest}` : "";
  return `export ${i} (${spec.type}${dest})`;
}

/**
 * Runs a solve: every export target is prepared first and committed (renamed into place) only
 * when every solve of the build succeeded. Usually that is one solve; a daemon that takes one
 * exporter per solve gets one solve per export.
 */
export async function runSolve(ctx: SolveContext, opts: SolveOptions): Promise<SolveResult> {
  if (!opts || typeof opts.context !== "string") throw new BuildKitError("INVALID_OPTIONS", "solve: context directory is required");
  const exports = opts.exports ?? [];
  validateExports(exports);
  opts.signal?.throwIfAborted();

  const prepared: Prepared = { targets: [] };
  let started = false;
  try {
    const { cache, layout } = await prepare(opts, exports, prepared);
    started = true;
    const results = await solveRounds(ctx, opts, exports, { cache, layout, targets: prepared.targets });
    await finishCacheExports(cache, results[0]!.exporterResponse);
    for (const t of prepared.targets) await t?.commit();
    await opts.progress?.done();
    return mergeResults(results);
  } catch (err) {
    await Promise.all(prepared.targets.map((t) => t?.abort().catch(() => {})));
    if (!started) throw err;
    let e = err instanceof BuildKitError ? err : new BuildKitError("EXPORT", `export failed: ${(err as Error).message}`, { cause: err });
    if (ctx.explain && prepared.layout) e = await ctx.explain(e, opts, prepared.layout).catch(() => e);
    await Promise.resolve(opts.progress?.done(e)).catch(() => {});
    throw e;
  } finally {
    await closeCacheStores(prepared.cache);
    if (prepared.dfDir) await rm(prepared.dfDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** The cache entries, the Dockerfile, the local directories and the export targets, recorded in `p` as they are made. */
async function prepare(opts: SolveOptions, exports: ExportSpec[], p: Prepared): Promise<{ cache: ResolvedCache; layout: LocalLayout }> {
  const cache = (p.cache = await resolveCache(opts));
  for (const w of cache.warnings) (opts.onWarning ?? ((m: string) => debug("warning: %s", m)))(w);
  if (opts.dockerfileText !== undefined) {
    p.dfDir = await makeOwnedDir(tmpdir(), "lfs-docker-df-", "the Dockerfile of a build");
    await writeFile(join(p.dfDir, "Dockerfile"), opts.dockerfileText, { mode: 0o600 });
  }
  const layout = (p.layout = localLayout(opts, p.dfDir));
  for (const [name, dir] of Object.entries(layout.localDirs)) await assertDir(dir, name === "context" ? "build context" : `local dir ${name}`);
  for (const spec of exports) {
    const t = targetFor(spec);
    if (t) {
      try {
        await t.prepare();
      } catch (err) {
        throw new BuildKitError("INVALID_OPTIONS", `export ${spec.type}: ${(err as Error).message}`, { cause: err });
      }
    }
    p.targets.push(t);
  }
  return { cache, layout };
}

/** One solve for all exports, or one per export on a daemon that takes one exporter per solve. */
async function solveRounds(
  ctx: SolveContext,
  opts: SolveOptions,
  exports: ExportSpec[],
  p: { cache: ResolvedCache; layout: LocalLayout; targets: Array<ExportTarget | undefined> },
): Promise<SolveResult[]> {
  const { cache, layout, targets } = p;
  const all = exports.map((_, i) => i);
  const rounds = ctx.oneExportPerSolve && exports.length > 1 ? all.map((i) => [i]) : [all];
  const baseRef = opts.ref ?? newRef();
  const results: SolveResult[] = [];
  for (const [r, round] of rounds.entries()) {
    if (r > 0) debug("one exporter per solve on this daemon: solving again for %s", describeExport(exports[round[0]!]!, round[0]!));
    // The cache is exported once, by the first solve; every solve may import it.
    const roundOpts: SolveOptions = {
      ...opts,
      exports: round.map((i) => exports[i]!),
      ref: r === 0 ? baseRef : `${baseRef}-${r}`,
      cacheExports: r === 0 ? cache.exports : [],
      cacheImports: cache.imports,
    };
    const solve = new SolveRound(
      ctx,
      roundOpts,
      { localDirs: layout.localDirs, contentStores: cache.stores },
      round.map((i) => ({ target: targets[i], what: describeExport(exports[i]!, i) })),
    );
    results.push(await solve.run((sessionId, ref) => buildSolveRequest(roundOpts, layout, { ref, session: sessionId }, ctx.dockerEngine)));
  }
  return results;
}

function mergeResults(results: SolveResult[]): SolveResult {
  const first = results[0]!;
  if (results.length === 1) return first;
  const uploads: SolveResult["uploads"] = {};
  for (const r of results) {
    for (const [name, u] of Object.entries(r.uploads)) {
      const sum = (uploads[name] ??= { entries: 0, files: 0, bytes: 0 });
      sum.entries = Math.max(sum.entries, u.entries);
      sum.files += u.files;
      sum.bytes += u.bytes;
    }
  }
  return {
    ref: first.ref,
    exporterResponse: Object.assign({}, ...results.map((r) => r.exporterResponse)) as Record<string, string>,
    uploads,
    warnings: results.flatMap((r) => r.warnings),
    sessionTransport: first.sessionTransport,
  };
}
