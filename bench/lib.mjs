// What the benchmark scripts share: their options, timing and statistics, the big directories they
// upload, and the removal of the cache records they made. Each script stays runnable on its own
// (`node bench/NAME.mjs`); this module only saves them writing the same helpers five times.
import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";

/** `--name value` from the command line, or `def`. */
export function option(name, def, args = process.argv.slice(2)) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

/** Seconds `fn` took, wall clock. */
export async function timeit(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The q-quantile (0..1) of `xs`, linearly interpolated; NaN for none. */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** Writes `mib` MiB of incompressible, distinct-per-MiB content under `dir`, in 16 MiB files. */
export async function makeBigDir(dir, mib) {
  await mkdir(dir, { recursive: true });
  const fileMiB = 16;
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < Math.ceil(mib / fileMiB); i++) {
    const fh = await open(join(dir, `blob-${String(i).padStart(4, "0")}.bin`), "w");
    try {
      for (let j = 0; j < fileMiB; j++) {
        chunk.writeUInt32LE(i * 1000 + j, 0);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
  }
}

/** Runs `fn` with a client from `connect()` (the driver's), closing it after. */
export async function withClient(connect, fn) {
  const client = await connect();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * The engine's cache records as they are now, and a function that removes the records made since,
 * not in use, that `mine(record, final)` selects: a bench's big uploads, nothing of anyone else's.
 */
export async function recordsMadeFrom(connect) {
  const started = new Date(Date.now() - 1000);
  const before = new Set((await withClient(connect, (c) => c.diskUsage())).map((r) => r.id));
  return async function removeMine(mine, final = false) {
    await withClient(connect, async (c) => {
      const made = (await c.diskUsage()).filter((r) => !before.has(r.id) && !r.inUse && r.createdAt >= started && mine(r, final));
      for (const r of made) await c.prune({ filters: [`id==${r.id}`], all: true });
    });
  };
}
