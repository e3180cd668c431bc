/**
 * Temporary directories lfs-docker makes where the user keeps things (an export being received into
 * the output directory, a tar being written beside its final name): each holds an owner file naming
 * the process that made it (pid, the process's start time, host), so that when that process is killed
 * (SIGKILL, a crash, a power cut: nothing of ours runs to clean up), the next run into the same place
 * can tell its leftovers from the user's files and from a build still running, and remove them.
 *
 * Only a directory that is ours by name (see LEFTOVER_NAME) *and* holds a valid owner file is ever
 * removed, and only when its owner is gone: a process on this host that no longer exists, or whose pid
 * now belongs to a later process. A directory made on another host (a shared file system) is left.
 */
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readlinkSync, writeSync } from "node:fs";
import { lstat, mkdtemp, open, readdir, rm, rmdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { readBounded } from "./bounded-read.js";

/** The owner file's name inside an owned directory. */
export const OWNER_FILE = ".lfs-docker-owner";

/**
 * Names of the directories lfs-docker makes in a user's directory: `.lfs-docker-staging-XXXXXX` (a
 * build's export, before its files are moved into place) and `.NAME.partial-XXXXXX` (an export being
 * received, beside its destination NAME).
 */
export const LEFTOVER_NAME = /^\.(lfs-docker-staging-[A-Za-z0-9]{6}|.+\.partial-[A-Za-z0-9]{6})$/;

/**
 * Names of the directories a build makes in the system's temporary directory: the empty build
 * context, the Dockerfile given as text, the socket of a connection bridge, a boot's files.
 */
export const TEMP_NAME = /^lfs-docker-(context|df|bk|boot)-[A-Za-z0-9]{6}$/;

export interface Owner {
  tool: "lfs-docker";
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/PID/stat), to tell a reused pid. */
  procStart?: string;
  /** The boot the process ran in (/proc/sys/kernel/random/boot_id): after a reboot every old pid is gone. */
  bootId?: string;
  /**
   * The PID namespace the process ran in (/proc/self/ns/pid): a pid means nothing in another one, so
   * a directory of another namespace's process (a build in a container sharing /tmp) is left alone.
   */
  pidNs?: string;
  host: string;
  /** When the directory was made (ISO 8601). */
  created: string;
  /** What the directory is for, in words ("the export of a build"). */
  purpose: string;
}

/** A leftover found by sweepLeftovers: removed, or left with the reason. */
export interface Leftover {
  path: string;
  owner: Owner;
  /** Bytes it held. */
  bytes: number;
  removed: boolean;
  /** Why it was left, when it was. */
  kept?: string;
}

/** Field 22 of /proc/PID/stat: the start time of the process, undefined where /proc has no such file. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `owner` may still run (true when it cannot be told). */
export function ownerAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  const boot = bootId();
  if (owner.bootId !== undefined && boot !== undefined && owner.bootId !== boot) return false;
  const ns = pidNamespace();
  if (owner.pidNs !== undefined && ns !== undefined && owner.pidNs !== ns) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // The pid exists: the same process only if it started when the owner did.
  const start = processStart(owner.pid);
  return owner.procStart === undefined || start === undefined || start === owner.procStart;
}

/** This process as an owner. */
function ownerRecord(purpose: string): Owner {
  const start = processStart(process.pid);
  const boot = bootId();
  const ns = pidNamespace();
  return {
    tool: "lfs-docker",
    pid: process.pid,
    ...(start !== undefined && { procStart: start }),
    ...(boot !== undefined && { bootId: boot }),
    ...(ns !== undefined && { pidNs: ns }),
    host: hostname(),
    created: new Date().toISOString(),
    purpose,
  };
}

/**
 * Make a fresh directory `parent/PREFIX` + six random characters, holding the owner file; returns its
 * path. The prefix must give a name LEFTOVER_NAME matches, or the directory would never be swept.
 */
export async function makeOwnedDir(parent: string, prefix: string, purpose: string): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  const owner = ownerRecord(purpose);
  const fh = await open(join(dir, OWNER_FILE), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(JSON.stringify(owner) + "\n");
  } finally {
    await fh.close();
  }
  return dir;
}

/** makeOwnedDir, synchronously. */
export function makeOwnedDirSync(parent: string, prefix: string, purpose: string): string {
  const dir = mkdtempSync(join(parent, prefix));
  const fd = openSync(join(dir, OWNER_FILE), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, JSON.stringify(ownerRecord(purpose)) + "\n");
  } finally {
    closeSync(fd);
  }
  return dir;
}

/** The owner file of a directory, or undefined when it has none that is valid. */
export function readOwner(dir: string): Owner | undefined {
  let o: Partial<Owner>;
  try {
    o = JSON.parse(readBounded(join(dir, OWNER_FILE), { maxBytes: 4096, noFollow: true }).toString("utf8")) as Partial<Owner>;
  } catch {
    return undefined;
  }
  if (o?.tool !== "lfs-docker" || !Number.isInteger(o.pid) || (o.pid ?? 0) <= 0 || typeof o.host !== "string" || typeof o.created !== "string")
    return undefined;
  return { ...o, purpose: typeof o.purpose === "string" ? o.purpose : "a temporary directory" } as Owner;
}

async function treeBytes(path: string): Promise<number> {
  const s = await lstat(path);
  if (!s.isDirectory()) return s.isFile() ? s.size : 0;
  let n = 0;
  for (const name of await readdir(path)) n += await treeBytes(join(path, name)).catch(() => 0);
  return n;
}

/**
 * Find the owned directories in `parent` (named as `names` says) whose owners are gone and remove them.
 * A directory of ours by name but with no owner file is removed only when it is empty (a process killed between making it and
 * writing its owner file). Nothing else in `parent` is looked into, let alone touched.
 */
export async function sweepLeftovers(parent: string, names: RegExp = LEFTOVER_NAME): Promise<Leftover[]> {
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  for (const name of entries.filter((n) => names.test(n))) {
    const path = join(parent, name);
    const s = await lstat(path).catch(() => undefined);
    if (!s?.isDirectory()) continue;
    if (typeof process.getuid === "function" && s.uid !== process.getuid()) continue;
    const owner = readOwner(path);
    if (!owner) {
      await rmdir(path).catch(() => undefined); // only if empty
      continue;
    }
    const bytes = await treeBytes(path).catch(() => 0);
    if (ownerAlive(owner)) {
      found.push({ path, owner, bytes, removed: false, kept: owner.host === hostname() ? `pid ${owner.pid} still runs` : `made on host ${owner.host}` });
      continue;
    }
    await rm(path, { recursive: true, force: true });
    found.push({ path, owner, bytes, removed: true });
  }
  return found;
}
