/**
 * The builder's garbage-collection policy (ListWorkers' GCPolicy), in words: how much build cache the
 * daemon keeps before it removes the least recently used records. A whole LFS build leaves tens of GB
 * of cache; a builder that keeps less removes the sections a later build (a resume, the next
 * increment) would have taken from the cache, and they are built again. Pure functions.
 */
import type { WorkerInfo } from './types.js';

export type GcRule = WorkerInfo['gcPolicy'][number];

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) (n /= 1024), u++;
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

function duration(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} days` : h >= 1 ? `${Math.round(h)} h` : `${Math.round(ms / 60_000)} min`;
}

/**
 * The most build cache the daemon keeps for a build's steps, in bytes: the smallest size limit of the
 * rules that cover every kind of record (no filter); each rule removes the least recently used records
 * it covers until they fit its limit, so the tightest of those bounds the steps' results. Undefined
 * when no such rule has a size limit (no garbage collection, or one by age only).
 */
export function gcKeepBytes(workers: readonly WorkerInfo[]): number | undefined {
  const limits = workers
    .flatMap((w) => w.gcPolicy)
    .filter((r) => r.filters.length === 0 && r.keepBytes > 0)
    .map((r) => r.keepBytes);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** One line: what the garbage collector keeps (for `lfs-docker doctor`). */
export function describeGcPolicy(workers: readonly WorkerInfo[]): string {
  const rules = workers.flatMap((w) => w.gcPolicy);
  if (rules.length === 0) return 'off: the build cache grows until it is pruned';
  const keep = gcKeepBytes(workers);
  const each = rules.map((r) => {
    const what = r.filters.length ? ` of ${r.filters.join(', ')}` : r.all ? ' of everything' : '';
    const limits = [r.keepBytes > 0 ? `${size(r.keepBytes)}` : '', r.keepDurationMs > 0 ? `${duration(r.keepDurationMs)}` : ''].filter(Boolean).join(', ');
    return `keep ${limits || 'nothing'}${what}`;
  });
  return `${keep === undefined ? 'removes old records' : `keeps at most ${size(keep)} of build cache`} (${each.join('; ')})`;
}

/** The limit in words, for messages: `1.0 MiB`. */
export function formatKeepBytes(bytes: number): string {
  return size(bytes);
}
