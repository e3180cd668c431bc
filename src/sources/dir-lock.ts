/**
 * A guard file beside a shared file (the sources lock): created exclusively (O_EXCL) by whoever
 * updates the file, removed when done, so read-merge-write cycles of processes sharing a directory
 * never interleave. A guard older than STALE_MS is left by a process that died: it is taken over.
 */
import { constants } from "node:fs";
import { open, stat, unlink } from "node:fs/promises";
import { setTimeout as pause } from "node:timers/promises";
import { errnoCode, fsError, SourcesError } from "./errors.js";

/** A guard older than this is considered abandoned. */
export const STALE_MS = 30_000;
/** Give up waiting for the guard after this long. */
export const WAIT_MS = 60_000;

async function take(guard: string): Promise<boolean> {
  try {
    const fh = await open(guard, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    await fh.writeFile(`${process.pid}\n`);
    await fh.close();
    return true;
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") throw fsError(err, guard, "create the guard");
    return false;
  }
}

async function stale(guard: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(guard)).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

/** Run `fn` holding the guard `${path}.guard`. */
export async function withDirLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const guard = `${path}.guard`;
  const started = Date.now();
  for (let wait = 5; !(await take(guard)); wait = Math.min(wait * 2, 200)) {
    if (await stale(guard)) await unlink(guard).catch(() => undefined);
    else if (Date.now() - started > WAIT_MS)
      throw new SourcesError(
        "E_SOURCES_LOCK",
        `${guard} has been held for over ${WAIT_MS / 1000} s: another lfs-docker is updating the lock, or left this file behind (delete it)`,
        { file: guard },
      );
    else await pause(wait + Math.random() * wait);
  }
  try {
    return await fn();
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}
