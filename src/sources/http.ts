/**
 * One HTTP(S) transfer of one address into a temporary file, resuming the bytes already there with a
 * Range request, hashing (MD5 and SHA-256) as the bytes are written. Built on node:http and node:https.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { constants } from "node:fs";
import { lstat, open, rm, truncate, type FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { errnoCode, fsError } from "./errors.js";
import { DigestPair, hashInto, type Digests } from "./hash.js";
import { fileKind } from "../fs/safe-write.js";
import { printable } from "../text/terminal.js";
import { redactUrls } from "../text/redact.js";
import { SourcesError } from "./errors.js";

/** A failed transfer of one address: whether to try the address again, and whether bytes arrived. */
export class TransferError extends Error {
  /** Worth another attempt at the same address (connection lost, time-out, 5xx, 429). */
  readonly retryable: boolean;
  /** The failure is the connection itself (refused, unreachable host, name not found). */
  readonly network: boolean;
  /** Bytes were written to the temporary file during this attempt (the next one resumes after them). */
  readonly progressed: boolean;
  /** Retry at once, without waiting (the temporary file was reset). */
  readonly immediate: boolean;
  readonly status: number | undefined;
  constructor(message: string, o: { retryable: boolean; network?: boolean; progressed?: boolean; immediate?: boolean; status?: number; cause?: unknown }) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "TransferError";
    this.retryable = o.retryable;
    this.network = o.network ?? false;
    this.progressed = o.progressed ?? false;
    this.immediate = o.immediate ?? false;
    this.status = o.status;
  }
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Keep-alive agents for one run; destroy them at the end. */
export function createAgents(maxSockets: number): Agents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
}

export interface TransferOptions {
  url: string;
  /** The temporary file: its bytes, if any, are resumed. */
  part: string;
  agents: Agents;
  /** Give up an attempt when no byte arrives for this long. */
  timeoutMs: number;
  userAgent: string;
  signal: AbortSignal;
  maxRedirects?: number;
  /**
   * Most bytes the file may have: the transfer is refused as soon as the server announces more, or
   * sends more (the size the lock records, or a ceiling per file).
   */
  maxBytes?: number;
  /** Called once the response headers are in: where the transfer starts and the whole size if known. */
  onStart?: (info: { url: string; offset: number; total: number | undefined; restarted: boolean }) => void;
  /** Called as bytes arrive: bytes of the file now in the temporary file, and the whole size if known. */
  onData?: (received: number, total: number | undefined) => void;
}

export interface TransferResult extends Digests {
  /** Bytes that were already in the temporary file and were kept (0: the whole file came in this attempt). */
  readonly resumedFrom: number;
  /** The address the bytes came from, after redirects. */
  readonly finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Response {
  res: IncomingMessage;
  url: string;
  /** Whether the connection was closed for want of data (then the body ends in an error). */
  timedOut: () => boolean;
}

const silence = (ms: number) => `no data for ${Math.round(ms / 100) / 10} s`;

function request(url: string, headers: Record<string, string>, o: TransferOptions, redirectsLeft: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch (err) {
      reject(new TransferError(`not a valid URL: ${printable(redactUrls(url))}`, { retryable: false, cause: err }));
      return;
    }
    const mod = u.protocol === "https:" ? https : u.protocol === "http:" ? http : undefined;
    if (!mod) {
      reject(new TransferError(`unsupported protocol ${printable(u.protocol)} (http and https are)`, { retryable: false }));
      return;
    }
    const agent = u.protocol === "https:" ? o.agents.https : o.agents.http;
    const req = mod.request(u, { method: "GET", headers, agent, signal: o.signal });
    let timedOut = false;
    req.setTimeout(o.timeoutMs, () => {
      timedOut = true;
      req.destroy(new TransferError(silence(o.timeoutMs), { retryable: true, network: true }));
    });
    req.on("error", (err) => {
      if (o.signal.aborted) reject(o.signal.reason);
      else if (err instanceof TransferError) reject(err);
      else reject(new TransferError(err.message, { retryable: true, network: true, cause: err }));
    });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new TransferError(`more than ${o.maxRedirects ?? 10} redirects`, { retryable: false, status }));
          return;
        }
        let next: string;
        try {
          next = new URL(location, u).href;
        } catch (err) {
          reject(
            new TransferError(`redirected to an invalid address ${printable(JSON.stringify(redactUrls(location.slice(0, 200))))}`, {
              retryable: false,
              status,
              cause: err,
            }),
          );
          return;
        }
        resolve(request(next, headers, o, redirectsLeft - 1));
        return;
      }
      resolve({ res, url: u.href, timedOut: () => timedOut });
    });
    req.end();
  });
}

/** `bytes START-END/TOTAL` or `bytes * /TOTAL`. */
function parseContentRange(value: string | undefined): { start: number | undefined; total: number | undefined } | undefined {
  if (!value) return undefined;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!m) return undefined;
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[3] === "*" || m[3] === undefined ? undefined : Number(m[3]) };
}

function contentLength(res: IncomingMessage): number | undefined {
  const v = res.headers["content-length"];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Bytes already in the temporary file; it must be a regular file (a link or a FIFO planted there is refused). */
async function partSize(part: string): Promise<number> {
  try {
    const s = await lstat(part);
    if (!s.isFile()) throw new SourcesError("E_SOURCES_IO", `${part} is ${fileKind(s)}, not a regular file: refused (delete it)`, { file: part });
    return s.size;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return 0;
    throw fsError(err, part, "read");
  }
}

/**
 * The temporary file opened for writing without following a link (O_NOFOLLOW) nor blocking on a FIFO
 * (O_NONBLOCK), and checked to be a regular file: created when new, truncated when restarting.
 */
async function openPart(part: string, resume: boolean): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (resume ? 0 : constants.O_CREAT | constants.O_TRUNC);
  let fh: FileHandle;
  try {
    fh = await open(part, flags, 0o644);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ELOOP" || code === "ENXIO")
      throw new SourcesError("E_SOURCES_IO", `${part} is ${code === "ELOOP" ? "a symbolic link" : "a FIFO"}, not a regular file: refused (delete it)`, {
        cause: err,
        file: part,
      });
    throw fsError(err, part, "write");
  }
  const s = await fh.stat();
  if (!s.isFile()) {
    await fh.close();
    throw new SourcesError("E_SOURCES_IO", `${part} is ${fileKind(s)}, not a regular file: refused (delete it)`, { file: part });
  }
  return fh;
}

/** Write all of `chunk` at `position` (a write may take only part of it). */
async function writeAll(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  for (let done = 0; done < chunk.length;) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/** A body bigger than the bound: the transfer stops at once (the caller deletes the temporary file). */
function tooBig(limit: number, announced?: number): TransferError {
  const what = announced === undefined ? `more than ${limit} bytes arrived` : `the server announces ${announced} bytes`;
  return new TransferError(`${what}, more than the ${limit} this file may have: refused`, { retryable: false });
}

async function resetPart(part: string): Promise<void> {
  try {
    await truncate(part, 0);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw fsError(err, part, "truncate");
  }
}

/** The bytes already in the temporary file, hashed: where the download resumes. */
async function resumePoint(o: TransferOptions): Promise<{ offset: number; pair: DigestPair }> {
  const offset = await partSize(o.part);
  const pair = new DigestPair();
  if (offset === 0) return { offset, pair };
  try {
    await hashInto(pair, o.part, offset, o.signal);
  } catch (err) {
    if (o.signal.aborted) throw o.signal.reason;
    throw fsError(err, o.part, "read");
  }
  return { offset: pair.size, pair };
}

/** Where the answer's body goes in the file and how long the file is, as the server answered the request. */
type Plan =
  | { kind: "body"; writeFrom: number; total: number | undefined; restarted: boolean }
  /** 416 for a range starting at the file's end: the temporary file already holds the whole file. */
  | { kind: "complete" };

async function planFromAnswer(res: IncomingMessage, offset: number, part: string): Promise<Plan> {
  const status = res.statusCode ?? 0;
  if (status === 206 && offset > 0) {
    const range = parseContentRange(res.headers["content-range"]);
    if (range?.start !== offset) {
      res.destroy();
      await resetPart(part);
      throw new TransferError(`the server answered a range other than the one asked for (${res.headers["content-range"] ?? "no Content-Range"}); restarting`, {
        retryable: true,
        immediate: true,
        status,
      });
    }
    const length = contentLength(res);
    return { kind: "body", writeFrom: offset, total: range.total ?? (length === undefined ? undefined : offset + length), restarted: false };
  }
  if (status === 200 || status === 206) {
    // 200 to a Range request: the server ignores ranges, start again from the first byte.
    const total = status === 206 ? parseContentRange(res.headers["content-range"])?.total : contentLength(res);
    return { kind: "body", writeFrom: 0, total, restarted: offset > 0 };
  }
  res.resume();
  if (status === 416 && offset > 0) {
    const range = parseContentRange(res.headers["content-range"]);
    if (range?.total === offset) return { kind: "complete" };
    await resetPart(part);
    throw new TransferError(`HTTP 416 for bytes from ${offset}: the partial file does not fit the server's; restarting`, {
      retryable: true,
      immediate: true,
      status,
    });
  }
  const retryable = status >= 500 || status === 408 || status === 429;
  // The reason phrase is the server's text: escaped and short, never raw on the terminal.
  const reason = res.statusMessage ? ` ${printable(res.statusMessage.slice(0, 100))}` : "";
  throw new TransferError(`HTTP ${status}${reason}`, { retryable, status });
}

/**
 * Writes the body into the file from `writeFrom`, hashing and counting bytes once they are in the
 * file: what a retry resumes from is exactly what was counted (bytes still in a stream's buffer
 * when the connection drops are not). Resolves with the bytes the file holds.
 */
async function writeBody(
  res: IncomingMessage,
  o: TransferOptions,
  pair: DigestPair,
  p: { writeFrom: number; total: number | undefined; limit: number; timedOut: () => boolean },
): Promise<number> {
  const { writeFrom, total } = p;
  let received = writeFrom;
  const onData = o.onData;
  // Whichever bound is known: the announced size, else the file's own bound.
  const bound = Math.min(total ?? p.limit, p.limit);
  let overflow: TransferError | undefined;
  let fsFailure: unknown;
  let fh: FileHandle;
  try {
    fh = await openPart(o.part, writeFrom > 0);
  } catch (err) {
    res.destroy();
    throw err;
  }
  let position = writeFrom;
  const out = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, callback) {
      if (received + chunk.length > bound) {
        overflow = tooBig(bound);
        callback(overflow);
        return;
      }
      writeAll(fh, chunk, position).then(
        () => {
          position += chunk.length;
          pair.update(chunk);
          received += chunk.length;
          onData?.(received, total);
          callback();
        },
        (err: unknown) => {
          fsFailure ??= err;
          callback(err as Error);
        },
      );
    },
    destroy(err, callback) {
      fh.close().then(
        () => callback(err),
        () => callback(err),
      );
    },
  });
  try {
    await pipeline(res, out, { signal: o.signal });
  } catch (err) {
    if (overflow !== undefined) {
      await rm(o.part, { force: true });
      throw overflow;
    }
    if (fsFailure !== undefined) throw fsError(fsFailure, o.part, "write");
    if (o.signal.aborted) throw o.signal.reason;
    const why = p.timedOut() ? silence(o.timeoutMs) : err instanceof TransferError ? err.message : `connection lost (${(err as Error).message})`;
    throw new TransferError(`${why} after ${received}${total === undefined ? "" : ` of ${total}`} bytes`, {
      retryable: true,
      network: !(err instanceof TransferError) || err.network,
      progressed: received > writeFrom,
      cause: err,
    });
  }
  return received;
}

/**
 * Download `o.url` into `o.part`, resuming after the bytes already there (a `Range` request; a server
 * that ignores it answers 200 and the file is restarted from its first byte). Resolves with the
 * digests of the whole temporary file. Network and HTTP failures reject with a `TransferError`;
 * file-system failures reject with a `SourcesError` (disk full, unwritable directory, ...), which
 * should stop the whole run; an abort rejects with the signal's reason.
 */
export async function transfer(o: TransferOptions): Promise<TransferResult> {
  const resume = await resumePoint(o);
  const offset = resume.offset;
  let pair = resume.pair;
  const headers: Record<string, string> = { "user-agent": o.userAgent, accept: "*/*", "accept-encoding": "identity" };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const { res, url, timedOut } = await request(o.url, headers, o, o.maxRedirects ?? 10);
  const plan = await planFromAnswer(res, offset, o.part);
  if (plan.kind === "complete") {
    o.onStart?.({ url, offset, total: offset, restarted: false });
    return { ...pair.digest(), resumedFrom: offset, finalUrl: url };
  }
  const { writeFrom, total, restarted } = plan;
  if (restarted) pair = new DigestPair();
  const limit = o.maxBytes ?? Number.POSITIVE_INFINITY;
  if (total !== undefined && total > limit) {
    res.destroy();
    await rm(o.part, { force: true });
    throw tooBig(limit, total);
  }
  o.onStart?.({ url, offset: writeFrom, total, restarted });
  const received = await writeBody(res, o, pair, { writeFrom, total, limit, timedOut });
  if (total !== undefined && received < total) {
    throw new TransferError(`the connection closed after ${received} of ${total} bytes`, { retryable: true, progressed: received > writeFrom });
  }
  if (total !== undefined && received > total) {
    await rm(o.part, { force: true });
    throw new TransferError(`the server sent ${received} bytes but announced ${total}`, { retryable: true, immediate: true });
  }
  return { ...pair.digest(), resumedFrom: writeFrom, finalUrl: url };
}
