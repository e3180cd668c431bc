import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SourcesError } from "../../src/sources/errors.js";
import { LOCK_FILE, parseLock, readLock, writeLock, type SourceLock } from "../../src/sources/lock.js";
import { createFetchProgress } from "../../src/sources/progress.js";
import type { FetchEvent } from "../../src/sources/types.js";
import { assertSourcesVerified, verifySources } from "../../src/sources/verify.js";
import { fixtureSources, md5, sha256 } from "../helpers/http-mirror.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("lfs-docker-sources-");

/** Six files, each in a different state. */
function scene() {
  const dir = tmp("verify");
  const { files, sources } = fixtureSources(6, "http://book.invalid", 5000);
  const names = sources.map((s) => s.file);
  const lockFiles: Record<string, { md5: string; sha256: string; size: number }> = {};
  for (const [i, s] of sources.entries()) {
    const body = files[s.file]!;
    if (i !== 1) writeFileSync(join(dir, s.file), i === 2 ? body.subarray(0, 100) : body);
    lockFiles[s.file] = { md5: s.md5, sha256: sha256(body), size: body.length };
  }
  lockFiles[names[3]!] = { ...lockFiles[names[3]!]!, sha256: "1".repeat(64) };
  lockFiles[names[4]!] = { ...lockFiles[names[4]!]!, md5: "2".repeat(32) };
  delete lockFiles[names[5]!];
  return { dir, sources, files, names, lock: { lockVersion: 1, files: lockFiles } as SourceLock };
}

test("verifySources gives each file's state, in order, with a sentence naming it", async () => {
  const { dir, sources, names, lock } = scene();
  await writeLock(dir, lock);
  const results = await verifySources(dir, sources);
  assert.deepEqual(
    results.map((r) => [r.source.file, r.status, r.locked]),
    [
      [names[0], "ok", true],
      [names[1], "missing", false],
      [names[2], "md5-mismatch", false],
      [names[3], "sha256-mismatch", false],
      [names[4], "lock-conflict", false],
      [names[5], "ok", false],
    ],
  );
  assert.equal(results[0]?.problem, undefined);
  assert.equal(results[0]?.path, join(dir, names[0]!));
  assert.equal(results[2]?.md5, md5(readFileSync(join(dir, names[2]!))));
  for (const r of results.slice(1, 5)) assert.ok(r.problem?.startsWith(r.source.file), r.problem);
  assert.match(results[3]!.problem!, /matches the book's MD5 but its SHA-256 .* is not the 1{64} recorded in .*lfs-docker-sources\.lock\.json: refused/);

  // Without the lock (null), MD5 only.
  const md5Only = await verifySources(dir, sources, { lock: null });
  assert.deepEqual(
    md5Only.map((r) => r.status),
    ["ok", "missing", "md5-mismatch", "ok", "ok", "ok"],
  );

  // A directory where a file should be is unreadable, not a crash.
  const d2 = tmp("verify-dir");
  mkdirSync(join(d2, names[0]!));
  const [r] = await verifySources(d2, sources.slice(0, 1));
  assert.equal(r?.status, "unreadable");
  assert.match(r!.problem!, /directory/);
});

test("assertSourcesVerified names each bad file; verify writes nothing", async () => {
  const { dir, sources, names, lock } = scene();
  await writeLock(dir, lock);
  const before = readdirSync(dir).sort();
  await assert.rejects(assertSourcesVerified(dir, sources), (err: unknown) => {
    assert.ok(err instanceof SourcesError);
    assert.equal(err.code, "E_SOURCES_VERIFY");
    assert.match(err.message, /^4 of 6 source files in .* failed verification:/);
    for (const n of names.slice(1, 5)) assert.ok(err.message.includes(`  ${n}: `), `names ${n}`);
    assert.ok(!err.message.includes(`${names[0]}:`));
    return true;
  });
  assert.deepEqual(readdirSync(dir).sort(), before);
  const ok = await assertSourcesVerified(dir, [sources[0]!, sources[5]!]);
  assert.equal(ok.length, 2);
});

test("the lock: absent is undefined, round trip sorted and atomic, a broken one is refused", async () => {
  const dir = tmp("lock");
  assert.equal(await readLock(dir), undefined);
  assert.equal(await readLock(join(dir, "no", "such")), undefined);
  const lock: SourceLock = {
    lockVersion: 1,
    files: {
      "b.tar": { md5: "A".repeat(32).toLowerCase(), sha256: "b".repeat(64), size: 2 },
      "a.tar": { md5: "c".repeat(32), sha256: "d".repeat(64), size: 1 },
    },
  };
  await writeLock(dir, lock);
  assert.deepEqual(readdirSync(dir), [LOCK_FILE], "no temporary file left");
  const text = readFileSync(join(dir, LOCK_FILE), "utf8");
  assert.ok(text.indexOf('"a.tar"') < text.indexOf('"b.tar"'), "entries sorted");
  assert.deepEqual(await readLock(dir), lock);

  for (const [bad, why] of [
    ["{", /not JSON/],
    ['{"lockVersion":2,"files":{}}', /lockVersion is 2/],
    ['{"lockVersion":1,"files":{"x":{"md5":"zz","sha256":"' + "0".repeat(64) + '","size":1}}}', /entry "x" has no valid md5/],
    ['{"lockVersion":1,"files":{"x":{"md5":"' + "0".repeat(32) + '","sha256":"00","size":1}}}', /entry "x" has no valid sha256/],
  ] as const) {
    assert.throws(
      () => parseLock(bad, "L"),
      (e: unknown) => e instanceof SourcesError && e.code === "E_SOURCES_LOCK" && why.test(e.message) && /^L is not a valid/.test(e.message),
    );
  }
  writeFileSync(join(dir, LOCK_FILE), "garbage");
  await assert.rejects(readLock(dir), /lfs-docker-sources\.lock\.json is not a valid lfs-docker sources lock: not JSON/);
  const { sources } = fixtureSources(1, "http://book.invalid");
  await assert.rejects(verifySources(dir, sources), /not a valid lfs-docker sources lock/, "a broken lock is never silently ignored");
});

test("progress: one line per finished file off a terminal; bars redrawn in place on one", () => {
  const { sources } = fixtureSources(2, "http://book.invalid");
  const [a, b] = sources as [(typeof sources)[0], (typeof sources)[0]];
  const events: FetchEvent[] = [
    { type: "plan", dir: "/d", files: sources },
    { type: "check", file: a },
    { type: "done", file: a, status: "present", size: 10, sha256: "x", lock: "matched" },
    { type: "start", file: b, url: "http://m/b", offset: 0, total: 2048, restarted: false },
    { type: "data", file: b, received: 1024, total: 2048 },
    { type: "retry", file: b, url: "http://m/b", attempt: 1, delayMs: 500, error: new Error("connection lost") },
    { type: "fallback", file: b, url: "http://m/b", error: new Error("HTTP 404 Not Found") },
    { type: "data", file: b, received: 2048, total: 2048 },
    { type: "done", file: b, status: "downloaded", size: 2048, sha256: "y", url: "http://n/b", lock: "added" },
  ];
  let plain = "";
  const p = createFetchProgress({ write: (s: string) => (plain += s) }, { tty: false });
  for (const e of events) p.onProgress(e);
  p.close();
  assert.equal(
    plain,
    [
      `ok          ${a.file} (already there, verified)`,
      `retry       ${b.file}: connection lost; again in 0.5 s`,
      `fallback    ${b.file}: http://m/b: HTTP 404 Not Found`,
      `downloaded  ${b.file} 2.00 KiB from http://n/b`,
      "",
    ].join("\n"),
  );
  assert.ok(!plain.includes("\x1b"), "no escape codes off a terminal");

  let tty = "";
  const t = createFetchProgress({ write: (s: string) => (tty += s), columns: 120, isTTY: true }, { intervalMs: 0, now: () => 1000 });
  for (const e of events.slice(0, 5)) t.onProgress(e);
  t.onProgress({ type: "fallback", file: b, url: "http://m/b", error: new Error("x") });
  assert.match(tty, /\x1b\[\d+F\x1b\[J/, "the live view is erased and redrawn");
  assert.match(tty, new RegExp(`${b.file.replace(/\./g, "\\.")}\\s+\\[#{10}-{10}\\]\\s+50%\\s+1\\.00 KiB / 2\\.00 KiB`), "a bar per file");
  assert.match(tty, /\[#{15}-{15}\] 1\/2 files {2}1\.00 KiB downloaded/, "and one for the run");
  const before = tty.length;
  t.close();
  assert.match(tty.slice(before), /^\x1b\[\d+F\x1b\[J$/, "closing clears the live view");
});
