/**
 * Builds the SolveRequest for a Dockerfile build (pure; unit-tested without a daemon).
 */
import { basename, dirname, resolve } from "node:path";

import { BuildKitError } from "./errors.js";
import type { CacheEntry, ExportSpec, SolveOptions } from "./types.js";
import type { WireCacheOptionsEntry, WireExporter, WireSolveRequest } from "./wire/types.js";

export const DOCKERFILE_FRONTEND = "dockerfile.v0";

/** Values of named contexts that already name a source rather than a local directory. */
const SOURCE_REF = /^(?:[a-z][a-z0-9+.-]*:\/\/|target:)/;

export interface LocalLayout {
  /** Local dir name → path. */
  localDirs: Record<string, string>;
  /** Dockerfile name within the `dockerfile` local. */
  filename: string;
}

/**
 * Decides which local dirs the session serves. `dockerfileTextDir` is where the caller wrote
 * `dockerfileText` (as `Dockerfile`), when given.
 */
export function localLayout(opts: SolveOptions, dockerfileTextDir?: string): LocalLayout {
  const context = resolve(opts.context);
  const localDirs: Record<string, string> = { context };
  let filename = "Dockerfile";
  if (opts.dockerfileText !== undefined) {
    if (!dockerfileTextDir) throw new BuildKitError("INVALID_OPTIONS", "dockerfileText needs a directory to be written to");
    localDirs["dockerfile"] = dockerfileTextDir;
  } else if (opts.dockerfile !== undefined) {
    const p = resolve(opts.dockerfile);
    localDirs["dockerfile"] = dirname(p);
    filename = basename(p);
  } else {
    localDirs["dockerfile"] = context;
  }
  for (const [name, value] of Object.entries(opts.namedContexts ?? {})) {
    if (SOURCE_REF.test(value)) continue;
    if (name === "context" || name === "dockerfile") {
      throw new BuildKitError("INVALID_OPTIONS", `named context ${JSON.stringify(name)} clashes with a reserved local name`);
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_./-]*$/.test(name)) {
      throw new BuildKitError("INVALID_OPTIONS", `invalid named context ${JSON.stringify(name)}`);
    }
    localDirs[name] = resolve(value);
  }
  return { localDirs, filename };
}

export function frontendAttrs(opts: SolveOptions, layout: LocalLayout): Record<string, string> {
  const attrs: Record<string, string> = { filename: layout.filename };
  if (opts.target) attrs["target"] = opts.target;
  const platforms = typeof opts.platforms === "string" ? [opts.platforms] : (opts.platforms ?? []);
  if (platforms.length > 0) attrs["platform"] = platforms.join(",");
  for (const [k, v] of Object.entries(opts.buildArgs ?? {})) attrs[`build-arg:${k}`] = v;
  for (const [k, v] of Object.entries(opts.labels ?? {})) attrs[`label:${k}`] = v;
  if (opts.noCache === true) attrs["no-cache"] = "";
  else if (Array.isArray(opts.noCache) && opts.noCache.length > 0) attrs["no-cache"] = opts.noCache.join(",");
  for (const [name, value] of Object.entries(opts.namedContexts ?? {})) {
    attrs[`context:${name}`] = SOURCE_REF.test(value) ? value : `local:${name}`;
  }
  if (opts.cacheImports?.length) {
    attrs["cache-imports"] = JSON.stringify(opts.cacheImports.map((c) => ({ Type: c.type, Attrs: c.attrs ?? {} })));
  }
  return { ...attrs, ...(opts.frontendAttrs ?? {}) };
}

/**
 * Daemon exporter name for an export type on this kind of daemon. Docker Engine's BuildKit puts
 * images into the engine's store with its own `moby` exporter: `image`, and `docker` without a
 * destination (buildx's --load), go there; a `docker` tar with a destination stays `docker`.
 */
export function exporterType(spec: ExportSpec, dockerEngine: boolean): string {
  if (dockerEngine && (spec.type === "image" || (spec.type === "docker" && spec.dest === undefined))) return "moby";
  return spec.type;
}

export function exportersFor(exports: readonly ExportSpec[], dockerEngine: boolean): WireExporter[] {
  return exports.map((e) => ({ Type: exporterType(e, dockerEngine), Attrs: { ...(e.attrs ?? {}) } }));
}

function cacheEntries(entries: readonly CacheEntry[] | undefined): WireCacheOptionsEntry[] {
  return (entries ?? []).map((c) => ({ Type: c.type, Attrs: { ...(c.attrs ?? {}) } }));
}

export function buildSolveRequest(opts: SolveOptions, layout: LocalLayout, ids: { ref: string; session: string }, dockerEngine = false): WireSolveRequest {
  const exporters = exportersFor(opts.exports ?? [], dockerEngine);
  const req: WireSolveRequest = {
    Ref: ids.ref,
    Session: ids.session,
    Frontend: opts.frontend ?? DOCKERFILE_FRONTEND,
    FrontendAttrs: frontendAttrs(opts, layout),
    Exporters: exporters,
    Entitlements: [...(opts.entitlements ?? [])],
    Cache: { Exports: cacheEntries(opts.cacheExports), Imports: cacheEntries(opts.cacheImports) },
  };
  // Older daemons only read the single legacy exporter; newer ones prefer the list.
  const first = exporters[0];
  if (first) {
    req.Exporter = first.Type;
    req.ExporterAttrs = { ...first.Attrs };
  }
  return req;
}

/** Checks exports up front: every exporter that writes here needs its destination. */
export function validateExports(exports: readonly ExportSpec[]): void {
  exports.forEach((e, i) => {
    if (!e || typeof e.type !== "string" || e.type === "") {
      throw new BuildKitError("INVALID_OPTIONS", `export ${i}: missing type`);
    }
    if (e.type === "local" && (typeof e.dest !== "string" || e.dest === "")) {
      throw new BuildKitError("INVALID_OPTIONS", `export ${i} (local): dest must be a directory path`);
    }
    if (e.type === "tar" && (e.dest === undefined || e.dest === "")) {
      throw new BuildKitError("INVALID_OPTIONS", `export ${i} (tar): dest must be a file path or a Writable`);
    }
  });
}
