/**
 * Hostile servers and hostile directories for `sources fetch`: each case runs against a server on
 * 127.0.0.1 inside the test and asserts the error and that nothing outside the sources directory
 * changed (and, inside it, only what is expected).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { join } from "node:path";
import { fetchSources, type FetchOptions } from "../../src/sources/fetch.js";
import { LOCK_FILE, readLock } from "../../src/sources/lock.js";
import { SourcesError } from "../../src/sources/errors.js";
import { createFetchProgress } from "../../src/sources/progress.js";
import type { SourceFile } from "../../src/book/types.js";
import { fixtureSources, startMirror } from "../helpers/http-mirror.js";
import { tree } from "../helpers/tree.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("fetch-hostile-");
const FAST: Partial<FetchOptions> = { retries: 0, backoffMs: 5, maxBackoffMs: 10, timeoutMs: 5000 };

async function listen(server: http.Server | net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: http.Server | net.Server) => new Promise<void>((r) => server.close(() => r()));

/** A server that answers every request with `handler`; counts the body bytes it managed to send. */
async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, sent: { bytes: number }) => void) {
  const sent = { bytes: 0 };
  const server = http.createServer((req, res) => handler(req, res, sent));
  const url = await listen(server);
  return { url, sent, close: () => (server.closeAllConnections(), close(server)) };
}

/** Send chunks of 16 KiB forever (no Content-Length), until the client goes away. */
function endless(res: http.ServerResponse, sent: { bytes: number }): void {
  res.writeHead(200, { "content-type": "application/octet-stream" });
  const chunk = Buffer.alloc(16384, 0x61);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) sent.bytes += chunk.length;
    if (!res.destroyed) res.once("drain", pump);
  };
  res.on("close", () => undefined);
  pump();
}

const source = (url: string, file = "big-1.0.tar.xz", sum = "0".repeat(32)): SourceFile => ({
  kind: "package",
  name: "Big",
  version: "1.0",
  file,
  url: `${url}/${file}`,
  md5: sum,
  edition: "both",
});

async function fails(p: Promise<unknown>, code: string, pattern: RegExp): Promise<SourcesError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof SourcesError, `a SourcesError, not ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, pattern);
  assert.doesNotMatch(caught.message, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, "printable");
  return caught;
}

test("fetch: a server with no Content-Length that never stops is cut at the per-file ceiling; .part deleted", async () => {
  const s = await serve((_req, res, sent) => endless(res, sent));
  try {
    const dir = tmp();
    await fails(
      fetchSources({ ...FAST, dir, files: [source(s.url)], maxFileBytes: 256 * 1024 }),
      "E_SOURCES_FETCH",
      /more than 262144 bytes arrived, more than the 262144 this file may have: refused/,
    );
    assert.deepEqual(readdirSync(dir), [], "no .part, no file, no lock");
    assert.ok(s.sent.bytes < 16 * 1024 * 1024, `the transfer stopped early (${s.sent.bytes} bytes sent)`);
  } finally {
    await s.close();
  }
});

test("fetch: a Content-Length above the ceiling is refused before the body is read", async () => {
  const s = await serve((_req, res) => {
    res.writeHead(200, { "content-length": String(10 * 1024 * 1024 * 1024) });
    res.write("x");
  });
  try {
    const dir = tmp();
    await fails(
      fetchSources({ ...FAST, dir, files: [source(s.url)], maxFileBytes: 1024 }),
      "E_SOURCES_FETCH",
      /the server announces 10737418240 bytes, more than the 1024 this file may have: refused/,
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    await s.close();
  }
});

test("fetch: the lock's recorded size bounds a new download of a locked file", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid", 50_000);
  const name = sources[0]!.file;
  const s = await serve((_req, res, sent) => endless(res, sent));
  try {
    const dir = tmp();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ lockVersion: 1, files: { [name]: { md5: sources[0]!.md5, sha256: "a".repeat(64), size: files[name]!.length } } }),
    );
    await fails(
      fetchSources({ ...FAST, dir, files: [{ ...sources[0]!, url: `${s.url}/${name}` }] }),
      "E_SOURCES_FETCH",
      new RegExp(`more than the ${files[name]!.length} this file may have`),
    );
    assert.deepEqual(readdirSync(dir), [LOCK_FILE]);
  } finally {
    await s.close();
  }
});

test("fetch: a FIFO among the source files gives an error at once, no hang; the FIFO stays", async () => {
  const { sources } = fixtureSources(1, "http://127.0.0.1:9");
  const dir = tmp();
  execFileSync("mkfifo", [join(dir, sources[0]!.file)]);
  await fails(fetchSources({ ...FAST, dir, files: sources }), "E_SOURCES_IO", /pkg0-1\.0\.tar\.xz cannot be read: it is a FIFO, not a regular file/);
  assert.ok(lstatSync(join(dir, sources[0]!.file)).isFIFO());
});

test("fetch: a FIFO planted as FILE.part is refused, no hang", async () => {
  const { sources } = fixtureSources(1, "http://127.0.0.1:9");
  const dir = tmp();
  execFileSync("mkfifo", [join(dir, `${sources[0]!.file}.part`)]);
  await fails(fetchSources({ ...FAST, dir, files: sources }), "E_SOURCES_IO", /\.part is a FIFO, not a regular file: refused/);
});

test("fetch: a link planted as FILE.part to a file elsewhere is refused; that file is unchanged", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid");
  const mirror = await startMirror(files);
  try {
    const top = tmp();
    const dir = join(top, "sources");
    writeFileSync(join(top, "victim"), "precious\n");
    execFileSync("mkdir", [dir]);
    symlinkSync(join(top, "victim"), join(dir, `${sources[0]!.file}.part`));
    const before = await tree(top);
    await fails(
      fetchSources({ ...FAST, dir, files: sources.map((f) => ({ ...f, url: `${mirror.url}/${f.file}` })) }),
      "E_SOURCES_IO",
      /\.part is a symbolic link, not a regular file: refused/,
    );
    assert.deepEqual(await tree(top), before);
    assert.equal(readFileSync(join(top, "victim"), "utf8"), "precious\n");
  } finally {
    await mirror.close();
  }
});

test("fetch: two fetches into one directory at once keep every lock entry", async () => {
  const { files, sources } = fixtureSources(8, "http://book.invalid", 20_000);
  const mirror = await startMirror(files, { delayMs: 5 });
  try {
    const dir = tmp();
    const src = sources.map((f) => ({ ...f, url: `${mirror.url}/${f.file}` }));
    await Promise.all([fetchSources({ ...FAST, dir, files: src.slice(0, 4), jobs: 4 }), fetchSources({ ...FAST, dir, files: src.slice(4), jobs: 4 })]);
    const lock = await readLock(dir);
    assert.deepEqual(Object.keys(lock!.files).sort(), sources.map((f) => f.file).sort());
    assert.ok(!existsSync(join(dir, `${LOCK_FILE}.guard`)), "the guard is released");
  } finally {
    await mirror.close();
  }
});

const RESERVED: [string, RegExp][] = [
  ["__proto__", /"__proto__" is reserved/],
  ["constructor", /"constructor" is reserved/],
  ["prototype", /"prototype" is reserved/],
  [LOCK_FILE, /"lfs-docker-sources\.lock\.json" is reserved/],
  ["x.tar.xz.part", /is reserved/],
];
for (const [name, pattern] of RESERVED) {
  test(`fetch: a source file named ${name} is refused before anything is written`, async () => {
    const dir = tmp();
    await fails(fetchSources({ ...FAST, dir, files: [source("http://127.0.0.1:9", name)] }), "E_SOURCES_NAME", pattern);
    assert.deepEqual(readdirSync(dir), []);
  });
}

test("fetch: a lock file with a __proto__ entry is refused, not merged into an object's prototype", async () => {
  const dir = tmp();
  const text = `{"lockVersion":1,"files":{"__proto__":{"md5":"${"a".repeat(32)}","sha256":"${"b".repeat(64)}","size":1}}}`;
  writeFileSync(join(dir, LOCK_FILE), text);
  await fails(fetchSources({ ...FAST, dir, files: [] }), "E_SOURCES_LOCK", /entry "__proto__" uses a reserved name/);
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), text);
});

test("fetch: a reason phrase with escape sequences reaches the message escaped", async () => {
  const server = net.createServer((sock) => {
    sock.once("data", () => sock.end("HTTP/1.1 404 Not\x1b]0;owned\x07 \x1b[2JFound\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"));
  });
  const url = await listen(server);
  try {
    const dir = tmp();
    const err = await fails(fetchSources({ ...FAST, dir, files: [source(url)] }), "E_SOURCES_FETCH", /HTTP 404 Not\\x1b\]0;owned\\x07 \\x1b\[2JFound/);
    assert.doesNotMatch(err.message, /\x1b/);
  } finally {
    await close(server);
  }
});

test("fetch: a mirror URL's password is never in a message or on the terminal", async () => {
  const s = await serve((_req, res) => res.writeHead(404).end());
  try {
    const dir = tmp();
    const mirror = s.url.replace("http://", "http://alice:s3cr3t@");
    let shown = "";
    const progress = createFetchProgress({ write: (t: string) => ((shown += t), true) } as never);
    const err = await fails(
      fetchSources({ ...FAST, dir, files: [source("http://127.0.0.1:9")], mirrors: [mirror], onProgress: progress.onProgress }),
      "E_SOURCES_FETCH",
      /alice:\*\*\*@127\.0\.0\.1/,
    );
    progress.close();
    assert.doesNotMatch(err.message, /s3cr3t/);
    assert.doesNotMatch(shown, /s3cr3t/);
  } finally {
    await s.close();
  }
});
