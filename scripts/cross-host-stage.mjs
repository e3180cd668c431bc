#!/usr/bin/env node
// The book's host stage (chapters 5 and 6) for another architecture, cross-compiled on this machine, built
// from real sources through lfs-docker's own driver, and checked: where each section ran (the platform
// BuildKit gives the stage), how long it took, and what came out (every program of $LFS is an ELF of the
// target that asks for the target's dynamic linker; the cross tools are programs of the build machine).
//
//   npx tsc -p tsconfig.json && node scripts/cross-host-stage.mjs [--arch aarch64] [--until 6.18] [--no-cache]
//
// Too long for the default test run (about 80 minutes cold on a 2-core machine); BuildKit's cache makes a
// second run take seconds. --until 7.3 to 7.7 goes on into the temporary system of chapter 7, which runs
// on the target's platform (emulated on another machine), and checks what runs there. The sources come from Debian's archive (test/fixtures/debian-sources.json and
// debian-sources-chapter6.json say what each one is), prepared by the tests' helper into its cache.
// Exits 1 when a check fails. Needs the engine (scripts/engine-setup.sh) and the host image
// (scripts/base-images.sh).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url);
const lib = await import(new URL("dist/src/index.js", root).href);
const srcs = await import(new URL("dist/test/helpers/debian-sources.js", root).href);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const arch = opt("arch", "aarch64");
const until = opt("until", "6.18");
const noCache = args.includes("--no-cache");
const hostImage = opt("host-image", process.env.LFS_HOST_IMAGE ?? "lfs-docker/host:bookworm");
const profile = lib.archProfile(arch);

// The chapter 5 and chapter 6 manifests, made into one directory of the book's file names.
const cache = srcs.testCacheDir();
const manifest = srcs.loadManifest();
const ch6 = JSON.parse(readFileSync(new URL("test/fixtures/debian-sources-chapter6.json", root), "utf8"));
const ch7 = JSON.parse(readFileSync(new URL("test/fixtures/debian-sources-chapter7.json", root), "utf8"));
// Past 7.2 the build enters the temporary system (the toolchain stage), on the target's platform.
const chroot = /^7\.([3-9]|1\d)$/.test(until);
const sources = join(cache, `sources-lfs-${manifest.book}-chapter6`);
await srcs.prepareSources(manifest, sources, { cacheDir: cache, log: (m) => console.log(`sources: ${m}`) });
await srcs.prepareSources(ch6, sources, { cacheDir: cache, log: (m) => console.log(`sources: ${m}`) });
if (chroot) await srcs.prepareSources(ch7, sources, { cacheDir: cache, log: (m) => console.log(`sources: ${m}`) });
for (const [file, e] of Object.entries({ ...manifest.files, ...ch6.files, ...(chroot ? ch7.files : {}) })) {
  if (e.substitutedVersion) console.log(`sources: ${file} is ${e.source} ${e.substitutedVersion} (${e.substitutedReason})`);
}

// The generated Dockerfile, unchanged, and one stage of this script's after it: it inspects $LFS on the
// build machine (file(1) of the host image) and leaves its findings in /probe.txt.
const dockerfile = lib.generate({ arch, until, hostImage });
const PROBE = `
# ---- appended by scripts/cross-host-stage.mjs; everything above is generate()'s output ----
FROM host AS probe-run
# the host stage may end as the book's lfs user (--until inside chapters 5-6)
USER root
ARG PROBE_RUN
RUN echo "probe $PROBE_RUN" >&2; cd $LFS && { \\
      echo "build-machine $(uname -m)"; \\
      for f in usr/bin/* usr/sbin/* usr/lib/*.so.* tools/bin/*; do [ -f "$f" ] && [ ! -L "$f" ] || continue; \\
        printf '%s\\t%s\\n' "$f" "$(file -b "$f")"; done; \\
      [ -e lib64 ] && echo "lib64 $(ls -A lib64 | tr '\\n' ' ')" || echo "lib64 absent"; \\
      echo "interp-bash $(readelf -l usr/bin/bash | grep -o 'interpreter: [^]]*')"; \\
      echo "interp-gcc $(readelf -l usr/bin/gcc | grep -o 'interpreter: [^]]*')"; \\
    } > /probe.txt
FROM scratch AS probe
COPY --from=probe-run /probe.txt /probe.txt
${
  chroot
    ? `
# the temporary system of chapter 7, on the target's platform
FROM toolchain AS probe-chroot
ARG PROBE_RUN
RUN echo "probe $PROBE_RUN" >&2; { \\
      echo "chroot-machine $(uname -m)"; \\
      echo "chroot-bash $(file -b /usr/bin/bash)"; \\
      if [ -x /usr/bin/msgfmt ]; then echo "chroot-msgfmt $(/usr/bin/msgfmt --version | head -n1)"; fi; \\
    } > /probe-chroot.txt
FROM probe
COPY --from=probe-chroot /probe-chroot.txt /probe-chroot.txt
`
    : ""
}`;

const out = await mkdtemp(join(tmpdir(), "lfs-docker-cross-host-"));
const context = await mkdtemp(join(tmpdir(), "lfs-docker-cross-host-ctx-"));
const vertices = new Map();
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok    " : "FAILED"} ${what}`);
  if (!ok) failures.push(what);
};
const client = await lib.connect();
try {
  const t0 = Date.now();
  await client.solve({
    context,
    dockerfileText: dockerfile + PROBE,
    ...(chroot ? {} : { target: "probe" }),
    platforms: [profile.platform],
    // BUILDKIT_MULTI_PLATFORM: the Dockerfile frontend then names every vertex with its stage's platform
    // ("[linux/amd64->arm64 host 5/26]": run on amd64 for an arm64 build); the export goes into a
    // directory per platform.
    buildArgs: { PROBE_RUN: String(Date.now()), BUILDKIT_MULTI_PLATFORM: "1" },
    namedContexts: { sources },
    ...(noCache && { noCache: true }),
    exports: [{ type: "local", dest: out }],
    progress: lib.createProgressDisplay("plain"),
    onEvent: (e) => {
      if (e.type === "vertex-completed" || e.type === "vertex-cached" || e.type === "vertex-error" || e.type === "vertex-started")
        vertices.set(e.vertex.digest, e.vertex);
    },
  });
  const wall = (Date.now() - t0) / 1000;

  // Where the sections ran, as BuildKit named their vertices.
  const report = lib.buildReport(dockerfile, [...vertices.values()], "5.2", new Date(t0 - 10_000));
  console.log("\nsection  seconds  cached  vertex (as BuildKit named it)");
  for (const row of report.rows) {
    if (!/^[5-7]\./.test(row.section ?? "")) continue;
    console.log(
      `${String(row.section).padEnd(8)} ${row.seconds === null ? "      -" : row.seconds.toFixed(1).padStart(7)}  ${row.cached ? "yes   " : "no    "}  ${row.vertex.slice(0, 90)}`,
    );
  }
  console.log(`whole build ${wall.toFixed(1)} s${report.sbuSeconds ? ` (1 SBU = ${report.sbuSeconds.toFixed(1)} s in this build)` : ""}`);

  const hostVertices = [...vertices.values()].filter((v) => / host +\d+\/\d+\]/.test(v.name));
  const buildPlatform = `linux/${process.arch === "x64" ? "amd64" : process.arch}`;
  check(
    hostVertices.length > 0 && hostVertices.every((v) => v.name.startsWith(`[${buildPlatform}`)),
    `every host-stage vertex is named for the build platform ${buildPlatform} (${hostVertices.length} vertices, e.g. ${hostVertices[0]?.name.slice(0, 40)})`,
  );

  if (chroot) {
    const chrootVertices = [...vertices.values()].filter((v) => / toolchain +\d+\/\d+\]/.test(v.name));
    // BuildKit names the stage's COPY with the platform and its RUNs with none: a stage with no
    // --platform of its own runs on the build's platform, which build() sets to the target's.
    const named = chrootVertices.filter((v) => v.name.startsWith("[linux/"));
    check(
      chrootVertices.length > 0 && named.length > 0 && named.every((v) => v.name.startsWith(`[${profile.platform} `)),
      `the toolchain stage's vertices are named for the target platform ${profile.platform} or for none (${named.length} of ${chrootVertices.length} named, e.g. ${named[0]?.name.slice(0, 40)})`,
    );
  }
  const platformDir = join(out, profile.platform.replace(/\//g, "_"));
  const dir = existsSync(join(platformDir, "probe.txt")) ? platformDir : out;
  if (chroot) {
    const c = (await readFile(join(dir, "probe-chroot.txt"), "utf8")).trim().split("\n");
    console.log(c.map((l) => `  ${l}`).join("\n"));
    check(c.includes(`chroot-machine ${arch}`), `the temporary system runs as ${arch} (uname -m in the toolchain stage)`);
    check(
      c.some((l) => l.startsWith("chroot-bash ELF") && l.includes(arch === "aarch64" ? "ARM aarch64" : "x86-64")),
      `file(1) built in 6.7 runs there and sees bash as an ${arch} ELF`,
    );
    if (until !== "7.3" && until !== "7.4" && until !== "7.5" && until !== "7.6")
      check(
        c.some((l) => l.startsWith("chroot-msgfmt ") && l.includes("GNU gettext")),
        "msgfmt of 7.7 (built by 6.18's native GCC in the temporary system) runs",
      );
  }
  const probe = await readFile(join(dir, "probe.txt"), "utf8");
  check(
    probe.startsWith(`build-machine ${process.arch === "x64" ? "x86_64" : "aarch64"}\n`),
    `the probe, a step of the host stage's platform, ran on the build machine (${probe.split("\n", 1)[0]})`,
  );
  await writeFile(join(tmpdir(), `lfs-docker-cross-host-${arch}-probe.txt`), probe);
  const lines = probe.trim().split("\n");
  const files = lines.filter((l) => l.includes("\t")).map((l) => l.split("\t"));
  const want = arch === "aarch64" ? "ARM aarch64" : "x86-64";
  const buildElf = process.arch === "x64" ? "x86-64" : "ARM aarch64";
  const elf = files.filter(([, d]) => d.startsWith("ELF"));
  const lfsElf = elf.filter(([f]) => !f.startsWith("tools/"));
  const toolsElf = elf.filter(([f]) => f.startsWith("tools/bin/"));
  const wrong = lfsElf.filter(([, d]) => !d.includes(want));
  check(
    lfsElf.length >= 100 && wrong.length === 0,
    `${lfsElf.length} ELF files in $LFS/usr are ${want}${
      wrong.length
        ? `; not: ${wrong
            .slice(0, 5)
            .map(([f, d]) => `${f} (${d.slice(0, 60)})`)
            .join(", ")}`
        : ""
    }`,
  );
  const wrongTools = toolsElf.filter(([, d]) => !d.includes(buildElf));
  check(toolsElf.length >= 10 && wrongTools.length === 0, `${toolsElf.length} cross tools in $LFS/tools/bin are programs of the build machine (${buildElf})`);
  for (const p of ["usr/bin/bash", "usr/bin/ls", "usr/bin/gawk", "usr/bin/make", "usr/bin/xz", "usr/bin/gcc", "usr/bin/ld", "usr/sbin/chroot"]) {
    check(
      files.some(([f]) => f === p),
      `$LFS/${p} is there`,
    );
  }
  const ld = profile.dynamicLinker;
  check(lines.includes(`interp-bash interpreter: ${ld}`), `bash asks for ${ld}`);
  check(lines.includes(`interp-gcc interpreter: ${ld}`), `the native gcc of 6.18 asks for ${ld}`);
  if (arch !== "x86_64") check(lines.includes("lib64 absent"), `no $LFS/lib64 for ${arch}`);
  console.log(`\nprobe written to ${join(tmpdir(), `lfs-docker-cross-host-${arch}-probe.txt`)}`);
} finally {
  await client.close();
  await rm(out, { recursive: true, force: true });
  await rm(context, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("\nall checks passed");
