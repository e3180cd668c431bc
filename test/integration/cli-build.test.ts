/**
 * `lfs-docker build` end to end through the project's own BuildKit driver, against the real engine:
 * a short Dockerfile (--until) built, exported and reported; and Ctrl-C mid-section.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../src/build.js";
import { packageRoot } from "../../src/paths.js";
import { requireEngine, requireImage, TEST_HOST_IMAGE } from "../helpers/engine.js";

before(() => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
});

test("build(): the host stage's first sections, exported, with a per-section report", async () => {
  const out = mkdtempSync(join(tmpdir(), "lfs-docker-build-"));
  writeFileSync(join(out, "mine.txt"), "the user's file\n");
  const result = await build({ until: "4.3", hostImage: TEST_HOST_IMAGE, target: "host", output: out, progress: "quiet", noCache: true });
  assert.ok(existsSync(join(out, "mnt", "lfs", "tools")), "the export holds $LFS/tools");
  assert.equal(readFileSync(join(out, "mine.txt"), "utf8"), "the user's file\n", "the user's file is kept");
  assert.ok(!readdirSync(out).some((n) => n.startsWith(".lfs-docker-") || n.includes(".partial-")), "no staging directory left");
  const sections = result.report.rows.filter((r) => r.section).map((r) => r.section);
  assert.deepEqual(sections, ["2.2", "4.2", "4.3"]);
  for (const r of result.report.rows.filter((x) => x.section)) {
    assert.equal(r.cached, false);
    assert.ok(r.seconds !== null && r.seconds >= 0 && r.seconds < 120, `${r.section}: ${r.seconds}`);
  }
  assert.match(readFileSync(result.reportFile!, "utf8"), /^4\.3\s+host\s+\d+\.\d\s+-\s+-\s+built\s+Adding the LFS User$/m);
  assert.equal(result.htmlReportFile, join(out, "build-report.html"));
  assert.match(readFileSync(result.htmlReportFile, "utf8"), /<td class="sec">4\.3<\/td><td class="title">Adding the LFS User<\/td><td class="chart"><svg/);

  // A second build into the same directory refuses to replace what the first wrote, unless forced.
  await assert.rejects(build({ until: "4.3", hostImage: TEST_HOST_IMAGE, target: "host", output: out, progress: "quiet" }), /exists.*--force/);
});

test("Ctrl-C during a section cancels it on the daemon, exits 130 and writes nothing", async () => {
  // A stand-in binutils tarball whose configure never ends, so 5.2 runs until interrupted.
  const sources = mkdtempSync(join(tmpdir(), "lfs-docker-sources-"));
  const tree = mkdtempSync(join(tmpdir(), "lfs-docker-tree-"));
  mkdirSync(join(tree, "binutils-2.44"));
  const marker = `lfs-docker-test-${process.pid}-${Date.now()}`;
  writeFileSync(join(tree, "binutils-2.44", "configure"), `#!/bin/bash\necho configure-started\nexec -a ${marker} sleep 600\n`, { mode: 0o755 });
  assert.equal(spawnSync("tar", ["-C", tree, "-cJf", join(sources, "binutils-2.44.tar.xz"), "binutils-2.44"]).status, 0);
  const out = mkdtempSync(join(tmpdir(), "lfs-docker-out-"));

  const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
  // Not the book's tarball: refused before anything is built, unless the check is turned off.
  const refused = spawnSync(
    process.execPath,
    [bin, "build", "--until", "5.2", "--host-image", TEST_HOST_IMAGE, "--sources", sources, "--target", "host", "--progress", "plain", "-o", out],
    { encoding: "utf8" },
  );
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /binutils-2\.44\.tar\.xz: does not match the book's MD5/);
  assert.doesNotMatch(refused.stderr, /#\d+ \[/, "no build step ran");
  const child = spawn(
    process.execPath,
    [
      bin,
      "build",
      "--until",
      "5.2",
      "--host-image",
      TEST_HOST_IMAGE,
      "--sources",
      sources,
      "--no-verify-sources",
      "--target",
      "host",
      "--progress",
      "plain",
      "-o",
      out,
      "--no-cache",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  const started = new Promise<void>((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes("configure-started")) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await Promise.race([started, exited.then(() => assert.fail(`the build ended before the section started:\n${stderr.slice(-3000)}`))]);
  assert.ok(spawnSync("pgrep", ["-f", marker]).status === 0, "the section's process runs");
  child.kill("SIGINT");
  const code = await exited;
  assert.equal(code, 130, stderr.slice(-2000));
  assert.match(stderr, /interrupted \(SIGINT\)/);
  // No artifact: only the report of the cancelled build, which says so and names the section.
  assert.deepEqual(readdirSync(out).sort(), ["build-report.html", "build-report.json", "build-report.txt"], "only the report in the output directory");
  const report = readFileSync(join(out, "build-report.txt"), "utf8");
  assert.match(report, /^outcome: cancelled/m);
  assert.match(report, /^to resume: run the same command again/m);
  // The daemon killed the section's processes.
  let gone = false;
  for (let i = 0; i < 30 && !gone; i++) {
    gone = spawnSync("pgrep", ["-f", marker]).status !== 0;
    if (!gone) await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(gone, "no process of the cancelled section remains");
});
