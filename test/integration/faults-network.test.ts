/**
 * Fault: the network drops during `lfs-docker sources fetch`. The mirror is a process of its own
 * (test/helpers/mirror-process.ts), killed with SIGKILL mid-body (the kernel resets every connection),
 * then absent (connections refused), then started again on the same port. The fetch runs as the CLI,
 * a real child process. Nothing unverified may ever carry a final name; partial files resume.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { bytes, md5 } from "../helpers/http-mirror.js";
import { startMirrorProcess, type MirrorEvent, type MirrorProcess } from "../helpers/mirror-process.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("lfs-docker-faults-net-");
const running: MirrorProcess[] = [];
after(async () => {
  for (const m of running) await m.kill();
});
const mirror = async (dir: string, port = 0) => {
  const m = await startMirrorProcess(dir, port, 32 * 1024, 20);
  running.push(m);
  return m;
};

const FILES = ["alpha-1.0.tar.xz", "beta-2.0.tar.xz", "gamma-3.0.tar.xz"];
const SIZE = 1536 * 1024;

/** The files the mirror serves, and a book of our own whose sources.json points at the mirror. */
function fixture(port: number): { served: string; book: string; files: Record<string, Buffer> } {
  const served = tmp("served");
  const files: Record<string, Buffer> = {};
  for (const [i, name] of FILES.entries()) {
    files[name] = bytes(SIZE + i * 4099, 100 + i);
    writeFileSync(join(served, name), files[name]!);
  }
  const book = join(tmp("book"), "book");
  mkdirSync(join(book, "chapter04"), { recursive: true });
  writeFileSync(
    join(book, "book.json"),
    JSON.stringify({
      release: "faults",
      tag: "lfs-docker-faults",
      title: "faults",
      shell: "/bin/sh",
      pages: "https://example.invalid/{page}",
      chapters: [{ number: 4, title: "Nothing", sections: [{ page: "none", title: "None", edition: "both" }] }],
    }),
  );
  writeFileSync(join(book, "chapter04", "4.1-none.sh"), "true\n");
  const entries = FILES.map((name) => ({
    kind: "package",
    name: name.split("-")[0],
    version: name.split("-")[1]!.replace(/\.tar\.xz$/, ""),
    file: name,
    url: `http://127.0.0.1:${port}/${name}`,
    md5: md5(files[name]!),
    edition: "both",
  }));
  writeFileSync(join(book, "sources.json"), JSON.stringify({ files: entries }));
  return { served, book, files };
}

interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function fetchCli(book: string, dir: string, extra: string[] = []): { done: Promise<Cli> } {
  const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, "sources", "fetch", "--book", book, "--dir", dir, "--jobs", "3", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Cli>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 })));
  return { done };
}

/** What is in the sources directory: final names (each must be a verified file) and .part sizes. */
function contents(dir: string, files: Record<string, Buffer>): { final: string[]; parts: Record<string, number> } {
  const final: string[] = [];
  const parts: Record<string, number> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".part")) parts[name.slice(0, -5)] = statSync(join(dir, name)).size;
    else if (name in files) {
      assert.ok(readFileSync(join(dir, name)).equals(files[name]!), `${name} under its final name holds exactly the mirror's bytes`);
      final.push(name);
    }
  }
  return { final: final.sort(), parts };
}

const sentSome = (e: MirrorEvent) => "sent" in e && e.bytes >= 256 * 1024;

test("the mirror vanishes mid-body and stays away: the fetch fails naming it, keeps .part files, and the next run resumes them", async () => {
  const first = await mirror(tmp("placeholder"));
  const port = first.port;
  await first.kill(); // only to learn a free port for the book's addresses
  const { served, book, files } = fixture(port);
  const dir = tmp("dir");
  let m = await mirror(served, port);

  const run1 = fetchCli(book, dir, ["--retries", "1"]);
  // Every file has some bytes on the way, then the server process dies.
  for (const name of FILES) await m.waitFor((e) => sentSome(e) && "sent" in e && e.sent === name);
  await m.kill();
  const killedAt = Date.now();
  const r1 = await run1.done;
  const failSeconds = (Date.now() - killedAt) / 1000;
  assert.equal(r1.code, 1, r1.stderr);
  for (const name of FILES) assert.match(r1.stderr, new RegExp(`cannot fetch ${name.replace(/\./g, "\\.")}`), "each file is named");
  assert.match(r1.stderr, /ECONNREFUSED|refused/, "the reason is the connection refused");
  assert.match(
    r1.stderr,
    /3 partial downloads are kept in .* as \*\.part \([\d.]+ [KMG]i?B\): run the same command again to resume them/,
    "it says the partial files are kept and how to resume",
  );
  assert.ok(failSeconds < 20, `the run gives up within seconds (${failSeconds.toFixed(1)} s)`);
  const after1 = contents(dir, files);
  assert.deepEqual(after1.final, [], "no file under its final name: none was complete and verified");
  assert.deepEqual(Object.keys(after1.parts).sort(), FILES, "a .part for each file");
  for (const [name, size] of Object.entries(after1.parts))
    assert.ok(size > 0 && size < files[name]!.length, `${name}.part holds part of the file (${size} bytes)`);

  // The mirror comes back on the same port: the next run asks each file from where its .part ends.
  m = await mirror(served, port);
  const t0 = Date.now();
  const r2 = await fetchCli(book, dir).done;
  const resumeSeconds = (Date.now() - t0) / 1000;
  assert.equal(r2.code, 0, r2.stderr);
  const requests = m.events.filter((e): e is Extract<MirrorEvent, { request: string }> => "request" in e);
  for (const name of FILES) {
    const asked = requests.filter((e) => e.request === name);
    assert.deepEqual(
      asked.map((e) => [e.range, e.status]),
      [[`bytes=${after1.parts[name]}-`, 206]],
      `${name}: one request, resuming at byte ${after1.parts[name]}`,
    );
  }
  const after2 = contents(dir, files);
  assert.deepEqual(after2.final, FILES);
  assert.deepEqual(after2.parts, {}, "no .part left");
  console.log(`measured: failed ${failSeconds.toFixed(1)} s after the mirror died; resumed and completed in ${resumeSeconds.toFixed(1)} s`);
  console.log(
    `the user saw:\n${r1.stderr
      .split("\n")
      .filter((l) => l.startsWith("lfs-docker:") || l.startsWith("  ") || l.includes("partial"))
      .map((l) => `  ${l}`)
      .join("\n")}`,
  );
});

test("a short outage (killed mid-body, refusing, back within a second) is ridden out by the same run's retries", async () => {
  const probe = await mirror(tmp("placeholder"));
  const port = probe.port;
  await probe.kill();
  const { served, book, files } = fixture(port);
  const dir = tmp("dir");
  const m = await mirror(served, port);
  const run = fetchCli(book, dir);
  await m.waitFor(sentSome);
  await m.kill();
  // Connections are refused for a while; the run retries with back-off (0.5 s, 1 s, 2 s).
  await new Promise((r) => setTimeout(r, 800));
  const back = await mirror(served, port);
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const resumed = back.events.filter((e) => "request" in e && e.range !== null && e.status === 206);
  assert.ok(resumed.length >= 1, `at least one transfer resumed with Range after the outage: ${JSON.stringify(back.events.filter((e) => "request" in e))}`);
  const c = contents(dir, files);
  assert.deepEqual(c.final, FILES);
  assert.deepEqual(c.parts, {});
});
