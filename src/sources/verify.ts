import { resolve } from "node:path";
import type { SourceFile } from "../book/types.js";
import { errnoCode, SourcesError } from "./errors.js";
import { hashFile } from "./hash.js";
import { checkLock, lockPath, lockProblem, readLock, type SourceLock } from "./lock.js";
import { checkFileName, runPool } from "./util.js";
import type { VerifyResult } from "./types.js";

export interface VerifyOptions {
  /**
   * The SHA-256 lock to check against. Default: the lock file in the directory
   * (`lfs-docker-sources.lock.json`), if there is one. `null`: check the book's MD5 only.
   */
  lock?: SourceLock | null;
  /** Files hashed at once (default 4). */
  jobs?: number;
  signal?: AbortSignal;
}

/** Check one file that should be at `path` against the book's MD5 and the lock. */
export async function verifyFile(
  path: string,
  source: SourceFile,
  lock: SourceLock | undefined,
  lockWhere: string,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  const base = { source, path };
  let d;
  try {
    d = await hashFile(path, signal);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    const code = errnoCode(err);
    if (code === "ENOENT") return { ...base, status: "missing", locked: false, problem: `${source.file} is missing` };
    const why = code === "EISDIR" ? "it is a directory, not a file" : code === "ENOTREGULAR" ? `it is ${(err as Error).message}` : (err as Error).message;
    return { ...base, status: "unreadable", locked: false, problem: `${source.file} cannot be read: ${why}` };
  }
  const digests = { size: d.size, md5: d.md5, sha256: d.sha256 };
  if (d.md5 !== source.md5.toLowerCase()) {
    return {
      ...base,
      ...digests,
      status: "md5-mismatch",
      locked: false,
      problem: `${source.file} does not match the book's MD5: it is ${d.md5}, the book says ${source.md5} (corrupt, truncated or another version)`,
    };
  }
  const check = checkLock(lock, source.file, source.md5, d.sha256);
  if (check.state === "absent") return { ...base, ...digests, status: "ok", locked: false };
  if (check.state === "matched") return { ...base, ...digests, status: "ok", locked: true };
  return {
    ...base,
    ...digests,
    status: check.state === "sha256-mismatch" ? "sha256-mismatch" : "lock-conflict",
    locked: false,
    problem: lockProblem(check, source.file, d.sha256, lockWhere),
  };
}

/**
 * Check the files of a sources directory: each must be there, match the book's MD5 and, when the
 * lock has an entry for it, the lock's SHA-256. Resolves with one result per file, in the order of
 * `files`; it rejects only when the lock cannot be read or a file name is not a plain name (a bad
 * file never rejects: see each result's `status` and `problem`). Reads only; writes nothing.
 *
 * ```ts
 * const results = await verifySources("sources", editionSources(loadBook("12.3"), "sysv"));
 * const bad = results.filter((r) => r.status !== "ok");
 * ```
 *
 * @param dir the directory holding the files under their book names (`acl-2.3.2.tar.xz`, ...).
 * @param files the files it must hold, e.g. `editionSources(book, edition)` or `selectSources(...)`.
 */
export async function verifySources(dir: string, files: readonly SourceFile[], options: VerifyOptions = {}): Promise<VerifyResult[]> {
  const root = resolve(dir);
  for (const f of files) checkFileName(f);
  const lock = options.lock === null ? undefined : (options.lock ?? (await readLock(root)));
  const where = lockPath(root);
  const jobs = options.jobs ?? 4;
  return runPool(files, jobs, (f) => verifyFile(resolve(root, f.file), f, lock, where, options.signal), options.signal);
}

/** A result's problem without the file name it starts with ("missing", "does not match the book's MD5: ..."). */
export function problemDetail(r: VerifyResult): string {
  const p = r.problem ?? r.status;
  if (r.status === "missing") return "missing";
  return p.startsWith(`${r.source.file} `) ? p.slice(r.source.file.length + 1) : p;
}

/** A message listing each file that failed verification, one per line; empty when all passed. */
export function formatVerifyFailures(results: readonly VerifyResult[]): string {
  return results
    .filter((r) => r.status !== "ok")
    .map((r) => `  ${r.source.file}: ${problemDetail(r)}`)
    .join("\n");
}

/**
 * `verifySources`, then reject with a `SourcesError` (`E_SOURCES_VERIFY`) naming each missing or bad
 * file when any is; resolves with the results when all are good. For callers that need a complete,
 * verified directory, such as a build from local sources.
 */
export async function assertSourcesVerified(dir: string, files: readonly SourceFile[], options: VerifyOptions = {}): Promise<VerifyResult[]> {
  const results = await verifySources(dir, files, options);
  const bad = results.filter((r) => r.status !== "ok");
  if (bad.length > 0) {
    const root = resolve(dir);
    throw new SourcesError(
      "E_SOURCES_VERIFY",
      `${bad.length} of ${results.length} source files in ${root} failed verification:\n${formatVerifyFailures(results)}`,
      { file: root },
    );
  }
  return results;
}
