// Peak memory of each step of a build, read from the kernel: BuildKit runs every RUN in a cgroup of its
// own (cgroup v1: memory/docker/buildkit/<id>, memory.max_usage_in_bytes; cgroup v2: .../buildkit/<id>,
// memory.peak), and a section's build tree under its tmpfs /sources is charged to that cgroup too. A
// sampler reads them every few seconds; join() gives each report row the peak of the cgroups that
// lived while it ran. Only for an engine on this machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = [
  { dir: '/sys/fs/cgroup/memory/docker/buildkit', file: 'memory.max_usage_in_bytes' },
  { dir: '/sys/fs/cgroup/memory/buildkit', file: 'memory.max_usage_in_bytes' },
  { dir: '/sys/fs/cgroup/system.slice/docker.service/buildkit', file: 'memory.peak' },
  { dir: '/sys/fs/cgroup/buildkit', file: 'memory.peak' },
];

/**
 * What the step holds and the kernel cannot drop: its processes' anonymous memory and its tmpfs
 * (shmem), from memory.stat (v1: total_rss + total_shmem; v2: anon + shmem). The cgroup's own peak
 * also counts page cache, which the kernel reclaims under pressure.
 */
function heldBytes(stat) {
  const v = Object.fromEntries(stat.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2).map(([k, n]) => [k, Number(n)]));
  return 'total_rss' in v ? v.total_rss + (v.total_shmem ?? 0) : (v.anon ?? 0) + (v.shmem ?? 0);
}

export function startMemorySampler(intervalMs = 2000) {
  const seen = new Map(); // id -> { first, last, peak }
  const sample = () => {
    const now = Date.now();
    for (const root of ROOTS) {
      if (!existsSync(root.dir)) continue;
      for (const id of readdirSync(root.dir)) {
        let bytes;
        let held;
        try {
          bytes = Number(readFileSync(join(root.dir, id, root.file), 'utf8'));
          held = heldBytes(readFileSync(join(root.dir, id, 'memory.stat'), 'utf8'));
        } catch {
          continue;
        }
        if (!Number.isFinite(bytes)) continue;
        const e = seen.get(id) ?? { first: now, last: now, peak: 0, heldPeak: 0 };
        e.last = now;
        e.peak = Math.max(e.peak, bytes);
        e.heldPeak = Math.max(e.heldPeak, held);
        seen.set(id, e);
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return [...seen.values()];
    },
  };
}

/**
 * Each built row of a report with the peaks (MiB) of the cgroups seen while it ran: peakMiB, the
 * cgroup's (page cache included), heldPeakMiB, anonymous memory plus tmpfs.
 */
export function joinPeaks(rows, cgroups) {
  return rows.map((r) => {
    if (r.cached || !r.startedAt || !r.completedAt) return { ...r, peakMiB: null };
    const s = Date.parse(r.startedAt);
    const e = Date.parse(r.completedAt);
    const during = cgroups.filter((c) => c.first <= e + 1000 && c.last >= s - 1000);
    const peak = during.reduce((m, c) => Math.max(m, c.peak), 0);
    const held = during.reduce((m, c) => Math.max(m, c.heldPeak), 0);
    const mib = (b) => (during.length ? Math.round(b / 2 ** 20) : null);
    return { ...r, peakMiB: mib(peak), heldPeakMiB: mib(held) };
  });
}
