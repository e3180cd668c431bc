/**
 * Faults of the daemon, injected for real into real builds: a Docker Engine of the test's own
 * (test/helpers/second-engine.ts: a second dockerd in its own network namespace, never the machine's)
 * is SIGKILLed while a section runs, restarted under a client that stays connected, and given a tiny
 * garbage-collection policy whose collector runs during a long build. The builds are the fault book's
 * (test/helpers/faults-book.ts) through the CLI, a child process. Needs the engine's programs
 * (scripts/engine-setup.sh) and the host base image (scripts/base-images.sh); fails, never skips.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BuildKitError, connect } from "../../src/buildkit/index.js";
import { requireEngine, requireImage, TEST_HOST_IMAGE } from "../helpers/engine.js";
import { runCli, startCli, deadline } from "../helpers/cli-process.js";
import { faultsBuildArgs, SLOW_STARTED, writeFaultsBook } from "../helpers/faults-book.js";
import { startSecondEngine, type SecondEngine } from "../helpers/second-engine.js";
import { tempDirs, measuredLines } from "../helpers/scratch.js";

let engine: SecondEngine | undefined;
const tmp = tempDirs("lfs-docker-faults-");
const measured = measuredLines();

before(async () => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
  const t0 = Date.now();
  engine = await startSecondEngine("faults");
  await engine.loadImages([TEST_HOST_IMAGE]);
  measured.push(`second engine started and the host image copied into it in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

after(async () => {
  await engine?.dispose();
});

const need = (): SecondEngine => {
  if (!engine) throw new Error("the second engine did not start");
  return engine;
};

/** The build-report.txt row of a section: its state word. */
function stateOf(report: string, section: string): string | undefined {
  return new RegExp(`^${section.replace(".", "\\.")}\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+(\\S+)`, "m").exec(report)?.[1];
}

test("dockerd killed while a section runs: the build fails at once naming the daemon and the section; nothing new in the output; the next run resumes from the cache", async () => {
  const e = need();
  const work = tmp("kill");
  const book = writeFaultsBook(work, { payloadMiB: 4, sleepSeconds: 8 });
  const out = join(work, "out");
  mkdirSync(out);
  writeFileSync(join(out, "mine.txt"), "the user's file\n");
  const args = faultsBuildArgs(book, out, e.address);

  const first = startCli(args);
  await first.waitFor(SLOW_STARTED);
  const killedAt = Date.now();
  await e.kill();
  const r1 = await first.done;
  const failSeconds = (Date.now() - killedAt) / 1000;
  assert.equal(r1.code, 1, r1.stderr.slice(-3000));
  assert.ok(failSeconds < 10, `the build gives up within seconds of the daemon's death (${failSeconds.toFixed(1)} s)`);
  const message = r1.stderr.split("\n").find((l) => l.startsWith("lfs-docker: ")) ?? "";
  assert.match(
    message,
    /^lfs-docker: lost the BuildKit daemon \(Docker Engine at unix:\/\/\S+\/docker\.sock\) while 4\.2 A section that takes a while \(\[host 4\/4\]\) was running \(14 UNAVAILABLE: [^)]+\); /,
  );
  assert.match(message, /once it runs again, run the same command to resume$/);
  // Nothing new but the report of the failed build, which says which section was cut short.
  assert.deepEqual(readdirSync(out).sort(), ["build-report.html", "build-report.json", "build-report.txt", "mine.txt"]);
  assert.equal(readFileSync(join(out, "mine.txt"), "utf8"), "the user's file\n");
  const report1 = readFileSync(join(out, "build-report.txt"), "utf8");
  assert.equal(stateOf(report1, "4.2"), "FAILED");
  assert.match(report1, /^failed step: 4\.2 A section that takes a while$/m);
  // The section's processes outlive a SIGKILLed dockerd (its runc and shim go, the step's processes
  // stay, in the engine's cgroup): the daemon's doing, not lfs-docker's; recorded, then ended by pid.
  const orphans = e.orphans();
  await e.killOrphans();

  await e.start();
  const r2 = await runCli(args);
  assert.equal(r2.code, 0, r2.stderr.slice(-3000));
  const report2 = readFileSync(join(out, "build-report.txt"), "utf8");
  assert.deepEqual(
    ["2.2", "4.1", "4.2"].map((s) => stateOf(report2, s)),
    ["cached", "cached", "built"],
    report2,
  );
  assert.equal(readFileSync(join(out, "etc", "slow-done"), "utf8"), "x86_64\n");
  assert.equal(readFileSync(join(out, "payload.bin")).length, 4 * 2 ** 20);
  assert.equal(readFileSync(join(out, "mine.txt"), "utf8"), "the user's file\n");
  assert.ok(!readdirSync(out).some((n) => n.startsWith(".")), "no staging directory left");
  measured.push(
    `daemon killed mid-section: exit 1 ${failSeconds.toFixed(1)} s after the kill; output: only the report; ${orphans.length} process(es) of the step left running by the dead daemon; ` +
      `resumed (2.2, 4.1 cached, 4.2 built again) in ${r2.seconds.toFixed(1)} s, 8 s of it 4.2's sleep; the message: ${message}`,
  );
});

test("a BuildKitClient kept across daemon restarts: calls while it is down fail at once, naming it; the next calls reconnect; nothing hangs", async () => {
  const e = need();
  const work = tmp("client");
  writeFileSync(join(work, "a.txt"), "through a restart\n");
  await using client = await connect(e.address);
  const solve = (dest: string) =>
    deadline(client.solve({ context: work, dockerfileText: "FROM scratch\nCOPY a.txt /\n", exports: [{ type: "local", dest }] }), 60_000, "a solve");
  await solve(join(work, "out1"));

  // Stopped the ordinary way, then started again: a restart between two builds.
  await e.stop();
  const t0 = Date.now();
  await assert.rejects(deadline(client.workers(), 15_000, "workers() with the daemon down"), (err: unknown) => {
    assert.ok(err instanceof BuildKitError, String(err));
    assert.equal(err.code, "CONNECT");
    assert.match(err.message, /^cannot connect to Docker Engine at unix:\/\/\S+\/docker\.sock: cannot reach Docker Engine: connect (ENOENT|ECONNREFUSED)/);
    return true;
  });
  const downSeconds = (Date.now() - t0) / 1000;
  assert.ok(downSeconds < 6, `the call fails within the reconnect timeout (${downSeconds} s)`);
  await e.start();
  const t1 = Date.now();
  await solve(join(work, "out2"));
  const solveAfterRestart = (Date.now() - t1) / 1000;
  assert.equal(readFileSync(join(work, "out2", "a.txt"), "utf8"), "through a restart\n");

  // Killed, then started again: the client's connection died with the daemon.
  await e.kill();
  await assert.rejects(
    deadline(client.diskUsage(), 15_000, "diskUsage() with the daemon killed"),
    /cannot connect to Docker Engine at unix:\/\/\S+: cannot reach Docker Engine: connect ECONNREFUSED/,
  );
  await e.start();
  const t2 = Date.now();
  assert.ok((await deadline(client.workers(), 15_000, "workers() after the restart")).length >= 1);
  const workersAfterKill = (Date.now() - t2) / 1000;
  await solve(join(work, "out3"));
  measured.push(
    `client kept across restarts: a call with the daemon down failed in ${downSeconds.toFixed(2)} s; after a restart a solve took ${solveAfterRestart.toFixed(1)} s, ` +
      `after a kill and restart workers() ${workersAfterKill.toFixed(2)} s`,
  );
});

test("the garbage collector runs during a long build: the build completes (what it uses is in use); doctor shows the limit; a later build told why it builds again what was evicted", async () => {
  const e = need();
  await e.stop();
  // BuildKit collects garbage when the daemon starts, and then at most once a minute, after builds.
  await e.start({ builder: { gc: { enabled: true, defaultKeepStorage: "1MB" } } });
  const started = Date.now();
  const doctor = await runCli(["doctor", "--builder", e.address, "--probe", "false"]);
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.match(doctor.stdout, /^gc policy: +keep /m);
  assert.match(doctor.stdout, /^ +keep 1 MiB; every record$/m);
  assert.match(doctor.stdout, /^warning: +the builder's garbage collection keeps at most 1 MiB of cache, less than a whole LFS build's/m);

  const work = tmp("gc");
  const other = join(work, "other");
  mkdirSync(other);
  // Something of no use to the build below, 2 MiB: over the limit, so the collector must remove it.
  await using client = await connect(e.address);
  await client.solve({ context: other, dockerfileText: `FROM ${TEST_HOST_IMAGE}\nRUN head -c 2M /dev/zero > /unrelated\n` });
  const unrelated = async () => (await client.diskUsage()).filter((r) => /unrelated/.test(r.description)).length;
  assert.ok((await unrelated()) >= 1, "the unrelated record is in the cache");

  // The build: 4.2 sleeps past the collector's next run (a minute after the solve above at most).
  const book = writeFaultsBook(work, { payloadMiB: 4, sleepSeconds: 75, salt: "gc" });
  const out = join(work, "out");
  // lfs-docker's memory of the steps finished on each builder: the test's own.
  const env = { XDG_CACHE_HOME: join(work, "cache") };
  const build = startCli(faultsBuildArgs(book, out, e.address), env);
  await build.waitFor(SLOW_STARTED);
  let collectedAt: number | undefined;
  while (collectedAt === undefined) {
    if ((await unrelated()) === 0) collectedAt = Date.now();
    else if (build.child.exitCode !== null) break;
    else await new Promise((r) => setTimeout(r, 1000));
  }
  const r = await build.done;
  assert.ok(collectedAt !== undefined, `the collector did not run during the build (${((Date.now() - started) / 1000).toFixed(0)} s after the daemon started)`);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const report = readFileSync(join(out, "build-report.txt"), "utf8");
  assert.equal(stateOf(report, "4.2"), "built");
  assert.equal(readFileSync(join(out, "payload.bin")).length, 4 * 2 ** 20);

  // The next increment, after a restart (the collector runs at start and removes what no build uses):
  // the sections are built again, and the build says why, with the limit and the setting to raise.
  await e.stop();
  await e.start({ builder: { gc: { enabled: true, defaultKeepStorage: "1MB" } } });
  // The collector runs soon after the start, not before the daemon answers: the next build waits for it
  // (a build started at once finds everything still cached, as one CI run did).
  const cacheBytes = async () => (await client.diskUsage()).reduce((sum, r) => sum + r.size, 0);
  const restarted = Date.now();
  while ((await cacheBytes()) > 2 ** 20) {
    assert.ok(Date.now() - restarted < 150_000, `the collector did not bring the cache under 1 MiB within 150 s of the restart (${await cacheBytes()} bytes)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const emptiedAfter = (Date.now() - restarted) / 1000;
  const next = await runCli(
    ["build", "--book", book, "--until", "4.1", "--host-image", TEST_HOST_IMAGE, "--builder", e.address, "-o", "type=cacheonly", "--progress", "plain"],
    env,
  );
  assert.equal(next.code, 0, next.stderr.slice(-3000));
  const notice = next.stderr.split("\n").find((l) => / is being built again/.test(l)) ?? "";
  assert.match(
    notice,
    /^lfs-docker: warning: (2\.2 Host System Requirements|4\.1 Writing the payload) \(\[host [23]\/3\]\) is being built again, though an earlier build on this builder finished it: it is no longer in BuildKit's cache; the builder's garbage collector keeps at most 1\.0 MiB of build cache \(`lfs-docker doctor` shows its policy\)/,
    next.stderr.slice(-3000),
  );
  assert.match(notice, /raise builder\.gc\.defaultKeepStorage in the engine's daemon\.json/);
  measured.push(
    `gc (keep 1 MiB): the collector removed the unrelated record ${((collectedAt - started) / 1000).toFixed(0)} s after the daemon started, while 4.2 ran; the build completed in ${r.seconds.toFixed(1)} s; ` +
      `after a restart the collector emptied the cache in ${emptiedAfter.toFixed(0)} s; the next increment rebuilt and said: ${notice}`,
  );
});
