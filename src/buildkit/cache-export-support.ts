/**
 * Whether a Docker Engine's built-in BuildKit can export a build cache. It can only with the
 * containerd image store (`docker info`: driver-type io.containerd.snapshotter.v1); with the classic
 * store (overlay2 and the other graph drivers) it knows only the `inline` cache exporter and answers
 * `unknown cache exporter: "local"` (buildx says "Cache export is not supported for the docker
 * driver"). Asked of the engine before anything is built, so the user learns the fix at once.
 */
import { UnsupportedFeatureError } from "./errors.js";
import type { CacheEntry } from "./types.js";

/** The containerd image store, as `docker info` reports it in DriverStatus. */
export const CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1";

export interface EngineImageStore {
  /** `overlay2`, `overlayfs`, ... (`docker info` Driver). */
  driver: string;
  /** True with the containerd image store. */
  containerd: boolean;
}

/** The image store from a `GET /info` answer. */
export function imageStoreFromInfo(info: { Driver?: unknown; DriverStatus?: unknown }): EngineImageStore {
  const status = Array.isArray(info.DriverStatus) ? (info.DriverStatus as unknown[]) : [];
  const containerd = status.some((row) => Array.isArray(row) && row[0] === "driver-type" && row[1] === CONTAINERD_SNAPSHOTTER);
  return { driver: typeof info.Driver === "string" ? info.Driver : "", containerd };
}

/** The cache exports that need a cache exporter besides `inline`. */
export function exportsNeedingStore(entries: readonly CacheEntry[] | undefined): string[] {
  return [...new Set((entries ?? []).map((e) => e?.type).filter((t): t is string => typeof t === "string" && t !== "inline"))];
}

export function cacheExportAdvice(daemon: string, types: readonly string[], driver?: string): string {
  const what = types.length > 0 ? types.map((t) => `type=${t}`).join(", ") : "this cache export";
  return (
    `${daemon} cannot export a build cache (${what}): Docker Engine's built-in BuildKit exports caches only with the containerd ` +
    `image store${driver ? `, and this engine stores images with ${driver}` : ""}. Use a builder of its own ` +
    "(docker buildx create --driver docker-container --name NAME --bootstrap, then --builder docker-container://buildx_buildkit_NAME0), " +
    'or turn on the containerd image store ({"features": {"containerd-snapshotter": true}} in the engine\'s daemon.json, then restart it); ' +
    "type=inline needs neither."
  );
}

export function cacheExportUnsupported(daemon: string, types: readonly string[], store: EngineImageStore): UnsupportedFeatureError {
  return new UnsupportedFeatureError("cache-export", daemon, `${cacheExportAdvice(daemon, types, store.driver || "a graph driver")} Nothing was built.`);
}

/** The daemon's own refusal of a cache exporter, in its words. */
export const DAEMON_REFUSED_CACHE_EXPORT = /unknown cache exporter|cache export(?: feature)? is (?:currently )?not supported/i;
