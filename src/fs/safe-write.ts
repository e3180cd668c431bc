/**
 * Writing the files lfs-docker makes (a Dockerfile, reports, the sources lock) without ever writing
 * through a link or over something that is not a regular file: the text goes to a new temporary file
 * beside the target, created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW: flag "wx" never follows a
 * link planted under that name), then renamed over the target. A target that exists must be a
 * regular file: a symbolic link, a directory, a device, a FIFO or a socket is refused.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, lstatSync, openSync, readdirSync, renameSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { lstat, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { LfsDockerError } from "../errors.js";

/** A target that is not a regular file, or a write that failed: `code` is the errno code or NOT_REGULAR. */
export class WriteRefused extends LfsDockerError {
  readonly path: string;
  /** The reason alone, without the path: the errno code, or what the target is. */
  readonly reason: string;
  constructor(code: string, path: string, reason: string, options?: { cause?: unknown }) {
    super(code, code === "NOT_REGULAR" ? `${path} is ${reason}: refused` : `cannot write ${path}: ${reason}`, options);
    this.name = "WriteRefused";
    this.path = path;
    this.reason = reason;
  }
}

/** What a non-regular file is, in words. */
export function fileKind(s: Stats): string {
  if (s.isSymbolicLink()) return "a symbolic link";
  if (s.isDirectory()) return "a directory";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isFIFO()) return "a FIFO";
  if (s.isSocket()) return "a socket";
  return s.isFile() ? "a regular file" : "a special file";
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code ?? "EIO";

/** Throws WriteRefused when `path` exists and is not a regular file; tells whether it exists. */
export function checkReplaceable(path: string): boolean {
  let s: Stats;
  try {
    s = lstatSync(path);
  } catch (err) {
    if (errno(err) === "ENOENT") return false;
    throw new WriteRefused(errno(err), path, errno(err), { cause: err });
  }
  if (!s.isFile()) throw new WriteRefused("NOT_REGULAR", path, `${fileKind(s)}, not a regular file`);
  return true;
}

const tempName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Write `data` to `path` atomically and never through a link (see the file's comment). */
export function writeFileSafe(path: string, data: string | Uint8Array, mode = 0o644): void {
  checkReplaceable(path);
  const tmp = tempName(path);
  try {
    const fd = openSync(tmp, EXCLUSIVE, mode);
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    // Checked again just before the rename: the window is the rename itself.
    checkReplaceable(path);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never made */
    }
    if (err instanceof WriteRefused) throw err;
    throw new WriteRefused(errno(err), path, errno(err), { cause: err });
  }
}

/** `writeFileSafe`, asynchronously. */
export async function writeFileSafeAsync(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const check = async () => {
    try {
      const s = await lstat(path);
      if (!s.isFile()) throw new WriteRefused("NOT_REGULAR", path, `${fileKind(s)}, not a regular file`);
    } catch (err) {
      if (err instanceof WriteRefused || errno(err) !== "ENOENT") throw err;
    }
  };
  const tmp = tempName(path);
  try {
    await check();
    const fh = await open(tmp, EXCLUSIVE, mode);
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await check();
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if (err instanceof WriteRefused) throw err;
    throw new WriteRefused(errno(err), path, errno(err), { cause: err });
  }
}

/**
 * Remove the temporary files writeFileSafe left beside `names` in `dir` when its process was killed
 * between creating and renaming them: `.NAME.PID.HEX.tmp`, regular files, whose PID no longer runs.
 * Returns their paths. (A reused PID keeps its file: the error is on the side of keeping.)
 */
export function sweepSafeWriteTemps(dir: string, names: readonly string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(entry);
    if (!m || !names.includes(m[1]!) || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
      continue; // that process runs
    } catch (err) {
      if (errno(err) !== "ESRCH") continue;
    }
    const path = join(dir, entry);
    try {
      if (!lstatSync(path).isFile()) continue;
      unlinkSync(path);
      removed.push(path);
    } catch {
      /* gone already */
    }
  }
  return removed;
}
