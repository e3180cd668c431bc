/**
 * The SHA-256 lock of a sources directory. The book gives only MD5 sums; the first time a file is
 * downloaded and matches the book's MD5, its SHA-256 is written here, and every later fetch or verify
 * refuses a file that matches the MD5 but not this SHA-256 (trust on first use: MD5 alone can be forged).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileSafeAsync } from "../fs/safe-write.js";
import { excerpt } from "../text/terminal.js";
import { errnoCode, fsError, SourcesError } from "./errors.js";
import { withDirLock } from "./dir-lock.js";

/** Name of the lock file inside a sources directory. */
export const LOCK_FILE = "lfs-docker-sources.lock.json";

/**
 * Names no source file may have and no lock entry may use: the lock's own file, its guard, and the
 * names that reach an object's prototype in JavaScript.
 */
export const RESERVED_NAMES: readonly string[] = [LOCK_FILE, `${LOCK_FILE}.guard`, "__proto__", "constructor", "prototype"];
export const isReservedName = (name: string): boolean => RESERVED_NAMES.includes(name);

/** What the lock records of one file. */
export interface LockEntry {
  /** The book's MD5 the file matched when it was locked (lower-case hex). */
  readonly md5: string;
  /** SHA-256 of the file (lower-case hex). */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
}

/** The lock file's content: one entry per file name. */
export interface SourceLock {
  readonly lockVersion: 1;
  readonly files: Readonly<Record<string, LockEntry>>;
}

const ABOUT =
  "Written by lfs-docker: the SHA-256 of each source file as first downloaded and verified against the book's MD5. " +
  "A file matching the MD5 but not this SHA-256 is refused. Delete an entry to accept a new file of that name.";

/** The path of the lock file of a sources directory. */
export function lockPath(dir: string): string {
  return join(dir, LOCK_FILE);
}

/** An empty lock. */
export function emptyLock(): SourceLock {
  return { lockVersion: 1, files: {} as Record<string, LockEntry> };
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const MD5_RE = HEX(32);
const SHA256_RE = HEX(64);

/**
 * Read the lock of a sources directory; `undefined` when the directory has none. Throws a
 * `SourcesError` (`E_SOURCES_LOCK`) when the file exists but is not a valid lock, rather than
 * silently ignoring it.
 */
export async function readLock(dir: string): Promise<SourceLock | undefined> {
  const path = lockPath(dir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw fsError(err, path, "read");
  }
  return parseLock(text, path);
}

/** Parse and check the text of a lock file (`where` names it in errors). */
export function parseLock(text: string, where = LOCK_FILE): SourceLock {
  const bad = (why: string, cause?: unknown) =>
    new SourcesError(
      "E_SOURCES_LOCK",
      `${where} is not a valid lfs-docker sources lock: ${why}; fix or delete it (it is rewritten from the files that match the book)`,
      { cause, file: where },
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad("not JSON", err);
  }
  const obj = data as { lockVersion?: unknown; files?: unknown } | null;
  if (typeof obj !== "object" || obj === null) throw bad("not a JSON object");
  if (obj.lockVersion !== 1) throw bad(`lockVersion is ${JSON.stringify(obj.lockVersion)}, expected 1`);
  if (typeof obj.files !== "object" || obj.files === null || Array.isArray(obj.files)) throw bad(`"files" is not an object`);
  const files: Record<string, LockEntry> = {} as Record<string, LockEntry>;
  for (const [name, value] of Object.entries(obj.files as Record<string, unknown>)) {
    if (isReservedName(name)) throw bad(`entry ${excerpt(name)} uses a reserved name`);
    const e = value as { md5?: unknown; sha256?: unknown; size?: unknown } | null;
    if (typeof e !== "object" || e === null) throw bad(`entry ${JSON.stringify(name)} is not an object`);
    const md5 = typeof e.md5 === "string" ? e.md5.toLowerCase() : "";
    const sha256 = typeof e.sha256 === "string" ? e.sha256.toLowerCase() : "";
    if (!MD5_RE.test(md5)) throw bad(`entry ${JSON.stringify(name)} has no valid md5`);
    if (!SHA256_RE.test(sha256)) throw bad(`entry ${JSON.stringify(name)} has no valid sha256`);
    if (typeof e.size !== "number" || !Number.isSafeInteger(e.size) || e.size < 0) throw bad(`entry ${JSON.stringify(name)} has no valid size`);
    files[name] = { md5, sha256, size: e.size };
  }
  return { lockVersion: 1, files };
}

/** The text of a lock file: entries sorted by name, so the same files give the same bytes. */
export function formatLock(lock: SourceLock): string {
  const files: Record<string, LockEntry> = {} as Record<string, LockEntry>;
  for (const name of Object.keys(lock.files).sort()) {
    const e = lock.files[name]!;
    files[name] = { md5: e.md5, sha256: e.sha256, size: e.size };
  }
  return JSON.stringify({ lockVersion: 1, about: ABOUT, files }, null, 1) + "\n";
}

/**
 * Write the lock of a sources directory atomically (a new temporary file, never through a link,
 * renamed over the old one), so a crash or a full disk never leaves a truncated lock.
 */
export async function writeLock(dir: string, lock: SourceLock): Promise<void> {
  const path = lockPath(dir);
  try {
    await writeFileSafeAsync(path, formatLock(lock));
  } catch (err) {
    throw fsError(err, path, "write");
  }
}

/**
 * Add entries to the lock of a sources directory and resolve with the lock as written: under the
 * directory's guard, the lock is read again, the entries merged in, and written; so fetches running
 * at once into one directory (in one process or several) keep every entry. An entry already in the
 * lock for the same name is kept (the first verified file wins), as a later check would refuse the
 * other anyway.
 */
export async function addToLock(dir: string, entries: Readonly<Record<string, LockEntry>>): Promise<SourceLock> {
  for (const name of Object.keys(entries)) {
    if (isReservedName(name)) throw new SourcesError("E_SOURCES_NAME", `${excerpt(name)} is a reserved name and cannot be a lock entry`, { file: name });
  }
  return withDirLock(lockPath(dir), async () => {
    const current = (await readLock(dir)) ?? emptyLock();
    const files: Record<string, LockEntry> = Object.assign({} as Record<string, LockEntry>, entries, current.files);
    const merged: SourceLock = { lockVersion: 1, files };
    await writeLock(dir, merged);
    return merged;
  });
}

/** How a file's digests compare with its lock entry. */
export type LockCheck =
  /** The lock has no entry for the file. */
  | { readonly state: "absent" }
  /** The entry's SHA-256 (and MD5) match. */
  | { readonly state: "matched" }
  /** The entry was written for the same MD5 but records another SHA-256: the file is refused. */
  | { readonly state: "sha256-mismatch"; readonly expected: string }
  /** The entry was written for another MD5 (the book now names a different file): the file is refused until the entry is removed. */
  | { readonly state: "md5-conflict"; readonly lockedMd5: string };

/** Compare a file's digests with the lock (`bookMd5` is the MD5 the book gives, which the file already matched). */
export function checkLock(lock: SourceLock | undefined, file: string, bookMd5: string, sha256: string): LockCheck {
  const entry = lock && Object.hasOwn(lock.files, file) ? lock.files[file] : undefined;
  if (!entry) return { state: "absent" };
  if (entry.md5 !== bookMd5.toLowerCase()) return { state: "md5-conflict", lockedMd5: entry.md5 };
  if (entry.sha256 !== sha256.toLowerCase()) return { state: "sha256-mismatch", expected: entry.sha256 };
  return { state: "matched" };
}

/** A sentence explaining a refused lock check, naming the file and the lock. */
export function lockProblem(check: LockCheck, file: string, sha256: string, where: string): string {
  switch (check.state) {
    case "sha256-mismatch":
      return `${file} matches the book's MD5 but its SHA-256 ${sha256} is not the ${check.expected} recorded in ${where}: refused (the file differs from the one first downloaded; MD5 alone does not prove it is genuine)`;
    case "md5-conflict":
      return `${file} is recorded in ${where} with MD5 ${check.lockedMd5}, not the book's: refused (delete its entry from the lock to accept the book's new file)`;
    default:
      return `${file}: lock ${check.state}`;
  }
}
