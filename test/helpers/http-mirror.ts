/**
 * A package mirror for tests: a node:http server on 127.0.0.1 (ephemeral port) serving files flat
 * (`/NAME`), with Range support and switchable misbehaviour: dropped connections, ignored ranges,
 * corrupted bytes, 404s. Every request is logged so tests can count transfers.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { SourceFile } from "../../src/book/types.js";

export interface MirrorRequest {
  path: string;
  range: string | undefined;
  status: number;
  /** Body bytes sent (before any deliberate drop). */
  sent: number;
}

export interface MirrorOptions {
  /** Cut the connection after this many body bytes of a response... */
  dropAfter?: number;
  /** ...for this many responses per file (default: all). */
  dropTimes?: number;
  /** Instead of cutting the connection after `dropAfter` bytes, keep it open and send nothing more. */
  stall?: boolean;
  /** Answer 200 with the whole file to Range requests. */
  ignoreRange?: boolean;
  /** Serve these files (or all, with true) with one byte changed. */
  corrupt?: boolean | readonly string[];
  /** Answer 404 to everything. */
  notFound?: boolean;
  /** Answer 302 to these paths, with this Location. */
  redirect?: Readonly<Record<string, string>>;
  /** Wait this long before answering each request. */
  delayMs?: number;
}

export interface Mirror {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly requests: MirrorRequest[];
  /** Most requests in progress at once. */
  readonly maxConcurrent: number;
  options: MirrorOptions;
  close(): Promise<void>;
}

export async function startMirror(files: Record<string, Buffer>, options: MirrorOptions = {}): Promise<Mirror> {
  const requests: MirrorRequest[] = [];
  const drops = new Map<string, number>();
  let current = 0;
  let maxConcurrent = 0;
  const state = { options };
  const server = http.createServer((req, res) => {
    current++;
    maxConcurrent = Math.max(maxConcurrent, current);
    res.on("close", () => current--);
    const o = state.options;
    const name = decodeURIComponent((req.url ?? "/").slice(1).split("?")[0] ?? "");
    const range = req.headers.range;
    const entry: MirrorRequest = { path: name, range, status: 0, sent: 0 };
    requests.push(entry);
    const answer = () => {
      const location = o.redirect?.[name];
      if (location !== undefined) {
        entry.status = 302;
        res.writeHead(302, { location }).end();
        return;
      }
      let body = files[name];
      if (o.notFound || body === undefined) {
        entry.status = 404;
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      if (o.corrupt === true || (Array.isArray(o.corrupt) && o.corrupt.includes(name))) {
        body = Buffer.from(body);
        const mid = Math.floor(body.length / 2);
        body[mid] = (body[mid] ?? 0) ^ 0xff;
      }
      let start = 0;
      const m = range && !o.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) {
        start = Number(m[1]);
        if (start >= body.length) {
          entry.status = 416;
          res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
          return;
        }
        entry.status = 206;
        res.writeHead(206, {
          "content-length": body.length - start,
          "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
          "accept-ranges": "bytes",
        });
      } else {
        entry.status = 200;
        res.writeHead(200, { "content-length": body.length, "accept-ranges": o.ignoreRange ? "none" : "bytes" });
      }
      const rest = body.subarray(start);
      const dropped = drops.get(name) ?? 0;
      if (o.dropAfter !== undefined && dropped < (o.dropTimes ?? Infinity) && rest.length > o.dropAfter) {
        drops.set(name, dropped + 1);
        entry.sent = o.dropAfter;
        // The cut comes a while after the bytes left: a client that errors on the cut drops what
        // it had received but not yet consumed, and a loaded machine must not make that vary.
        res.write(rest.subarray(0, o.dropAfter), () => {
          if (!o.stall) setTimeout(() => res.socket?.destroy(), 400);
        });
        return;
      }
      entry.sent = rest.length;
      res.end(rest);
    };
    if (o.delayMs) setTimeout(answer, o.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    get options() {
      return state.options;
    },
    set options(v: MirrorOptions) {
      state.options = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");
export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Deterministic pseudo-random bytes (so sizes and digests do not vary between runs). */
export function bytes(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Test source files: `count` generated files, their book entries pointing at `bookBase` (the "book's" own host). */
export function fixtureSources(count: number, bookBase: string, size = 200_000): { files: Record<string, Buffer>; sources: SourceFile[] } {
  const files: Record<string, Buffer> = {};
  const sources: SourceFile[] = [];
  for (let i = 0; i < count; i++) {
    const file = `pkg${i}-1.${i}.tar.xz`;
    const body = bytes(size + i * 1013, i + 1);
    files[file] = body;
    sources.push({ kind: "package", name: `Pkg${i}`, version: `1.${i}`, file, url: `${bookBase}/${file}`, md5: md5(body), edition: "both" });
  }
  return { files, sources };
}
