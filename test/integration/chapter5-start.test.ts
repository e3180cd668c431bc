/**
 * The start of chapter 5 of the real book, built for real in the default test run: 5.2 Binutils pass 1
 * (1 SBU) and 5.4 the Linux API headers, from the real upstream sources (Debian's copies, see
 * test/fixtures/debian-sources.json), by the engine's BuildKit with `docker buildx build`.
 *
 * The Dockerfile is generate()'s output with --until 5.4, less one block: the RUN of 5.3 (GCC pass 1,
 * about 25 minutes on 2 cores), which 5.4 does not need (`make headers` uses the build machine's
 * compiler). The whole of chapter 5 is built by `npm run test:book` (test/book/chapter5.test.ts) and by
 * the proof build (scripts/proof-build.mjs).
 *
 * The test's own stages, appended after the generated ones, check what came out: the cross assembler and
 * linker of 5.2 make a program that runs on the build machine (exit status 42), and the headers of 5.4
 * are in $LFS/usr/include with nothing but headers there, as the book leaves them.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { generate } from "../../src/index.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE } from "../helpers/engine.js";
import { sectionBlock } from "../helpers/dockerfile.js";
import { parsePlainProgress, runInstruction, squash } from "../helpers/progress-log.js";
import { cleanStaleCacheFiles, loadManifest, prepareSources, testCacheDir } from "../helpers/debian-sources.js";

const TIMEOUT_MS = Number(process.env.LFS_CHAPTER5_TIMEOUT_MIN ?? 30) * 60_000;
const LFS_TGT = "x86_64-lfs-linux-gnu";

before(() => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
});

const PROBE_STAGES = `
# ---- appended by test/integration/chapter5-start.test.ts; everything above is generate()'s output less 5.3 ----
FROM host AS probe-run
ARG LFS_TEST_RUN
# A program assembled and linked by the cross tools of 5.2, run on the build machine: exit status 42.
RUN cd /tmp && echo "test run $LFS_TEST_RUN" && \\
    printf '.globl _start\\n_start:\\n  mov $60, %%eax\\n  mov $42, %%edi\\n  syscall\\n' > t.s && \\
    $LFS/tools/bin/${LFS_TGT}-as -o t.o t.s && $LFS/tools/bin/${LFS_TGT}-ld -o t t.o && \\
    { ./t && status=0 || status=$?; } && echo "exit $status" > /tmp/asm.txt && cat /tmp/asm.txt

FROM scratch AS probe
COPY --from=host /mnt/lfs/tools/bin /tools/bin
COPY --from=host /mnt/lfs/usr/include /usr-include
COPY --from=probe-run /tmp/asm.txt /asm.txt
`;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

test("chapter 5 of LFS 12.3: 5.2 Binutils pass 1 and 5.4 the kernel headers build on the real engine from real sources", { timeout: TIMEOUT_MS }, async (t) => {
  const cache = testCacheDir();
  await cleanStaleCacheFiles(cache);
  const manifest = loadManifest();
  const wanted = ["binutils-2.44.tar.xz", "linux-6.13.4.tar.xz"];
  const files = Object.fromEntries(Object.entries(manifest.files).filter(([f]) => wanted.includes(f)));
  assert.deepEqual(Object.keys(files).sort(), wanted, "the fixture has both files");
  const sources = await prepareSources({ ...manifest, files }, join(cache, `sources-lfs-${manifest.book}-chapter5`), {
    cacheDir: cache,
    log: (m) => t.diagnostic(m),
  });

  const full = generate({ until: "5.4", hostImage: TEST_HOST_IMAGE });
  const gccPass1 = sectionBlock(full, "5.3");
  assert.ok(gccPass1 && /^RUN /m.test(gccPass1), "5.3 is a RUN block of the generated Dockerfile");
  const dockerfile = full.replace(gccPass1, "");
  const sections = ["5.2", "5.4"].map((n) => ({ n, ...runInstruction(dockerfile, n) }));

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
    context,
  ];
  const b0 = Date.now();
  const r = await run("docker", args, { cwd: context, timeoutMs: TIMEOUT_MS - 60_000 });
  const log = r.stderr + r.stdout;
  assert.equal(r.code, 0, `docker buildx build failed (exit ${r.code})\n${log.slice(-6000)}`);

  // Each section ran (or came from the cache) once, under the name its first script line gives it.
  const vertices = parsePlainProgress(log).filter((v) => v.label.startsWith("host "));
  // (BuildKit may show one step under two vertices, e.g. when another build runs the same step.)
  for (const s of sections) {
    const matches = vertices.filter((v) => squash(v.name).startsWith(s.run));
    assert.ok(matches.length >= 1, `a vertex for ${s.title}`);
    for (const v of matches) {
      assert.ok(v.name.endsWith(`(# ${s.title}...)`), `BuildKit names it after the section: ${v.name.slice(-60)}`);
      assert.equal(v.error, undefined, `${s.title}: no error`);
    }
    const v = matches.find((m) => m.cached || m.seconds !== undefined);
    assert.ok(v, `${s.title}: finished (DONE or CACHED)`);
    t.diagnostic(`${s.n} ${v.cached ? "cached" : `${v.seconds?.toFixed(1)} s`}`);
  }
  t.diagnostic(`docker buildx build ${((Date.now() - b0) / 1000).toFixed(1)} s`);

  // 5.2: the cross tools exist and work.
  for (const tool of ["as", "ld", "readelf", "objdump"]) statSync(join(out, "tools", "bin", `${LFS_TGT}-${tool}`));
  assert.equal(readFileSync(join(out, "asm.txt"), "utf8").trim(), "exit 42", "the program made by the cross as and ld ran");
  // 5.4: the headers, and nothing else (the book deletes every file not named *.h).
  const headers = walk(join(out, "usr-include")).map((f) => relative(join(out, "usr-include"), f));
  for (const h of ["linux/limits.h", "linux/version.h", "asm/unistd_64.h", "asm-generic/errno.h"]) assert.ok(headers.includes(h), `$LFS/usr/include/${h}`);
  assert.deepEqual(
    headers.filter((h) => !h.endsWith(".h")),
    [],
    "only headers in $LFS/usr/include",
  );
  assert.ok(headers.length > 500, `${headers.length} headers`);
});
