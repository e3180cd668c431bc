/**
 * A solve's cache exports and imports, resolved before it starts and finished after it ends (what
 * buildkit's client/solve.go does in parseCacheOptions and after the solve):
 * - `local` entries get absolute paths, and a content store each in the session, by id `local:` +
 *   that path (the daemon derives the same id from the entry's `dest` or `src`);
 * - a `local` import names the cache's manifest by digest, read from the directory's index.json (tag
 *   `latest`, or its `tag` attribute); a directory with no cache yet is skipped with a warning, so that
 *   the first build of `--cache-from type=local,src=D --cache-to type=local,dest=D` works;
 * - a `local` export may only go into a new or empty directory or an earlier cache (an OCI layout),
 *   and its index.json is written once the build is done, from the daemon's `cache.manifest` answer.
 * Other types (`registry`, `inline`, `gha`, ...) go to the daemon as given.
 */
import { resolve } from "node:path";

import { BuildKitError } from "./errors.js";
import { exportDirRefusal, putIndex, readIndex, taggedManifest, type OciDescriptor } from "./oci-layout.js";
import { ContentStoreError, OciContentStore } from "./session/content-store.js";
import type { CacheEntry } from "./types.js";

/** The exporter answer holding the exported cache's manifest descriptor (JSON). */
export const CACHE_MANIFEST_KEY = "cache.manifest";

export interface ResolvedCache {
  exports: CacheEntry[];
  imports: CacheEntry[];
  /** Content stores the session serves, by id. */
  stores: Map<string, OciContentStore>;
  /** Local exports: the directories whose index.json gets the new cache, and the tag. */
  indexes: Array<{ dir: string; tag: string }>;
  /** Imports left out (no cache there yet, ...), in words. */
  warnings: string[];
}

const invalid = (msg: string): BuildKitError => new BuildKitError("INVALID_OPTIONS", msg);

function checkEntry(e: CacheEntry, what: string): Record<string, string> {
  if (!e || typeof e.type !== "string" || !/^[a-z][a-z0-9_-]*$/.test(e.type)) throw invalid(`${what}: type must be a word such as registry, local or inline`);
  const attrs = { ...(e.attrs ?? {}) };
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v !== "string") throw invalid(`${what} (${e.type}): attribute ${JSON.stringify(k)} must be a string`);
  }
  if (e.type === "registry" && !attrs["ref"]) throw invalid(`${what} (registry): ref is required`);
  return attrs;
}

function storeFor(stores: Map<string, OciContentStore>, dir: string, writable: boolean): string {
  const id = `local:${dir}`;
  const existing = stores.get(id);
  // One directory as both source and destination: one store, written to.
  if (!existing || (writable && !existing.writable)) stores.set(id, new OciContentStore(dir, writable || (existing?.writable ?? false)));
  return id;
}

async function resolveExport(e: CacheEntry, i: number, out: ResolvedCache): Promise<void> {
  const what = `cache export ${i}`;
  const attrs = checkEntry(e, what);
  if (e.type === "local") {
    if (!attrs["dest"]) throw invalid(`${what} (local): dest must be a directory path`);
    const dir = resolve(attrs["dest"]);
    const refusal = exportDirRefusal(dir);
    if (refusal) throw invalid(`${what} (local): ${dir} is ${refusal}; accepted: a new or empty directory, or an earlier cache`);
    attrs["dest"] = dir;
    storeFor(out.stores, dir, true);
    out.indexes.push({ dir, tag: attrs["tag"] || "latest" });
  }
  out.exports.push({ type: e.type, attrs });
}

async function resolveImport(e: CacheEntry, i: number, out: ResolvedCache): Promise<void> {
  const what = `cache import ${i}`;
  const attrs = checkEntry(e, what);
  if (e.type === "local") {
    if (!attrs["src"]) throw invalid(`${what} (local): src must be a directory path`);
    const dir = resolve(attrs["src"]);
    const skip = (why: string): void => void out.warnings.push(`cache import from ${dir} skipped: ${why}`);
    let digest = attrs["digest"];
    if (!digest) {
      let desc: OciDescriptor | undefined;
      try {
        const index = readIndex(dir);
        if (!index) return skip("no cache there yet (no index.json)");
        desc = taggedManifest(index, attrs["tag"] || "latest");
      } catch (err) {
        return skip((err as Error).message);
      }
      if (!desc) return skip(`its index.json has no cache tagged ${JSON.stringify(attrs["tag"] || "latest")}`);
      digest = desc.digest;
    }
    const store = new OciContentStore(dir, false);
    try {
      await store.prepare();
      await store.info(digest);
    } catch (err) {
      return skip(err instanceof ContentStoreError ? err.message : String(err));
    }
    attrs["src"] = dir;
    attrs["digest"] = digest;
    storeFor(out.stores, dir, false);
  }
  out.imports.push({ type: e.type, attrs });
}

/** Resolves the solve's cache entries (see the file's comment); local export directories are created. */
export async function resolveCache(opts: {
  cacheExports?: readonly CacheEntry[] | undefined;
  cacheImports?: readonly CacheEntry[] | undefined;
}): Promise<ResolvedCache> {
  const out: ResolvedCache = { exports: [], imports: [], stores: new Map(), indexes: [], warnings: [] };
  for (const [i, e] of (opts.cacheExports ?? []).entries()) await resolveExport(e, i, out);
  for (const [i, e] of (opts.cacheImports ?? []).entries()) await resolveImport(e, i, out);
  for (const store of out.stores.values()) {
    try {
      await store.prepare();
    } catch (err) {
      throw invalid(`cache directory ${store.dir}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** After a successful solve: tags the exported cache in each local export's index.json. */
export async function finishCacheExports(cache: ResolvedCache, exporterResponse: Record<string, string>): Promise<void> {
  if (cache.indexes.length === 0) return;
  const raw = exporterResponse[CACHE_MANIFEST_KEY];
  if (!raw)
    throw new BuildKitError(
      "EXPORT",
      `the daemon reported no cache manifest (${CACHE_MANIFEST_KEY}) for the cache export to ${cache.indexes.map((x) => x.dir).join(", ")}`,
    );
  let desc: OciDescriptor;
  try {
    desc = JSON.parse(raw) as OciDescriptor;
  } catch (err) {
    throw new BuildKitError("EXPORT", `the daemon's ${CACHE_MANIFEST_KEY} answer is not JSON: ${(err as Error).message}`, { cause: err });
  }
  for (const { dir, tag } of cache.indexes) {
    const store = cache.stores.get(`local:${dir}`)!;
    try {
      const info = await store.info(desc.digest);
      if (typeof desc.size === "number" && info.size !== desc.size) throw new Error(`${desc.digest} is ${info.size} bytes, the daemon says ${desc.size}`);
      putIndex(dir, desc, tag);
    } catch (err) {
      throw new BuildKitError("EXPORT", `cache export to ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Ends unfinished writes of the stores (after the solve, either way). */
export async function closeCacheStores(cache: ResolvedCache | undefined): Promise<void> {
  await Promise.all([...(cache?.stores.values() ?? [])].map((s) => s.close().catch(() => undefined)));
}
