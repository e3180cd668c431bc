/**
 * `fetchSources`: make a directory hold every file a book edition needs, verified. Files already there
 * are verified and kept; the others are downloaded in parallel from the book's address and the
 * mirrors, resumed after a dropped connection, retried with exponential back-off, verified against
 * the book's MD5 and the SHA-256 lock while still under their temporary name (`FILE.part`), and only
 * then renamed into place.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SourceFile } from "../book/types.js";
import { OptionError } from "../errors.js";
import { version } from "../version.js";
import { errnoCode, fsError, SourcesError } from "./errors.js";
import { createAgents, transfer, TransferError, type Agents, type TransferResult } from "./http.js";
import { addToLock, checkLock, lockPath, lockProblem, readLock, type LockEntry, type SourceLock } from "./lock.js";
import { redactUrls } from "../text/redact.js";
import { selectSources, type SourceSelection } from "./select.js";
import type { FetchedFile, FetchEvent, FetchResult } from "./types.js";
import { checkFileName, runPool } from "./util.js";
import { formatBytes } from "../text/bytes.js";
import { problemDetail, verifyFile } from "./verify.js";

/** Parallel transfers when `jobs` is not given. */
export const DEFAULT_JOBS = 4;

/**
 * Most bytes one file may have when the lock does not record its size: the largest file of the
 * 12.3 book (linux-6.13.4.tar.xz, 147 MiB) with a margin of about 3.5 for a book of one's own.
 */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;

export interface FetchOptions extends SourceSelection {
  /** Directory to fill (created if missing). Files go in flat, under their book names. */
  dir: string;
  /**
   * Base URLs of mirrors holding the files flat (`${mirror}/${file}`), like the LFS package mirrors.
   * Tried after the book's own address, in the order given (before it with `mirrorFirst`).
   */
  mirrors?: readonly string[];
  /** Try the mirrors before the book's address (default false). */
  mirrorFirst?: boolean;
  /** Transfers at once (default 4, at most 64). */
  jobs?: number;
  /**
   * Further attempts at one address after a failure (default 3), waiting `backoffMs`, then twice that,
   * and so on up to `maxBackoffMs`. An attempt that brings bytes resets the count (the next one resumes).
   */
  retries?: number;
  /** First wait before a retry (default 500 ms). */
  backoffMs?: number;
  /** Longest wait before a retry (default 15 s). */
  maxBackoffMs?: number;
  /** Give up an attempt when no byte arrives for this long (default 30 s). */
  timeoutMs?: number;
  /** Most bytes a file may have when the lock does not record its size (default 512 MiB). */
  maxFileBytes?: number;
  /** Abort the run: transfers stop, partial files stay as `FILE.part` for the next run to resume. */
  signal?: AbortSignal;
  /** Progress and outcome of each file (called synchronously; keep it quick). */
  onProgress?: (event: FetchEvent) => void;
}

/** A mirror base URL, checked and without trailing slashes. Throws `OptionError` when it is not an http(s) URL. */
export function checkMirror(mirror: string): string {
  const accepted = "an http:// or https:// base URL of a directory holding the files under their book names";
  let u: URL;
  try {
    u = new URL(mirror);
  } catch {
    throw new OptionError("--mirror", mirror, accepted);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search !== "" || u.hash !== "") throw new OptionError("--mirror", mirror, accepted);
  return u.href.replace(/\/+$/, "");
}

/** The addresses of a file, in the order they are tried. */
export function sourceUrls(file: SourceFile, mirrors: readonly string[] = [], mirrorFirst = false): string[] {
  const fromMirrors = mirrors.map((m) => `${checkMirror(m)}/${encodeURIComponent(file.file)}`);
  const all = mirrorFirst ? [...fromMirrors, file.url] : [file.url, ...fromMirrors];
  return [...new Set(all.filter((u) => u !== ""))];
}

function checkInteger(option: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new OptionError(option, value, `a whole number from ${min} to ${max}`);
  return value;
}

const FATAL = new Set(["E_SOURCES_DIR", "E_SOURCES_NOSPACE", "E_SOURCES_IO", "E_SOURCES_ABORTED"]);
/** Errors of those codes that concern one file only (a directory where a file should be): the run goes on. */
const ONE_FILE = new WeakSet<SourcesError>();
const isFatal = (err: unknown): boolean => err instanceof SourcesError && FATAL.has(err.code) && !ONE_FILE.has(err);

/**
 * `mkdir -p` that cannot loop: Node's recursive mkdir spins forever where mkdir answers ENOENT for a
 * parent that exists (under /proc, for one). Each level is tried once.
 */
async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EEXIST") return;
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    await makeDirs(parent);
    try {
      await mkdir(dir);
    } catch (again) {
      if (errnoCode(again) !== "EEXIST") throw again;
    }
  }
}

/** Create the directory if needed and make sure a file can be created in it. */
async function prepareDir(dir: string): Promise<void> {
  const explain = (err: unknown) => {
    const code = errnoCode(err);
    if (code === "ENOTDIR" || code === "EEXIST") return "a part of the path is a file, not a directory";
    if (code === "EACCES" || code === "EPERM") return "permission denied";
    if (code === "EROFS") return "read-only file system";
    if (code === "ENOENT") return "no directory can be created there";
    if (code === "ENOSPC" || code === "EDQUOT") return "no space left on the device";
    return (err as Error).message;
  };
  try {
    await makeDirs(dir);
    const s = await stat(dir);
    if (!s.isDirectory()) throw new SourcesError("E_SOURCES_DIR", `cannot use ${dir} as the sources directory: it is a file, not a directory`, { file: dir });
  } catch (err) {
    if (err instanceof SourcesError) throw err;
    throw new SourcesError("E_SOURCES_DIR", `cannot use ${dir} as the sources directory: ${explain(err)} (${errnoCode(err) ?? "error"})`, {
      cause: err,
      file: dir,
    });
  }
  const probe = join(dir, `.lfs-docker-write-test.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(probe, "", { flag: "wx" });
  } catch (err) {
    throw new SourcesError("E_SOURCES_DIR", `cannot write in the sources directory ${dir}: ${explain(err)} (${errnoCode(err) ?? "error"})`, {
      cause: err,
      file: dir,
    });
  }
  await rm(probe, { force: true });
}

/**
 * The lock as the run grows it: each entry is merged into the lock file under its guard (see
 * `addToLock`), so runs sharing the directory keep each other's entries; the view here follows.
 */
class LockStore {
  private files: Record<string, LockEntry>;
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly dir: string,
    initial: SourceLock | undefined,
  ) {
    this.files = Object.assign({} as Record<string, LockEntry>, initial?.files);
  }
  get lock(): SourceLock {
    return { lockVersion: 1, files: this.files };
  }
  add(name: string, entry: LockEntry): Promise<void> {
    this.files[name] = entry;
    const write = this.chain
      .catch(() => undefined)
      .then(async () => {
        const merged = await addToLock(this.dir, { [name]: entry });
        this.files = Object.assign({} as Record<string, LockEntry>, merged.files, this.files);
      });
    this.chain = write;
    return write;
  }
}

/** A file refused after download (MD5, lock): not worth retrying at the same address. */
class Refused extends TransferError {
  readonly lockRefusal: boolean;
  constructor(message: string, lockRefusal: boolean) {
    super(message, { retryable: false });
    this.name = "Refused";
    this.lockRefusal = lockRefusal;
  }
}

interface Ctx {
  dir: string;
  lockWhere: string;
  mirrors: string[];
  mirrorFirst: boolean;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  agents: Agents;
  signal: AbortSignal;
  store: LockStore;
  deadHosts: Map<string, Error>;
  emit: (e: FetchEvent) => void;
  userAgent: string;
  maxFileBytes: number;
}

const MAX_ATTEMPTS_PER_ADDRESS = 100;

async function removePart(part: string): Promise<void> {
  try {
    await rm(part, { force: true });
  } catch (err) {
    throw fsError(err, part, "delete");
  }
}

/** Try one address until it gives a verified file, a permanent failure, or runs out of retries. */
async function fromAddress(
  ctx: Ctx,
  f: SourceFile,
  url: string,
  path: string,
  part: string,
  counter: { bytes: number },
): Promise<{ r: TransferResult; added: boolean }> {
  let strikes = 0;
  let attempts = 0;
  let cleanRetry = false;
  for (;;) {
    attempts++;
    let last = 0;
    try {
      const locked = Object.hasOwn(ctx.store.lock.files, f.file) ? ctx.store.lock.files[f.file] : undefined;
      const r = await transfer({
        url,
        part,
        // The size the lock records when it has the file, else the ceiling per file.
        maxBytes: locked && locked.md5 === f.md5.toLowerCase() ? locked.size : ctx.maxFileBytes,
        agents: ctx.agents,
        timeoutMs: ctx.timeoutMs,
        userAgent: ctx.userAgent,
        signal: ctx.signal,
        onStart: (i) => {
          last = i.offset;
          ctx.emit({ type: "start", file: f, url: i.url, offset: i.offset, total: i.total, restarted: i.restarted });
        },
        onData: (received, total) => {
          counter.bytes += received - last;
          last = received;
          ctx.emit({ type: "data", file: f, received, total });
        },
      });
      if (r.md5 !== f.md5.toLowerCase()) {
        await removePart(part);
        if (r.resumedFrom > 0 && !cleanRetry) {
          // The kept bytes may be from another copy of the file: start over once from the first byte.
          cleanRetry = true;
          const error = new Error(`MD5 mismatch after resuming at byte ${r.resumedFrom}: downloading again from the first byte`);
          ctx.emit({ type: "retry", file: f, url, attempt: attempts, delayMs: 0, error });
          continue;
        }
        throw new Refused(`MD5 mismatch: the file from this address is ${r.md5}, the book says ${f.md5} (refused and deleted)`, false);
      }
      const check = checkLock(ctx.store.lock, f.file, f.md5, r.sha256);
      if (check.state === "sha256-mismatch" || check.state === "md5-conflict") {
        await removePart(part);
        throw new Refused(lockProblem(check, f.file, r.sha256, ctx.lockWhere), true);
      }
      try {
        await rename(part, path);
      } catch (err) {
        throw fsError(err, path, "rename the verified download to");
      }
      if (check.state === "absent") await ctx.store.add(f.file, { md5: r.md5, sha256: r.sha256, size: r.size });
      return { r, added: check.state === "absent" };
    } catch (err) {
      if (!(err instanceof TransferError) || !err.retryable) throw err;
      strikes = err.progressed ? 1 : strikes + 1;
      if (strikes > ctx.retries || attempts >= MAX_ATTEMPTS_PER_ADDRESS) throw err;
      const base = Math.min(ctx.maxBackoffMs, ctx.backoffMs * 2 ** (strikes - 1));
      const delayMs = err.immediate ? 0 : Math.round(base * (0.8 + Math.random() * 0.4));
      ctx.emit({ type: "retry", file: f, url, attempt: attempts, delayMs, error: err });
      await sleep(delayMs, undefined, { signal: ctx.signal });
    }
  }
}

async function fetchOne(ctx: Ctx, f: SourceFile): Promise<FetchedFile> {
  const path = join(ctx.dir, f.file);
  let present = true;
  try {
    await stat(path);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw fsError(err, path, "inspect");
    present = false;
  }
  return (present && (await keptFile(ctx, f, path))) || download(ctx, f, path);
}

/**
 * A file already there: kept when it checks (and locked, if it was not), else refused with the
 * reason, or removed (MD5 mismatch) so that it is downloaded again: undefined then.
 */
async function keptFile(ctx: Ctx, f: SourceFile, path: string): Promise<FetchedFile | undefined> {
  ctx.emit({ type: "check", file: f });
  const v = await verifyFile(path, f, ctx.store.lock, ctx.lockWhere, ctx.signal);
  if (v.status === "ok") {
    if (!v.locked) await ctx.store.add(f.file, { md5: v.md5!, sha256: v.sha256!, size: v.size! });
    ctx.emit({ type: "done", file: f, status: "present", size: v.size!, sha256: v.sha256!, lock: v.locked ? "matched" : "added" });
    return { source: f, path, status: "present", size: v.size!, md5: v.md5!, sha256: v.sha256!, transferred: 0 };
  }
  if (v.status === "sha256-mismatch") {
    // Matches the MD5 but is not the file first downloaded: take it away from its final name.
    const aside = `${path}.refused`;
    try {
      await rename(path, aside);
    } catch (err) {
      throw fsError(err, path, "move the refused file aside from");
    }
    throw new SourcesError("E_SOURCES_LOCK", `${v.problem}; moved to ${aside}`, { file: path });
  }
  if (v.status === "lock-conflict") throw new SourcesError("E_SOURCES_LOCK", v.problem ?? `${path}: lock conflict`, { file: path });
  if (v.status === "unreadable") {
    const err = new SourcesError("E_SOURCES_IO", `${path} ${problemDetail(v)}`, { file: path });
    ONE_FILE.add(err);
    throw err;
  }
  // MD5 mismatch (truncated, corrupt, another version): never keep it under its final name.
  try {
    await rm(path, { force: true });
  } catch (err) {
    throw fsError(err, path, "delete the bad file");
  }
  ctx.emit({ type: "replace", file: f, reason: v.problem ?? "MD5 mismatch" });
  return undefined;
}

/** The file downloaded from the first of its addresses that gives it, or an error listing why each failed. */
async function download(ctx: Ctx, f: SourceFile, path: string): Promise<FetchedFile> {
  const part = `${path}.part`;
  const failures: { url: string; error: Error }[] = [];
  const counter = { bytes: 0 };
  for (const url of sourceUrls(f, ctx.mirrors, ctx.mirrorFirst)) {
    let origin = url;
    try {
      origin = new URL(url).origin;
    } catch {
      /* an invalid address fails in transfer() with a clear message */
    }
    const dead = ctx.deadHosts.get(origin);
    if (dead) {
      const error = new Error(`skipped: ${redactUrls(origin)} was unreachable earlier in this run (${dead.message})`, { cause: dead });
      failures.push({ url, error });
      ctx.emit({ type: "fallback", file: f, url, error });
      continue;
    }
    try {
      const { r, added } = await fromAddress(ctx, f, url, path, part, counter);
      ctx.emit({ type: "done", file: f, status: "downloaded", size: r.size, sha256: r.sha256, url: r.finalUrl, lock: added ? "added" : "matched" });
      return { source: f, path, status: "downloaded", size: r.size, md5: r.md5, sha256: r.sha256, url: r.finalUrl, transferred: counter.bytes };
    } catch (err) {
      if (!(err instanceof TransferError)) throw err;
      if (err.network && !err.progressed && !(err instanceof Refused)) ctx.deadHosts.set(origin, err);
      failures.push({ url, error: err });
      ctx.emit({ type: "fallback", file: f, url, error: err });
    }
  }
  throw allFailed(f, failures);
}

function allFailed(f: SourceFile, failures: { url: string; error: Error }[]): SourcesError {
  const lockRefusal = failures.some((x) => x.error instanceof Refused && x.error.lockRefusal);
  // Addresses in messages never show a password (a mirror's URL may carry one).
  const lines = failures.map((x) => `    ${redactUrls(x.url)}: ${x.error.message}`).join("\n");
  const message =
    failures.length === 1
      ? `cannot fetch ${f.file} from ${redactUrls(failures[0]!.url)}: ${failures[0]!.error.message}`
      : `cannot fetch ${f.file}: all ${failures.length} addresses failed:\n${lines}`;
  const cause =
    failures.length === 1
      ? failures[0]!.error
      : new AggregateError(
          failures.map((x) => x.error),
          "",
        );
  return new SourcesError(lockRefusal ? "E_SOURCES_LOCK" : "E_SOURCES_FETCH", message, { cause, file: f.file });
}

/** The partial downloads the failed files left (each a FILE.part with bytes in it), in one sentence; "" when none. */
async function keptParts(dir: string, failed: SourcesError[]): Promise<string> {
  let count = 0;
  let bytes = 0;
  for (const e of failed) {
    if (e.file === undefined || e.file.includes("/")) continue;
    try {
      const s = await stat(join(dir, `${e.file}.part`));
      if (s.isFile() && s.size > 0) {
        count++;
        bytes += s.size;
      }
    } catch {
      /* none */
    }
  }
  if (count === 0) return "";
  return `${count === 1 ? "1 partial download is" : `${count} partial downloads are`} kept in ${dir} as *.part (${formatBytes(bytes)}): run the same command again to resume ${count === 1 ? "it" : "them"}`;
}

/**
 * Make `options.dir` hold every file of the selection (by default the sysv edition of release 12.3),
 * each verified against the book's MD5 and the directory's SHA-256 lock (see `lock.ts`), which it
 * extends with each newly verified file.
 *
 * A file already in the directory is verified, not downloaded again (if it fails the MD5 it is
 * deleted and downloaded; if it matches the MD5 but not the lock, it is refused). A download goes to
 * `FILE.part`, resumes the bytes already there, and is renamed to `FILE` only once verified: a file
 * under its final name is always a verified one.
 *
 * Resolves when every file is in place. Otherwise rejects with a `SourcesError`: a file that failed
 * everywhere (`E_SOURCES_FETCH`, or `E_SOURCES_LOCK` when the lock refused it) does not stop the
 * others, and the error names every such file with each address's reason; a file-system failure
 * (`E_SOURCES_DIR`, `E_SOURCES_NOSPACE`, `E_SOURCES_IO`) or an abort (`E_SOURCES_ABORTED`) stops the
 * run at once. Bad options throw `OptionError`.
 */
export async function fetchSources(options: FetchOptions): Promise<FetchResult> {
  const started = Date.now();
  if (typeof options.dir !== "string" || options.dir === "") throw new OptionError("--dir", options.dir, "a directory path");
  const jobs = checkInteger("--jobs", options.jobs, 1, 64, DEFAULT_JOBS);
  const limits = {
    retries: checkInteger("--retries", options.retries, 0, 50, 3),
    backoffMs: checkInteger("backoffMs", options.backoffMs, 0, 600_000, 500),
    maxBackoffMs: checkInteger("maxBackoffMs", options.maxBackoffMs, 0, 3_600_000, 15_000),
    timeoutMs: checkInteger("timeoutMs", options.timeoutMs, 1, 3_600_000, 30_000),
  };
  const mirrors = (options.mirrors ?? []).map(checkMirror);
  const files = selectedFiles(options);
  const dir = resolve(options.dir);
  const emit = options.onProgress ?? (() => undefined);

  if (options.signal?.aborted) throw new SourcesError("E_SOURCES_ABORTED", "aborted before the first download", { cause: options.signal.reason });
  await prepareDir(dir);
  const store = new LockStore(dir, await readLock(dir));

  const controller = new AbortController();
  const onAbort = () =>
    controller.abort(
      new SourcesError("E_SOURCES_ABORTED", `aborted; partial downloads are kept as *.part in ${dir} and resumed by the next run`, {
        cause: options.signal?.reason,
      }),
    );
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const agents = createAgents(jobs);
  const ctx: Ctx = {
    dir,
    lockWhere: lockPath(dir),
    mirrors,
    mirrorFirst: options.mirrorFirst ?? false,
    ...limits,
    agents,
    signal: controller.signal,
    store,
    deadHosts: new Map(),
    emit,
    userAgent: `lfs-docker/${version}`,
    maxFileBytes: checkInteger("maxFileBytes", options.maxFileBytes, 1, Number.MAX_SAFE_INTEGER, DEFAULT_MAX_FILE_BYTES),
  };
  emit({ type: "plan", dir, files });

  let run: { results: (FetchedFile | undefined)[]; failed: SourcesError[]; fatal: unknown };
  try {
    run = await fetchAll(ctx, files, jobs, controller);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    agents.http.destroy();
    agents.https.destroy();
  }
  if (run.fatal !== undefined) throw run.fatal;
  if (run.failed.length > 0) throw await failedFiles(dir, files.length, run.failed);
  const done = run.results.filter((r): r is FetchedFile => r !== undefined);
  return {
    dir,
    lockFile: lockPath(dir),
    files: done,
    downloaded: done.filter((r) => r.status === "downloaded").length,
    present: done.filter((r) => r.status === "present").length,
    bytes: done.reduce((n, r) => n + r.transferred, 0),
    elapsedMs: Date.now() - started,
  };
}

/** The files of the selection, each name checked, each once. */
function selectedFiles(options: FetchOptions): SourceFile[] {
  const byName = new Map<string, SourceFile>();
  for (const f of selectSources(options)) {
    checkFileName(f);
    if (!byName.has(f.file)) byName.set(f.file, f);
  }
  return [...byName.values()];
}

/**
 * Every file, `jobs` at a time: a file that failed everywhere is recorded in `failed` and the others
 * go on; the first fatal failure (file system, abort) is `fatal` and stops them all.
 */
async function fetchAll(
  ctx: Ctx,
  files: SourceFile[],
  jobs: number,
  controller: AbortController,
): Promise<{ results: (FetchedFile | undefined)[]; failed: SourcesError[]; fatal: unknown }> {
  const failed: SourcesError[] = [];
  let fatal: unknown;
  let results: (FetchedFile | undefined)[];
  try {
    results = await runPool(
      files,
      jobs,
      async (f) => {
        try {
          return await fetchOne(ctx, f);
        } catch (err) {
          const error = controller.signal.aborted && !isFatal(err) ? controller.signal.reason : err;
          if (error instanceof SourcesError && !isFatal(error)) {
            failed.push(error);
            ctx.emit({ type: "failed", file: f, error });
            return undefined;
          }
          if (fatal === undefined) {
            fatal = error;
            controller.abort(error);
            if (error instanceof Error && !(error instanceof SourcesError && error.code === "E_SOURCES_ABORTED")) ctx.emit({ type: "failed", file: f, error });
          }
          return undefined;
        }
      },
      controller.signal,
    );
  } catch (err) {
    fatal ??= err;
    results = [];
  }
  return { results, failed, fatal };
}

/** The error for files that failed everywhere: each named with its reasons, and the partial downloads kept. */
async function failedFiles(dir: string, total: number, failed: SourcesError[]): Promise<SourcesError> {
  const kept = await keptParts(dir, failed);
  if (failed.length === 1 && !kept) return failed[0]!;
  const lock = failed.every((e) => e.code === "E_SOURCES_LOCK");
  const head =
    failed.length === 1
      ? failed[0]!.message
      : `${failed.length} of ${total} files could not be fetched into ${dir}:\n${failed.map((e) => `  ${e.message}`).join("\n")}`;
  return new SourcesError(lock ? "E_SOURCES_LOCK" : "E_SOURCES_FETCH", kept ? `${head}\n${kept}` : head, {
    cause: failed.length === 1 ? failed[0] : new AggregateError(failed, ""),
    file: failed.length === 1 ? failed[0]!.file : dir,
  });
}
