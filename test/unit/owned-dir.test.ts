/**
 * Leftovers of a killed process: owned directories (an owner file naming pid, start time, host) are
 * removed only when ours by name, valid, and their owner is gone; nothing else is touched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LEFTOVER_NAME, makeOwnedDir, OWNER_FILE, ownerAlive, processStart, readOwner, sweepLeftovers } from "../../src/fs/owned-dir.js";
import { sweepSafeWriteTemps } from "../../src/fs/safe-write.js";
import { tempDirs } from "../helpers/scratch.js";

const tmp = tempDirs("lfs-docker-owned-");

/** The pid of a process that has exited (a short-lived child). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

/** Rewrite an owned directory's owner file. */
function setOwner(dir: string, patch: Record<string, unknown>): void {
  const file = join(dir, OWNER_FILE);
  const o = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  rmSync(file);
  writeFileSync(file, JSON.stringify({ ...o, ...patch }));
}

test("an owned directory names its owner; the names it gets are the ones a sweep looks at", async () => {
  const parent = tmp();
  const dir = await makeOwnedDir(parent, ".lfs-docker-staging-", "a test");
  const o = readOwner(dir)!;
  assert.equal(o.pid, process.pid);
  assert.equal(o.host, hostname());
  assert.equal(o.procStart, processStart(process.pid));
  assert.ok(ownerAlive(o), "this process is alive");
  assert.match(dir.slice(parent.length + 1), LEFTOVER_NAME);
  const partial = await makeOwnedDir(parent, ".out.iso.partial-", "a test");
  assert.match(partial.slice(parent.length + 1), LEFTOVER_NAME);
  for (const name of [".lfs-docker-staging-abc", "lfs-docker-staging-abcdef", ".git", ".partial-abcdef", "x.partial-abcdef"])
    assert.doesNotMatch(name, LEFTOVER_NAME, name);
});

test("a sweep removes the directories of dead owners (and of reused pids) and leaves everything else", async () => {
  const parent = tmp();
  writeFileSync(join(parent, "mine.iso"), "the user's file\n");
  mkdirSync(join(parent, ".config"));
  writeFileSync(join(parent, ".config", OWNER_FILE), readFileSync(join(await makeOwnedDir(tmp(), ".lfs-docker-staging-", "x"), OWNER_FILE)));

  const dead = await makeOwnedDir(parent, ".lfs-docker-staging-", "the export of a build");
  writeFileSync(join(dead, "half.iso"), Buffer.alloc(4096));
  setOwner(dead, { pid: deadPid() });
  const reused = await makeOwnedDir(parent, ".out.partial-", "an export being received");
  setOwner(reused, { procStart: "1" }); // our pid, but a process that started at another time
  const rebooted = await makeOwnedDir(parent, ".out2.partial-", "an export being received");
  setOwner(rebooted, { bootId: "00000000-0000-0000-0000-000000000000" });
  const live = await makeOwnedDir(parent, ".lfs-docker-staging-", "the export of a build");
  const foreign = await makeOwnedDir(parent, ".lfs-docker-staging-", "the export of a build");
  setOwner(foreign, { host: "another-host.invalid", pid: deadPid() });
  // Ours by name, but no owner file: removed only when empty.
  mkdirSync(join(parent, ".lfs-docker-staging-Empty1"));
  mkdirSync(join(parent, ".lfs-docker-staging-Full01"));
  writeFileSync(join(parent, ".lfs-docker-staging-Full01", "data"), "x");
  // A link named like ours, to an owned directory of a dead owner elsewhere: never followed.
  const elsewhere = await makeOwnedDir(tmp(), ".lfs-docker-staging-", "x");
  setOwner(elsewhere, { pid: deadPid() });
  symlinkSync(elsewhere, join(parent, ".lfs-docker-staging-Link01"));

  const found = await sweepLeftovers(parent);
  const removed = found
    .filter((f) => f.removed)
    .map((f) => f.path)
    .sort();
  assert.deepEqual(removed, [dead, rebooted, reused].sort());
  assert.equal(found.find((f) => f.path === dead)!.bytes > 4096, true, "its size is reported");
  assert.match(found.find((f) => f.path === live)!.kept!, /still runs/);
  assert.match(found.find((f) => f.path === foreign)!.kept!, /another-host\.invalid/);
  for (const p of [dead, reused, rebooted, join(parent, ".lfs-docker-staging-Empty1")]) assert.ok(!existsSync(p), `${p} is gone`);
  for (const p of [
    live,
    foreign,
    join(parent, ".lfs-docker-staging-Full01", "data"),
    join(parent, "mine.iso"),
    join(parent, ".config", OWNER_FILE),
    join(elsewhere, OWNER_FILE),
  ])
    assert.ok(existsSync(p), `${p} is kept`);
  assert.equal(readFileSync(join(parent, "mine.iso"), "utf8"), "the user's file\n");
});

test("an owner file that is not ours (bad JSON, another tool, a link) makes the directory not a leftover", async () => {
  const parent = tmp();
  const cases: Array<(dir: string) => void> = [
    (d) => writeFileSync(join(d, OWNER_FILE), "not json"),
    (d) => writeFileSync(join(d, OWNER_FILE), JSON.stringify({ tool: "other", pid: deadPid(), host: hostname(), created: "x" })),
    (d) => symlinkSync("/etc/hostname", join(d, OWNER_FILE)),
  ];
  const dirs = await Promise.all(
    cases.map(async (make) => {
      const d = await makeOwnedDir(parent, ".lfs-docker-staging-", "x");
      rmSync(join(d, OWNER_FILE));
      make(d);
      writeFileSync(join(d, "data"), "x");
      return d;
    }),
  );
  assert.deepEqual(await sweepLeftovers(parent), []);
  for (const d of dirs) assert.ok(existsSync(join(d, "data")));
});

test("half-written reports of a dead process are removed; a live process's and other names are kept", () => {
  const dir = tmp();
  const deadTmp = join(dir, `.build-report.txt.${deadPid()}.0a1b2c3d.tmp`);
  const liveTmp = join(dir, `.build-report.json.${process.ppid}.0a1b2c3d.tmp`);
  const other = join(dir, `.notes.txt.${deadPid()}.0a1b2c3d.tmp`);
  for (const f of [deadTmp, liveTmp, other]) writeFileSync(f, "{");
  assert.deepEqual(sweepSafeWriteTemps(dir, ["build-report.txt", "build-report.json"]), [deadTmp]);
  assert.ok(existsSync(liveTmp) && existsSync(other));
});

test("a directory of another PID namespace's process is left alone: its pid means nothing here", () => {
  const here = spawnSync("readlink", ["/proc/self/ns/pid"], { encoding: "utf8" }).stdout.trim() || undefined;
  assert.ok(here, "/proc/self/ns/pid is readable");
  const gone = { tool: "lfs-docker" as const, pid: 2 ** 22 + 1, host: hostname(), created: new Date().toISOString(), purpose: "x" };
  assert.equal(ownerAlive(gone), false, "no such pid in this namespace: gone");
  assert.equal(ownerAlive({ ...gone, pidNs: here }), false, "same namespace: gone");
  assert.equal(ownerAlive({ ...gone, pidNs: "pid:[1]" }), true, "another namespace: cannot be told, so kept");
});
