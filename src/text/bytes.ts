/**
 * Sizes as text, one module for both styles lfs-docker prints: its own messages in binary units
 * (`12.3 MiB`: sources, doctor), and BuildKit's progress as docker prints it (decimal, `3.21kB`).
 */

/** `n` divided by `base` as often as it stays >= base, at most `units - 1` times: the value and the unit's index. */
function scale(n: number, base: number, units: number): { value: number; unit: number } {
  let value = n;
  let unit = 0;
  while (value >= base && unit < units - 1) {
    value /= base;
    unit++;
  }
  return { value, unit };
}

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A size for people, in binary units with three significant digits: 512 B, 1.50 KiB, 12.3 MiB, 488 MiB. */
export function formatBytes(n: number): string {
  const { value, unit } = scale(n, 1024, BINARY.length);
  if (unit === 0) return `${n} B`;
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${BINARY[unit]}`;
}

const DECIMAL = ["B", "kB", "MB", "GB", "TB"];

/** A size as docker's progress shows it (decimal units, no space, trailing zeros dropped): 95B, 3.21kB, 1MB. */
export function formatDockerBytes(n: number): string {
  const { value, unit } = scale(n, 1000, DECIMAL.length);
  return unit === 0 ? `${value}${DECIMAL[0]}` : `${value.toFixed(2).replace(/\.?0+$/, "")}${DECIMAL[unit]}`;
}

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/**
 * A size as lfs-docker's cache and disk messages give it, in MiB with `digits` decimals (default 1),
 * or in GiB with one decimal from 1 GiB up (unless `gib: false`): `1 MiB` (digits 0), `1.0 MiB`,
 * `20.0 GiB`. Kept beside formatBytes, not replaced by it: these lines name MiB and GiB at a fixed
 * precision, and people and tools compare them across runs (doctor's gc policy, the eviction warning,
 * the export's disk-full and leftover lines).
 */
export function formatMiB(n: number, o: { digits?: number; gib?: boolean } = {}): string {
  if ((o.gib ?? true) && n >= GIB) return `${(n / GIB).toFixed(1)} GiB`;
  return `${(n / MIB).toFixed(o.digits ?? 1)} MiB`;
}
