/**
 * Chapter 5 of the real book, built for real: the generated Dockerfile, unchanged but for the host image
 * and the `sources` named context, stopped after 5.6 (`--until 5.6`), built by the engine's BuildKit
 * from the real upstream sources of the book's versions (Debian's copies of them, see
 * test/fixtures/debian-sources.json: the book's download sites are unreachable from the test machines).
 *
 * The test appends two stages of its own after the generated ones: `probe-sanity` re-runs the book's
 * toolchain sanity check of 5.5 on the finished host stage (on every run, so it is there even when 5.5
 * comes from the cache), and `probe` (FROM scratch) holds what is exported and checked: the cross tools'
 * bin directory, $LFS/usr/lib (glibc, libstdc++), $LFS/lib64 and the sanity check's output.
 *
 * Not in the default test run (\`npm test\` builds 5.2 and 5.4 only, test/integration/chapter5-start.test.ts):
 * run it with \`npm run test:book\`. A cold run took about 40 minutes on the 2-core test machine (gcc pass 1 alone 26 minutes); BuildKit's
 * cache makes the next runs take seconds. LFS_TEST_NO_CACHE=1 builds everything again (for timings). Each run's plain progress log
 * is kept in the test cache (see test/helpers/debian-sources.ts) and its path printed.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../src/index.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE } from "../helpers/engine.js";
import { parsePlainProgress, runInstruction, squash } from "../helpers/progress-log.js";
import { cleanStaleCacheFiles, loadManifest, prepareChapter5Sources, testCacheDir } from "../helpers/debian-sources.js";

/** 60 minutes; LFS_CHAPTER5_TIMEOUT_MIN changes it (a cold run on a busy 2-core machine took 40). */
const TIMEOUT_MS = Number(process.env.LFS_CHAPTER5_TIMEOUT_MIN ?? 60) * 60_000;
const UNTIL = "5.6";
const SECTIONS = ["5.2", "5.3", "5.4", "5.5", "5.6"] as const;
const LFS_TGT = "x86_64-lfs-linux-gnu";
const INTERPRETER = "Requesting program interpreter: /lib64/ld-linux-x86-64.so.2";

before(() => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
});

/** The stages this test appends to the generated Dockerfile (and only these lines are the test's). */
const PROBE_STAGES = `
# ---- appended by test/integration/chapter5.test.ts; everything above is generate()'s output ----
FROM host AS probe-sanity
ARG LFS_TEST_RUN
# The book's sanity check of 5.5 again, on the finished host stage; LFS_TEST_RUN makes it run every time.
RUN cd /tmp && echo "test run $LFS_TEST_RUN" && echo 'int main(){}' | $LFS_TGT-gcc -xc - && \\
    readelf -l a.out > readelf.txt && grep ld-linux readelf.txt > /tmp/sanity.txt && cat /tmp/sanity.txt

FROM scratch AS probe
COPY --from=host /mnt/lfs/tools/bin /tools/bin
COPY --from=host /mnt/lfs/usr/lib /usr-lib
COPY --from=host /mnt/lfs/lib64 /lib64
COPY --from=probe-sanity /tmp/sanity.txt /sanity.txt
`;

function isElf(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

test(`chapter 5 of LFS 12.3 (5.2 to ${UNTIL}) builds on the real engine from real sources`, { timeout: TIMEOUT_MS }, async (t) => {
  const t0 = Date.now();
  const cache = testCacheDir();
  await cleanStaleCacheFiles(cache);
  const sources = await prepareChapter5Sources(undefined, { cacheDir: cache, log: (m) => t.diagnostic(m) });
  const prepSeconds = (Date.now() - t0) / 1000;
  const manifest = loadManifest();
  for (const [file, e] of Object.entries(manifest.files)) {
    if (e.substitutedVersion) t.diagnostic(`${file}: built from ${e.source} ${e.substitutedVersion} (${e.substitutedReason})`);
  }

  const dockerfile = generate({ until: UNTIL, hostImage: TEST_HOST_IMAGE });
  const sections = SECTIONS.map((n) => ({ n, ...runInstruction(dockerfile, n) }));

  const work = mkdtempSync(join(tmpdir(), "lfs-docker-chapter5-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const context = join(work, "context");
  const out = join(work, "out");
  mkdirSync(context);
  writeFileSync(join(context, "Dockerfile"), dockerfile + PROBE_STAGES);

  const args = [
    "buildx",
    "build",
    "--progress=plain",
    "--build-context",
    `sources=${sources}`,
    "--target",
    "probe",
    "--build-arg",
    `LFS_TEST_RUN=${Date.now()}`,
    "-o",
    `type=local,dest=${out}`,
  ];
  if (process.env.LFS_TEST_NO_CACHE === "1") args.push("--no-cache");
  args.push(context);
  const b0 = Date.now();
  const r = await run("docker", args, { cwd: context, timeoutMs: TIMEOUT_MS - 2 * 60_000 });
  const buildSeconds = (Date.now() - b0) / 1000;
  const log = r.stderr + r.stdout;
  const logs = join(cache, "logs");
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `chapter5-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
  writeFileSync(logFile, log);
  t.diagnostic(`plain progress log: ${logFile}`);

  const vertices = parsePlainProgress(log);
  assert.equal(r.code, 0, `docker buildx build failed (exit ${r.code}); log: ${logFile}\n${log.slice(-6000)}`);

  // Each section's RUN ran (or came from the cache) exactly once, and finished.
  const hostVertices = vertices.filter((v) => v.label.startsWith("host "));
  const found = sections.map((s) => {
    const matches = hostVertices.filter((v) => squash(v.name).startsWith(s.run));
    assert.equal(matches.length, 1, `one vertex for ${s.title} (${s.run}); found ${matches.length}`);
    const v = matches[0]!;
    assert.ok(v.cached || v.seconds !== undefined, `${s.title}: finished (DONE or CACHED)`);
    assert.equal(v.error, undefined, `${s.title}: no error`);
    return { ...s, v };
  });

  // Durations, in SBU (1 SBU = 5.2, binutils pass 1, as the book defines it).
  const sbu = found[0]!.v.seconds;
  const lines = found.map(({ n, title, v }) =>
    v.cached
      ? `  ${n.padEnd(4)} ${title.padEnd(44)} cached`
      : `  ${n.padEnd(4)} ${title.padEnd(44)} ${v.seconds!.toFixed(1).padStart(7)} s${sbu ? `  ${(v.seconds! / sbu).toFixed(2).padStart(5)} SBU` : ""}`,
  );
  const ran = found.filter((f) => !f.v.cached);
  const total = ran.reduce((a, f) => a + f.v.seconds!, 0);
  const report = [
    `chapter 5 (5.2-${UNTIL}) per section${sbu ? ` (1 SBU = ${sbu.toFixed(1)} s)` : " (5.2 cached: no SBU)"}:`,
    ...lines,
    `  sections run: ${ran.length}/${found.length}, ${total.toFixed(1)} s${sbu ? ` = ${(total / sbu).toFixed(2)} SBU` : ""}; sources prepared in ${prepSeconds.toFixed(1)} s; docker buildx build ${buildSeconds.toFixed(1)} s`,
  ].join("\n");
  console.log(report);
  for (const line of report.split("\n")) t.diagnostic(line);

  // The book's sanity check (end of 5.5, under pipefail): its output, when 5.5 ran in this build and its
  // log was not clipped by BuildKit's per-step log limit, and always from the probe stage.
  const glibc = found.find((f) => f.n === "5.5")!.v;
  if (!glibc.cached) {
    const clipped = glibc.output.some((l) => /output clipped|log limit/i.test(l));
    if (clipped) t.diagnostic("5.5's log was clipped by BuildKit's log limit; its sanity check passed (exit 0), the probe shows its output");
    else
      assert.ok(
        glibc.output.some((l) => l.includes(INTERPRETER)),
        `5.5's log shows "${INTERPRETER}"`,
      );
  }
  const probe = vertices.find((v) => v.label.startsWith("probe-sanity ") && v.name.startsWith("RUN "));
  assert.ok(probe && !probe.cached, "the probe's sanity check ran in this build");
  assert.ok(
    probe.output.some((l) => l.includes(INTERPRETER)),
    `the probe's log shows "${INTERPRETER}"`,
  );
  assert.match(readFileSync(join(out, "sanity.txt"), "utf8"), /\[Requesting program interpreter: \/lib64\/ld-linux-x86-64\.so\.2\]/);

  // The cross toolchain (5.2, 5.3) ...
  for (const tool of ["gcc", "g++", "ld", "as", "readelf"]) {
    const f = join(out, "tools", "bin", `${LFS_TGT}-${tool}`);
    assert.ok(existsSync(f) && isElf(f), `${f} is an ELF executable`);
  }
  // ... the kernel headers (5.4) are in $LFS/usr/include, checked by 5.5 building against them; glibc (5.5):
  for (const lib of ["libc.so.6", "ld-linux-x86-64.so.2", "libm.so.6", "crt1.o"]) {
    const f = join(out, "usr-lib", lib);
    assert.ok(existsSync(f) && isElf(f), `$LFS/usr/lib/${lib} is an ELF file`);
  }
  assert.equal(readlinkSync(join(out, "lib64", "ld-linux-x86-64.so.2")), "../lib/ld-linux-x86-64.so.2");
  // ... and libstdc++ (5.6), with the book's .la files removed.
  assert.ok(lstatSync(join(out, "usr-lib", "libstdc++.so.6")).isSymbolicLink(), "$LFS/usr/lib/libstdc++.so.6");
  assert.ok(existsSync(join(out, "usr-lib", "libstdc++.a")), "$LFS/usr/lib/libstdc++.a");
  assert.ok(!existsSync(join(out, "usr-lib", "libstdc++.la")), "5.6 removed libstdc++.la");
});
