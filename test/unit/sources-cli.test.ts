import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { SourceFile } from "../../src/book/types.js";
import { run } from "../../src/cli/run.js";
import { LOCK_FILE, readLock, writeLock } from "../../src/sources/lock.js";
import { fixtureSources, sha256, startMirror } from "../helpers/http-mirror.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("lfs-docker-sources-cli-");

/** Run the CLI in this process with captured streams. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const code = await run(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

/** A small book of our own (stages/ format) whose files point at a local server. */
function makeBook(sources: SourceFile[]): string {
  const dir = tmp("book");
  writeFileSync(join(dir, "book.json"), JSON.stringify({ release: "0.1-test", tag: "test", chapters: [] }));
  writeFileSync(join(dir, "sources.json"), JSON.stringify({ files: sources }));
  return dir;
}

test("sources fetch / verify / list through the CLI, with exit codes", async () => {
  const { files, sources } = fixtureSources(3, "http://book.invalid", 50_000);
  const good = await startMirror(files);
  const bad = await startMirror(files, { corrupt: true });
  try {
    const book = makeBook(sources.map((s) => ({ ...s, url: `${bad.url}/${s.file}` })));
    const dir = join(tmp("dir"), "sources");

    let r = await cli("sources", "fetch", "--book", book, "--dir", dir, "--mirror", good.url, "--jobs", "2");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 3 files verified \(3 downloaded, .*; 0 already there\); SHA-256 lock .*lfs-docker-sources\.lock\.json\n$/);
    for (const s of sources) {
      assert.match(r.stderr, new RegExp(`^fallback {4}${s.file.replace(/\./g, "\\.")}: http://127.*MD5 mismatch`, "m"), "not a terminal: a line per fallback");
      assert.match(r.stderr, new RegExp(`^downloaded  ${s.file.replace(/\./g, "\\.")} .* from ${good.url}/`, "m"), "and per finished file");
    }
    assert.ok(!r.stderr.includes("\x1b["), "no live bars off a terminal");
    assert.deepEqual(readdirSync(dir).sort(), [...sources.map((s) => s.file), LOCK_FILE].sort());

    const requests = good.requests.length + bad.requests.length;
    r = await cli("sources", "fetch", "--book", book, "--dir", dir, "--mirror", good.url);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 files verified \(0 downloaded, 0 B; 3 already there\)/);
    assert.equal(good.requests.length + bad.requests.length, requests, "a complete directory: no transfer");

    r = await cli("sources", "verify", "--book", book, "--dir", dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /all 3 files match the book's MD5; 3 also the lock's SHA-256/);

    r = await cli("sources", "list", "--book", book, "--dir", dir, "--json");
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; file: string; url: string; md5: string; sha256?: string }[];
    assert.deepEqual(
      rows.map((x) => [x.name, x.file, x.md5, x.sha256]),
      sources.map((s) => [s.name, s.file, s.md5, sha256(files[s.file]!)]),
    );
    r = await cli("sources", "list", "--book", book, "--dir", dir, "--only", "pkg1");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME +VERSION +FILE +URL +MD5 +SHA256\nPkg1 +1\.1 +pkg1-1\.1\.tar\.xz +http:\S+ +[0-9a-f]{32} +[0-9a-f]{64}\n$/);

    // A missing file and a file that matches the MD5 but not the lock: verify fails naming each.
    rmSync(join(dir, sources[0]!.file));
    const lock = (await readLock(dir))!;
    await writeLock(dir, { ...lock, files: { ...lock.files, [sources[1]!.file]: { ...lock.files[sources[1]!.file]!, sha256: "f".repeat(64) } } });
    r = await cli("sources", "verify", "--book", book, "--dir", dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^lfs-docker: 2 of 3 files in .* failed verification:\n/);
    assert.match(r.stderr, /\n {2}pkg0-1\.0\.tar\.xz: missing\n/);
    assert.match(r.stderr, /\n {2}pkg1-1\.1\.tar\.xz: matches the book's MD5 but its SHA-256 [0-9a-f]{64} is not the f{64} recorded in/);
    assert.equal(r.stdout, "");

    // fetch refuses the file the lock does not know, and fetches the missing one.
    r = await cli("sources", "fetch", "--book", book, "--dir", dir, "--mirror", good.url, "--mirror-first");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^lfs-docker: pkg1-1\.1\.tar\.xz matches the book's MD5 but its SHA-256 [0-9a-f]{64} is not the f{64} recorded in .*: refused/m);
    assert.ok(existsSync(join(dir, sources[0]!.file)), "the missing file was fetched all the same");
    assert.ok(!existsSync(join(dir, sources[1]!.file)), "the refused file is not under its final name");
  } finally {
    await good.close();
    await bad.close();
  }
});

test("sources: bad input exits 2 naming the value and what is accepted; an unwritable directory exits 1", async () => {
  const { sources } = fixtureSources(2, "http://127.0.0.1:9");
  const book = makeBook(sources);
  const dir = tmp("bad");
  const cases: [string[], RegExp][] = [
    [
      ["sources", "fetch", "--book", book, "--dir", dir, "--only", "Pkg0", "nosuch"],
      /^lfs-docker: invalid --only "nosuch" \(not a package, patch or file name of this edition of the book\); accepted: Pkg0, Pkg1\n$/,
    ],
    [["sources", "fetch", "--dir", dir, "--only", "nosuch"], /invalid --only "nosuch".*accepted: Acl, Attr, Autoconf, .*GCC/],
    [["sources", "list", "--only", "nosuch"], /invalid --only "nosuch"/],
    [["sources", "fetch", "--book", book, "--dir", dir, "--jobs", "0"], /invalid --jobs 0; accepted: a whole number from 1 to 64/],
    [["sources", "fetch", "--book", book, "--dir", dir, "--jobs", "many"], /invalid --jobs/],
    [
      ["sources", "fetch", "--book", book, "--dir", dir, "--mirror", "ftp://mirror/lfs"],
      /invalid --mirror "ftp:\/\/mirror\/lfs"; accepted: an http:\/\/ or https:\/\/ base URL/,
    ],
    [["sources", "fetch", "--dir", dir, "--init", "openrc"], /invalid init "openrc"; accepted: sysv, systemd/],
    [["sources", "fetch", "--dir", dir, "--release", "1.0"], /invalid release "1\.0"; accepted: 12\.3/],
    [["sources", "verify", "--dir", join(dir, "nope")], /invalid --dir ".*nope"; accepted: an existing directory/],
    [["sources"], /name a sources command: fetch, verify or list/],
    [["sources", "frobnicate"], /Unknown argument: frobnicate/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
  assert.deepEqual(readdirSync(dir), [], "bad input writes nothing");

  writeFileSync(join(dir, "file"), "");
  for (const target of [join(dir, "file", "sources"), "/proc/lfs-docker-cli-test"]) {
    const r = await cli("sources", "fetch", "--book", book, "--dir", target);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^lfs-docker: cannot use ${target.replace(/[/.]/g, "\\$&")} as the sources directory: .*\\((ENOTDIR|ENOENT)\\)`));
  }
});
