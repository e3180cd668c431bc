import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OptionError } from "../../src/errors.js";
import { fetchSources, type FetchOptions } from "../../src/sources/fetch.js";
import { LOCK_FILE, readLock, writeLock } from "../../src/sources/lock.js";
import { fsError, SourcesError } from "../../src/sources/errors.js";
import { selectSources } from "../../src/sources/select.js";
import type { FetchEvent } from "../../src/sources/types.js";
import { closedPort, fixtureSources, sha256, startMirror, type Mirror } from "../helpers/http-mirror.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("lfs-docker-sources-");
/** Quick retries for tests. */
const FAST: Partial<FetchOptions> = { retries: 3, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 5000 };

async function withMirrors<T>(mirrors: Mirror[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await Promise.all(mirrors.map((m) => m.close()));
  }
}

function assertFiles(dir: string, files: Record<string, Buffer>, extra: string[] = [LOCK_FILE]): void {
  for (const [name, body] of Object.entries(files)) assert.ok(readFileSync(join(dir, name)).equals(body), `${name} has the right bytes`);
  assert.deepEqual(readdirSync(dir).sort(), [...Object.keys(files), ...extra].sort(), "nothing else in the directory (no .part, no probe file)");
}

const rejectsWith = async (p: Promise<unknown>, code: string, pattern: RegExp): Promise<SourcesError> => {
  let caught: unknown;
  await p.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof SourcesError, `expected a SourcesError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, pattern);
  return caught;
};

test("fetches every file from the book's address in parallel, verified, and writes the SHA-256 lock", async () => {
  const { files, sources } = fixtureSources(5, "http://book.invalid");
  const server = await startMirror(files, { delayMs: 30 });
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("good");
    const events: FetchEvent[] = [];
    const r = await fetchSources({ ...FAST, dir, files: src, jobs: 2, onProgress: (e) => events.push(e) });
    assert.equal(r.downloaded, 5);
    assert.equal(r.present, 0);
    assert.equal(
      r.bytes,
      Object.values(files).reduce((n, b) => n + b.length, 0),
    );
    assertFiles(dir, files);
    const lock = await readLock(dir);
    for (const s of src) {
      assert.equal(lock?.files[s.file]?.sha256, sha256(files[s.file]!));
      assert.equal(lock?.files[s.file]?.md5, s.md5);
      assert.equal(lock?.files[s.file]?.size, files[s.file]!.length);
    }
    assert.equal(server.maxConcurrent, 2, "at most --jobs transfers at once, and that many");
    assert.equal(events[0]?.type, "plan");
    assert.equal(events.filter((e) => e.type === "done" && e.status === "downloaded" && e.lock === "added").length, 5);
    assert.ok(
      events.some((e) => e.type === "data"),
      "progress events",
    );
  });
});

test("a second fetch into a complete directory transfers nothing", async () => {
  const { files, sources } = fixtureSources(4, "http://book.invalid");
  const s2 = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${s2.url}/${s.file}` }));
  await withMirrors([s2], async () => {
    const dir = tmp("again");
    await fetchSources({ ...FAST, dir, files: src });
    assert.equal(s2.requests.length, 4);
    const events: FetchEvent[] = [];
    const r = await fetchSources({ ...FAST, dir, files: src, onProgress: (e) => events.push(e) });
    assert.equal(s2.requests.length, 4, "no request the second time");
    assert.equal(r.downloaded, 0);
    assert.equal(r.present, 4);
    assert.equal(r.bytes, 0);
    assert.equal(events.filter((e) => e.type === "done" && e.status === "present" && e.lock === "matched").length, 4);
    assertFiles(dir, files);
  });
});

test("a connection dropped mid-file is resumed with Range and the file ends verified", async () => {
  const { files, sources } = fixtureSources(2, "http://book.invalid", 300_000);
  const server = await startMirror(files, { dropAfter: 100_000, dropTimes: 2 });
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("drop");
    const events: FetchEvent[] = [];
    const r = await fetchSources({ ...FAST, dir, files: src, onProgress: (e) => events.push(e) });
    assertFiles(dir, files);
    assert.equal(r.downloaded, 2);
    for (const f of r.files) assert.equal(f.transferred, f.size, "each byte received once over the three attempts");
    // Each resume starts where the bytes kept so far end: at most where the server cut (a loaded
    // machine may cut the connection before the client has read all that was sent), never at 0.
    const resumedAt: number[] = [];
    for (const s of src) {
      const reqs = server.requests.filter((q) => q.path === s.file);
      assert.deepEqual(
        reqs.map((q) => q.status),
        [200, 206, 206],
        `${s.file}: two drops, two resumes`,
      );
      assert.equal(reqs[0]!.range, undefined);
      const [a, b] = reqs.slice(1).map((q) => Number(/^bytes=(\d+)-$/.exec(q.range ?? "")?.[1] ?? NaN));
      assert.ok(a! > 0 && a! <= 100_000 && b! > a! && b! <= a! + 100_000, `${s.file}: resumed at ${a} then ${b}`);
      resumedAt.push(b!);
    }
    assert.ok(events.some((e) => e.type === "retry" && /connection|aborted|closed/i.test(e.error.message)));
    assert.ok(events.some((e) => e.type === "start" && resumedAt.includes(e.offset) && !e.restarted));
  });
});

test("redirects are followed, keeping the Range of a resume", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid", 100_000);
  const target = await startMirror(files, { dropAfter: 40_000, dropTimes: 1 });
  const file = sources[0]!.file;
  const book = await startMirror({}, { redirect: { [file]: `${target.url}/${file}` } });
  const src = [{ ...sources[0]!, url: `${book.url}/${file}` }];
  await withMirrors([book, target], async () => {
    const dir = tmp("redirect");
    const r = await fetchSources({ ...FAST, dir, files: src });
    assertFiles(dir, files);
    assert.equal(r.files[0]?.url, `${target.url}/${file}`, "the address the bytes came from");
    assert.deepEqual(
      book.requests.map((q) => [q.range, q.status]),
      [
        [undefined, 302],
        ["bytes=40000-", 302],
      ],
    );
    assert.deepEqual(
      target.requests.map((q) => [q.range, q.status]),
      [
        [undefined, 200],
        ["bytes=40000-", 206],
      ],
    );
  });
});

test("a transfer that stalls is given up after timeoutMs and resumed", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid", 200_000);
  const server = await startMirror(files, { dropAfter: 80_000, dropTimes: 1, stall: true });
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("stall");
    const events: FetchEvent[] = [];
    await fetchSources({ ...FAST, timeoutMs: 300, dir, files: src, onProgress: (e) => events.push(e) });
    assertFiles(dir, files);
    assert.deepEqual(
      server.requests.map((q) => q.range),
      [undefined, "bytes=80000-"],
    );
    const retry = events.find((e): e is Extract<FetchEvent, { type: "retry" }> => e.type === "retry");
    assert.match(retry?.error.message ?? "", /^no data for 0\.3 s after 80000 of 200000 bytes$/);
  });
});

test("a server that ignores Range makes the download restart from the first byte", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid", 300_000);
  const server = await startMirror(files, { dropAfter: 100_000, dropTimes: 1, ignoreRange: true });
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("norange");
    const events: FetchEvent[] = [];
    await fetchSources({ ...FAST, dir, files: src, onProgress: (e) => events.push(e) });
    assertFiles(dir, files);
    assert.deepEqual(
      server.requests.map((q) => [q.range, q.status]),
      [
        [undefined, 200],
        ["bytes=100000-", 200],
      ],
    );
    assert.ok(events.some((e) => e.type === "start" && e.restarted && e.offset === 0));
  });
});

test("a .part left by an earlier run is resumed; a stale one that fails the MD5 is downloaded again whole", async () => {
  const { files, sources } = fixtureSources(2, "http://book.invalid", 100_000);
  const server = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("part");
    const [a, b] = src as [(typeof src)[0], (typeof src)[0]];
    writeFileSync(join(dir, `${a.file}.part`), files[a.file]!.subarray(0, 30_000));
    writeFileSync(join(dir, `${b.file}.part`), Buffer.alloc(30_000, 7)); // not the file's bytes
    const r = await fetchSources({ ...FAST, dir, files: src, jobs: 1 });
    assertFiles(dir, files);
    assert.deepEqual(
      server.requests.map((q) => [q.path, q.range, q.status]),
      [
        [a.file, "bytes=30000-", 206],
        [b.file, "bytes=30000-", 206],
        [b.file, undefined, 200],
      ],
    );
    assert.equal(r.files[0]?.transferred, files[a.file]!.length - 30_000);
    assert.equal(r.files[1]?.transferred, 2 * files[b.file]!.length - 30_000, "the stale tail, then the whole file");
  });
});

test("a corrupt file from the first address is refused, never under its final name, and the next mirror is used", async () => {
  const { files, sources } = fixtureSources(3, "http://book.invalid");
  const bad = await startMirror(files, { corrupt: true });
  const good = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${bad.url}/${s.file}` }));
  await withMirrors([bad, good], async () => {
    const dir = tmp("corrupt");
    const seen: string[] = [];
    await fetchSources({
      ...FAST,
      dir,
      files: src,
      mirrors: [good.url],
      onProgress: (e) => {
        if (e.type !== "fallback") return;
        seen.push(e.file.file);
        assert.match(e.error.message, /MD5 mismatch/);
        assert.ok(!existsSync(join(dir, e.file.file)), "the refused file is not under its final name");
        assert.ok(!existsSync(join(dir, `${e.file.file}.part`)), "nor kept as a partial download");
      },
    });
    assert.deepEqual(seen.sort(), Object.keys(files).sort());
    assertFiles(dir, files);
    assert.equal(bad.requests.length, 3, "a corrupt file is not retried at the same address");
    assert.equal(good.requests.length, 3);
  });
});

test("with only corrupt copies the fetch fails, naming the file and the MD5, and leaves nothing", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid");
  const bad = await startMirror(files, { corrupt: true });
  const src = sources.map((s) => ({ ...s, url: `${bad.url}/${s.file}` }));
  await withMirrors([bad], async () => {
    const dir = tmp("corrupt-only");
    const err = await rejectsWith(
      fetchSources({ ...FAST, dir, files: src }),
      "E_SOURCES_FETCH",
      /cannot fetch pkg0-1\.0\.tar\.xz from http:.*MD5 mismatch.*the book says/,
    );
    assert.equal(err.file, "pkg0-1.0.tar.xz");
    assert.ok(err.cause instanceof Error, "the error carries its cause");
    assert.deepEqual(readdirSync(dir), [], "no file, no .part, no lock");
  });
});

test("a 404 sends the file to the next mirror at once; the book's address is tried first unless mirrorFirst", async () => {
  const { files, sources } = fixtureSources(3, "http://book.invalid");
  const missing = await startMirror(files, { notFound: true });
  const m1 = await startMirror(files);
  const m2 = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${missing.url}/${s.file}` }));
  await withMirrors([missing, m1, m2], async () => {
    const dir = tmp("404");
    await fetchSources({ ...FAST, dir, files: src, mirrors: [m1.url, m2.url] });
    assertFiles(dir, files);
    assert.equal(missing.requests.length, 3, "one request per file: a 404 is not retried");
    assert.ok(missing.requests.every((q) => q.status === 404));
    assert.equal(m1.requests.length, 3, "the first mirror serves them");
    assert.equal(m2.requests.length, 0, "the second one is not needed");

    const dir2 = tmp("mirror-first");
    await fetchSources({ ...FAST, dir: dir2, files: src, mirrors: [`${m2.url}/`], mirrorFirst: true });
    assertFiles(dir2, files);
    assert.equal(m2.requests.length, 3, "the mirror first (trailing slash accepted)");
    assert.equal(missing.requests.length, 3, "the book's address is not asked");
  });
});

test("an unreachable mirror is skipped for the next one, and not asked again in the same run", async () => {
  const { files, sources } = fixtureSources(3, "http://book.invalid");
  const good = await startMirror(files);
  const port = await closedPort();
  const dead = `http://127.0.0.1:${port}`;
  const src = sources.map((s) => ({ ...s, url: `${good.url}/${s.file}` }));
  await withMirrors([good], async () => {
    const dir = tmp("unreachable");
    const events: FetchEvent[] = [];
    await fetchSources({ ...FAST, dir, files: src, mirrors: [dead], mirrorFirst: true, jobs: 1, onProgress: (e) => events.push(e) });
    assertFiles(dir, files);
    const fallbacks = events.filter((e): e is Extract<FetchEvent, { type: "fallback" }> => e.type === "fallback");
    assert.equal(fallbacks.length, 3);
    assert.match(fallbacks[0]!.error.message, /ECONNREFUSED/);
    assert.match(fallbacks[1]!.error.message, /skipped: .* was unreachable earlier in this run/);
    assert.equal(events.filter((e) => e.type === "retry").length, FAST.retries, "retried with back-off before giving the mirror up");

    const dir2 = tmp("unreachable-only");
    const only = sources.map((s) => ({ ...s, url: `${dead}/${s.file}` }));
    const err = await rejectsWith(fetchSources({ ...FAST, dir: dir2, files: only }), "E_SOURCES_FETCH", /3 of 3 files could not be fetched/);
    for (const s of only) assert.match(err.message, new RegExp(`cannot fetch ${s.file.replace(/\./g, "\\.")} from http://127\\.0\\.0\\.1:${port}/`));
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(err.cause instanceof AggregateError);
    assert.deepEqual(readdirSync(dir2), []);
  });
});

test("a file matching the MD5 but not the lock's SHA-256 is refused, downloaded or already there", async () => {
  const { files, sources } = fixtureSources(2, "http://book.invalid");
  const server = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  const [a, b] = src as [(typeof src)[0], (typeof src)[0]];
  await withMirrors([server], async () => {
    const dir = tmp("lock");
    await fetchSources({ ...FAST, dir, files: src });
    const lock = (await readLock(dir))!;
    const forged = { ...lock, files: { ...lock.files, [a.file]: { ...lock.files[a.file]!, sha256: "0".repeat(64) } } };
    await writeLock(dir, forged);

    // Already there: refused and moved away from its final name.
    await rejectsWith(
      fetchSources({ ...FAST, dir, files: [a] }),
      "E_SOURCES_LOCK",
      /pkg0-1\.0\.tar\.xz matches the book's MD5 but its SHA-256 .* is not the 0{64} recorded in .*lfs-docker-sources\.lock\.json: refused/,
    );
    assert.ok(!existsSync(join(dir, a.file)));
    assert.ok(existsSync(join(dir, `${a.file}.refused`)));

    // Downloaded: refused, deleted, never under its final name.
    const before = server.requests.length;
    const err = await rejectsWith(fetchSources({ ...FAST, dir, files: [a] }), "E_SOURCES_LOCK", /SHA-256 .* is not the 0{64}/);
    assert.equal(server.requests.length, before + 1);
    assert.equal(err.file, a.file);
    assert.ok(!existsSync(join(dir, a.file)));
    assert.ok(!existsSync(join(dir, `${a.file}.part`)));

    // The other file is unaffected.
    const r = await fetchSources({ ...FAST, dir, files: [b] });
    assert.equal(r.present, 1);
  });
});

test("a file already there that fails the MD5 is deleted and downloaded again", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid");
  const server = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("replace");
    writeFileSync(join(dir, src[0]!.file), "truncated");
    const events: FetchEvent[] = [];
    const r = await fetchSources({ ...FAST, dir, files: src, onProgress: (e) => events.push(e) });
    assert.equal(r.downloaded, 1);
    assertFiles(dir, files);
    assert.ok(events.some((e) => e.type === "replace" && /does not match the book's MD5/.test(e.reason)));
  });
});

test("a directory where a file should be fails that file only; the others are fetched", async () => {
  const { files, sources } = fixtureSources(3, "http://book.invalid");
  const server = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("isdir");
    mkdirSync(join(dir, src[1]!.file));
    const err = await rejectsWith(
      fetchSources({ ...FAST, dir, files: src, jobs: 1 }),
      "E_SOURCES_IO",
      /\/pkg1-1\.1\.tar\.xz cannot be read: it is a directory, not a file$/,
    );
    assert.equal(err.file, join(dir, src[1]!.file));
    assert.ok(existsSync(join(dir, src[0]!.file)) && existsSync(join(dir, src[2]!.file)));
    assert.equal(server.requests.length, 2);
  });
});

test("a full disk (ENOSPC) is an error naming the file and saying what to do", () => {
  // A test cannot fill a disk: the errno is mapped as the write of a .part would meet it. (This
  // test used to plant FILE.part as a link to /dev/full; a planted link is now refused, below.)
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const err = fsError(enospc, "/srv/sources/pkg0-1.0.tar.xz.part", "write");
  assert.equal(err.code, "E_SOURCES_NOSPACE");
  assert.match(err.message, /cannot write \/srv\/sources\/pkg0-1\.0\.tar\.xz\.part: no space left on the device \(ENOSPC\)/);
  assert.equal(err.cause, enospc);
});

test("a link planted as FILE.part (to /dev/full) is refused, not written through; the run stops before any request", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid");
  const server = await startMirror(files);
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("planted");
    symlinkSync("/dev/full", join(dir, `${src[0]!.file}.part`));
    await rejectsWith(
      fetchSources({ ...FAST, dir, files: src }),
      "E_SOURCES_IO",
      /pkg0-1\.0\.tar\.xz\.part is a symbolic link, not a regular file: refused \(delete it\)/,
    );
    assert.ok(!existsSync(join(dir, src[0]!.file)), "no file under its final name");
    assert.equal(server.requests.length, 0, "nothing requested");
  });
});

test("a directory that cannot be written is a clear error naming it", async () => {
  const { sources } = fixtureSources(1, "http://127.0.0.1:9");
  const base = tmp("unwritable");
  writeFileSync(join(base, "a-file"), "");
  const under = join(base, "a-file", "sources");
  let err = await rejectsWith(
    fetchSources({ ...FAST, dir: under, files: sources }),
    "E_SOURCES_DIR",
    /cannot use .*a-file\/sources as the sources directory: a part of the path is a file, not a directory \(ENOTDIR\)/,
  );
  assert.ok(err.cause instanceof Error);
  err = await rejectsWith(fetchSources({ ...FAST, dir: "/proc/lfs-docker-sources-test", files: sources }), "E_SOURCES_DIR", /\/proc\/lfs-docker-sources-test/);
  assert.ok(err.cause instanceof Error);
  await rejectsWith(fetchSources({ ...FAST, dir: join(base, "a-file"), files: sources }), "E_SOURCES_DIR", /not a directory/);
});

test("aborting keeps the partial file as .part and rejects with E_SOURCES_ABORTED", async () => {
  const { files, sources } = fixtureSources(1, "http://book.invalid", 400_000);
  const server = await startMirror(files, { dropAfter: 100_000 });
  const src = sources.map((s) => ({ ...s, url: `${server.url}/${s.file}` }));
  await withMirrors([server], async () => {
    const dir = tmp("abort");
    const controller = new AbortController();
    const p = fetchSources({
      ...FAST,
      backoffMs: 10_000,
      maxBackoffMs: 10_000,
      dir,
      files: src,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "retry") controller.abort(new Error("stop"));
      },
    });
    await rejectsWith(p, "E_SOURCES_ABORTED", /partial downloads are kept/);
    assert.deepEqual(readdirSync(dir), [`${src[0]!.file}.part`]);
    assert.equal(readFileSync(join(dir, `${src[0]!.file}.part`)).length, 100_000);
  });
});

test("bad options: unknown --only names (with the accepted ones), bad jobs, bad mirrors", async () => {
  const { sources } = fixtureSources(3, "http://book.invalid");
  assert.throws(
    () => selectSources({ files: sources, only: ["Pkg1", "nope"] }),
    (e: unknown) => e instanceof OptionError && /invalid --only "nope".*accepted: Pkg0, Pkg1, Pkg2/.test(e.message),
  );
  assert.deepEqual(
    selectSources({ files: sources, only: ["pkg2", "pkg0-1.0.tar.xz"] }).map((s) => s.name),
    ["Pkg0", "Pkg2"],
    "by book name in any case, or by file name; in the book's order",
  );
  assert.ok(
    selectSources({ only: ["gcc"] }).every((s) => s.name === "GCC"),
    "the real book by default",
  );
  const dir = tmp("options");
  await assert.rejects(fetchSources({ dir, files: sources, only: ["zzz"] }), OptionError);
  await assert.rejects(fetchSources({ dir, files: sources, jobs: 0 }), /invalid --jobs 0/);
  await assert.rejects(
    fetchSources({ dir, files: sources, mirrors: ["ftp://mirror/lfs"] }),
    /invalid --mirror "ftp:\/\/mirror\/lfs"; accepted: an http:\/\/ or https:\/\/ base URL/,
  );
  await assert.rejects(fetchSources({ dir, files: [{ ...sources[0]!, file: "../escape.tar.xz" }] }), /not a plain file name/);
  assert.deepEqual(readdirSync(dir), []);
});
