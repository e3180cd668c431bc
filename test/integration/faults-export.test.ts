/**
 * Faults during the export, injected for real into real builds of the fault book
 * (test/helpers/faults-book.ts) on the machine's engine, through the CLI (a child process):
 *  - the output directory is a small tmpfs that fills up mid-export;
 *  - lfs-docker itself is SIGKILLed mid-export, then run again into the same directory.
 * Nothing the user had in the directory may change; nothing half-written may carry a final name.
 * Needs root (mount -t tmpfs), the engine and the host base image; fails, never skips.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OWNER_FILE } from "../../src/fs/owned-dir.js";
import { requireEngine, requireImage, TEST_HOST_IMAGE } from "../helpers/engine.js";
import { runCli, startCli } from "../helpers/cli-process.js";
import { faultsBuildArgs, writeFaultsBook } from "../helpers/faults-book.js";
import { tempDirs, measuredLines } from "../helpers/scratch.js";

// The tmpfs mounts come off before tempDirs removes the directories they are in (hooks run in order).
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync("umount", [m]);
});
const tmp = tempDirs("lfs-docker-faults-");
const measured = measuredLines();

before(() => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
  assert.equal(process.getuid?.(), 0, "these tests mount a tmpfs: run them as root");
});

/** Every path below `dir`, with its size for files (what was left on disk). */
function listing(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const s = lstatSync(join(dir, p));
    out.push(s.isDirectory() ? `${p}/` : `${p} ${s.size}`);
    if (s.isDirectory()) out.push(...listing(dir, p));
  }
  return out;
}

/** The user's things in an output directory, including names that look like lfs-docker's own. */
function userFiles(out: string): string[] {
  writeFileSync(join(out, "mine.txt"), "the user's file\n");
  mkdirSync(join(out, ".config"));
  writeFileSync(join(out, ".config", "settings"), "kept\n");
  // Named like a staging directory, but not ours: no owner file, and not empty.
  mkdirSync(join(out, ".lfs-docker-staging-Mine01"));
  writeFileSync(join(out, ".lfs-docker-staging-Mine01", "notes"), "kept too\n");
  return listing(out);
}

test("the output directory fills up during the export: a clear ENOSPC error naming it; nothing under a final name; no staging directory left", async () => {
  const work = tmp("enospc");
  const book = writeFaultsBook(work, { payloadMiB: 64, sleepSeconds: 0, salt: "export" });
  const out = join(work, "out");
  mkdirSync(out);
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", out], { encoding: "utf8" });
  assert.equal(mounted.status, 0, `mount -t tmpfs: ${mounted.stderr}`);
  mounts.push(out);
  const before = userFiles(out);

  const r = await runCli(faultsBuildArgs(book, out));
  assert.equal(r.code, 1, r.stderr.slice(-3000));
  // The error's line: not a warning that may come first (a step remembered as built by another engine
  // that shared this ~/.cache, as in ci-cold.sh, is "being built again").
  const message = r.stderr.split("\n").find((l) => l.startsWith("lfs-docker: ") && !l.startsWith("lfs-docker: warning: ")) ?? "";
  assert.match(
    message,
    new RegExp(
      `^lfs-docker: no space left in the output directory ${out.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(ENOSPC\\): the export stopped after [\\d.]+ MiB had come in, [\\d.]+ MiB free there now; nothing of it was kept`,
      "m",
    ),
    "the error line (a warning, e.g. of an evicted step, may come before it)",
  );
  assert.match(message, /Free some space there, or give another directory with -o/);
  // The user's files, the failed build's report (small: it fits once the export is gone), nothing else.
  const left = listing(out);
  assert.deepEqual(
    left.filter((l) => !l.startsWith("build-report.")),
    before,
  );
  assert.deepEqual(
    left.filter((l) => l.startsWith("build-report.")).map((l) => l.split(" ")[0]),
    ["build-report.html", "build-report.json", "build-report.txt"],
  );
  assert.match(readFileSync(join(out, "build-report.txt"), "utf8"), /^outcome: failed: no space left in the output directory/m);

  // Room made: the same command again only exports (the build is cached).
  spawnSync("mount", ["-o", "remount,size=96m", out]);
  const again = await runCli(faultsBuildArgs(book, out));
  assert.equal(again.code, 0, again.stderr.slice(-3000));
  assert.equal(statSync(join(out, "payload.bin")).size, 64 * 2 ** 20);
  measured.push(
    `disk full during the export: exit 1 after ${r.seconds.toFixed(1)} s; left: the user's files and the report only; after remounting larger, the same command completed in ${again.seconds.toFixed(1)} s; the message: ${message}`,
  );
});

test("lfs-docker killed mid-export: the next run into the same directory removes the leftovers and says so; the user's files are untouched", async () => {
  const work = tmp("killed");
  const book = writeFaultsBook(work, { payloadMiB: 256, sleepSeconds: 0, salt: "export" });
  const out = join(work, "out");
  mkdirSync(out);
  const before = userFiles(out);
  // The CLI's own temporary files go to a directory of the test's, to see what a kill leaves there.
  const tmpDir = join(work, "tmp");
  mkdirSync(tmpDir);

  const first = startCli(faultsBuildArgs(book, out), { TMPDIR: tmpDir });
  // Wait until the payload is coming in under the staging directory, then kill the CLI.
  let partial: string | undefined;
  for (const end = Date.now() + 300_000; partial === undefined && Date.now() < end && first.child.exitCode === null;) {
    for (const s of readdirSync(out).filter((n) => n.startsWith(".lfs-docker-staging-") && n !== ".lfs-docker-staging-Mine01")) {
      for (const p of readdirSync(join(out, s)).filter((n) => n.startsWith(".export.partial-"))) {
        const payload = join(out, s, p, "tree", "payload.bin");
        if (existsSync(payload) && statSync(payload).size > 16 * 2 ** 20) partial = payload;
      }
    }
    if (partial === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(partial, `the export never came in:\n${first.stderr.slice(-3000)}`);
  first.child.kill("SIGKILL");
  const killed = await first.done;
  assert.equal(killed.signal, "SIGKILL");
  const leftovers = listing(out).filter((l) => !before.includes(l));
  const staging = leftovers.find((l) => /^\.lfs-docker-staging-[A-Za-z0-9]{6}\/$/.test(l))!.slice(0, -1);
  assert.ok(existsSync(join(out, staging, OWNER_FILE)), "the leftover is marked as lfs-docker's");
  assert.ok(!leftovers.some((l) => l.startsWith("payload.bin")), "nothing under a final name");
  const leftBytes = leftovers.reduce((n, l) => n + Number(l.split(" ")[1] ?? 0), 0);
  const tmpLeft = readdirSync(tmpDir);

  const t0 = Date.now();
  const again = await runCli(faultsBuildArgs(book, out), { TMPDIR: tmpDir });
  const resumeSeconds = (Date.now() - t0) / 1000;
  assert.equal(again.code, 0, again.stderr.slice(-3000));
  assert.match(
    again.stderr,
    new RegExp(
      `^lfs-docker: warning: removed ${tmpLeft.length} temporary directories of killed builds from ${tmpDir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\([\\d.]+ MiB; lfs-docker pid ${first.child.pid}\\)$`,
      "m",
    ),
  );
  assert.deepEqual(readdirSync(tmpDir), [], "nothing left in TMPDIR either");
  const notice = again.stderr.split("\n").find((l) => l.startsWith(`lfs-docker: warning: removed ${join(out, staging)} `)) ?? "";
  assert.match(
    notice,
    /^lfs-docker: warning: removed \S+ \([\d.]+ MiB\): the export of a build, before its files are moved into place, left by a build that was killed \(lfs-docker pid \d+, started \S+\)$/,
    again.stderr.slice(-2000),
  );
  const now = listing(out);
  for (const l of before) assert.ok(now.includes(l), `the user's ${l} is untouched`);
  assert.equal(readFileSync(join(out, ".lfs-docker-staging-Mine01", "notes"), "utf8"), "kept too\n");
  assert.deepEqual(now.filter((l) => !before.includes(l) && !l.startsWith("build-report.")).sort(), [
    "etc/",
    "etc/slow-done 7",
    `payload.bin ${256 * 2 ** 20}`,
    "tmp/",
  ]);
  measured.push(
    `lfs-docker killed mid-export: left ${leftovers.length} entries in the output (${(leftBytes / 2 ** 20).toFixed(1)} MiB, under ${staging}/ with its owner file) and ${tmpLeft.length} in TMPDIR (${tmpLeft.join(", ")}); ` +
      `the next run removed them and completed in ${resumeSeconds.toFixed(1)} s, saying: ${notice}`,
  );
});
