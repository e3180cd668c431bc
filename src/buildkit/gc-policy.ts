/**
 * A worker's garbage-collection policy (ListWorkers' GCPolicy), in words, and whether it keeps a
 * cache of a given size. BuildKit (cache/manager.go prune, v0.13) runs each rule in turn: a rule
 * removes the records its filters match (none: every record; `all`: internal ones too) that were
 * not used within keepDuration, oldest first, until what is left is under keepBytes; keepBytes 0
 * removes them all. So a rule without filters and without keepDuration keeps at most keepBytes of a
 * build's layers; one with keepDuration keeps what was used recently, whatever its size.
 */
import { formatMiB } from "../text/bytes.js";
import type { WorkerInfo } from "./types.js";

export type GcRule = WorkerInfo["gcPolicy"][number];

/** `20.0 GiB`, `512 MiB`. */
const bytes = (n: number): string => formatMiB(n, { digits: 0 });

function duration(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} d` : h >= 1 ? `${Math.round(h)} h` : `${Math.round(ms / 60_000)} min`;
}

/** One rule as a line: `keep 20.0 GiB, what was used in the last 2 d; records: type==source.local (all)`. */
export function describeGcRule(r: GcRule): string {
  const keep = [
    r.keepBytes > 0 ? `keep ${bytes(r.keepBytes)}` : "keep nothing",
    ...(r.keepDurationMs > 0 ? [`and what was used in the last ${duration(r.keepDurationMs)}`] : []),
  ];
  const what = r.filters.length > 0 ? `records: ${r.filters.join(" ")}` : "every record";
  return `${keep.join(" ")}; ${what}${r.all ? " (internal ones too)" : ""}`;
}

export interface GcVerdict {
  /** The most a rule that applies to every record lets stay (undefined: no such rule limits it by size). */
  keepsBytes: number | undefined;
  /** Set when a rule would remove part of a cache of `needBytes` even while it is in use. */
  warning?: string;
  /** Set when a rule keeps the cache only while it is used often enough. */
  note?: string;
}

/** Whether the rules keep a build cache of `needBytes`. */
export function gcVerdict(rules: readonly GcRule[], needBytes: number): GcVerdict {
  const general = rules.filter((r) => r.filters.length === 0);
  const bySize = general.filter((r) => r.keepDurationMs === 0);
  const keepsBytes = bySize.length > 0 ? Math.min(...bySize.map((r) => r.keepBytes)) : undefined;
  const out: GcVerdict = { keepsBytes };
  if (keepsBytes !== undefined && keepsBytes < needBytes) {
    out.warning = `the builder's garbage collection keeps at most ${bytes(keepsBytes)} of cache, less than a whole LFS build's ${bytes(needBytes)}: earlier sections would be built again after a failure (raise keepBytes in the builder's gc policy: buildkitd.toml [worker.oci] gckeepstorage / Docker's "builder": {"gc": ...} in daemon.json)`;
  }
  const byAge = general.filter((r) => r.keepDurationMs > 0 && r.keepBytes < needBytes);
  if (byAge.length > 0) {
    const shortest = Math.min(...byAge.map((r) => r.keepDurationMs));
    out.note = `past ${bytes(Math.max(...byAge.map((r) => r.keepBytes)))}, the cache is kept only while used within ${duration(shortest)}: resume a stopped build before then`;
  }
  return out;
}
