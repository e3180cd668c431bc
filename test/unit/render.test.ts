import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "../../src/render/dockerfile.js";
import { loadBook, editionSections, editionSources } from "../../src/book/load.js";
import { packageRoot } from "../../src/paths.js";
import { sectionBlock, stageNames, instructions } from "../helpers/dockerfile.js";

const sysv = generate({ init: "sysv" });
const systemd = generate({ init: "systemd" });
const golden = (name: string) => readFileSync(join(packageRoot(), "test", "fixtures", "golden", name), "utf8");

test("stages are named and ordered as the book is: sources, host, toolchain, kernel, system, iso-builder, iso", () => {
  for (const df of [sysv, systemd]) {
    assert.deepEqual(stageNames(df), ["sources-download", "sources-verify", "sources", "host", "toolchain", "kernel", "system", "iso-builder", "iso"]);
    assert.match(df, /^FROM scratch AS toolchain\nCOPY --from=host \/mnt\/lfs\/ \/$/m, "the chroot is FROM scratch + COPY");
    assert.match(df, /^FROM scratch AS iso\nCOPY --from=iso-builder \/out\/ \/\n$/m, "the last stage holds only the artifacts");
  }
});

test("every chapter-5 section is exactly one RUN", () => {
  const book = loadBook();
  for (const s of editionSections(book, "sysv").filter((x) => x.chapter === 5 && !x.text)) {
    const block = sectionBlock(sysv, s.number);
    assert.ok(block, `section ${s.number} is in the Dockerfile`);
    const runs = instructions(block).filter((i) => i.keyword === "RUN");
    assert.equal(runs.length, 1, `${s.number}: ${runs.length} RUNs`);
  }
});

test("a section renders as the golden file: mounts, prelude, the book's commands", () => {
  assert.equal(sectionBlock(sysv, "5.2"), golden("sysv-5.2-binutils-pass1.txt"));
  assert.equal(sectionBlock(sysv, "7.3"), golden("sysv-7.3-kernfs.txt"));
});

test("no # syntax line by default; an option adds one", () => {
  assert.doesNotMatch(sysv, /^# syntax=/m);
  assert.match(generate({ syntax: true }), /^# syntax=docker\/dockerfile:1\.7\n/);
  assert.match(generate({ syntax: "registry.example/dockerfile:1.9" }), /^# syntax=registry\.example\/dockerfile:1\.9\n/);
});

test("every RUN script runs under bash with set -euo pipefail, its first line naming it", () => {
  // BuildKit names a heredoc RUN after its first line: the section's number and title, so that
  // buildx's progress shows which section runs. The stage's SHELL runs the script.
  let shell: string | undefined;
  let runs = 0;
  const lines = sysv.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("FROM ")) shell = /^FROM (?:--platform=\S+ )?(?:host|toolchain) AS /.test(line) ? shell : undefined;
    const sh = /^SHELL \["([^"]+)", "-c"\]$/.exec(line);
    if (sh) shell = sh[1];
    if (!line.endsWith("<<'END_OF_SECTION'")) continue;
    runs++;
    assert.equal(shell, "/bin/bash", `line ${i + 1}: the stage's SHELL is bash`);
    assert.match(lines[i + 1]!, /^# \S/, `line ${i + 2}: the script's first line is a comment naming it`);
    assert.equal(lines[i + 2], "set -euo pipefail", `line ${i + 3}`);
  }
  assert.ok(runs > 100);
  for (const m of sysv.matchAll(/^# (\d+\.\d+)\. (.+)\n(?:#.*\n)*RUN [^\n]*(?:\n {4}[^\n]*)*<<'END_OF_SECTION'\n(.*)$/gm)) {
    assert.equal(m[3], `# ${m[1]}. ${m[2]}`, `section ${m[1]}'s script starts with its number and title`);
  }
});

test("jobs: default is the builder's core count at build time; --jobs pins it", () => {
  assert.match(sysv, /^ARG JOBS=$/m);
  assert.match(sysv, /export MAKEFLAGS="-j\$\{JOBS:-\$\(nproc\)\}"/);
  const pinned = generate({ jobs: 6 });
  assert.match(pinned, /^ARG JOBS=6$/m);
  assert.doesNotMatch(pinned, /^ARG JOBS=$/m);
});

test("every package and patch of the edition appears with the book's MD5 and URL", () => {
  const book = loadBook();
  for (const [edition, df] of [
    ["sysv", sysv],
    ["systemd", systemd],
  ] as const) {
    for (const f of editionSources(book, edition)) {
      assert.ok(df.includes(`${f.md5}  ${f.file}\n`), `${edition}: md5 of ${f.file}`);
      assert.ok(df.includes(`ADD ${f.url} /${f.file}\n`), `${edition}: ADD of ${f.file}`);
    }
  }
  assert.doesNotMatch(sysv, /dbus-1\.16\.0\.tar\.xz/, "the sysv edition does not download D-Bus");
  assert.doesNotMatch(systemd, /sysvinit-3\.14\.tar\.xz/, "the systemd edition does not download SysVinit");
});

test("edition-specific sections and commands go to their edition only", () => {
  assert.match(sysv, /^# 8\.82\. SysVinit-3\.14$/m);
  assert.doesNotMatch(systemd, /SysVinit-3\.14$/m);
  assert.match(systemd, /^# 8\.76\. Systemd-257\.3$/m);
  assert.match(sysv, /^# 8\.76\. Udev from Systemd-257\.3$/m);
  assert.match(systemd, /^# {3}https:\/\/www\.linuxfromscratch\.org\/lfs\/view\/12\.3-systemd\/chapter08\/systemd\.html$/m);
  assert.doesNotMatch(sysv, /\{\{/, "no Handlebars left in the output");
  assert.doesNotMatch(systemd, /\{\{/, "no Handlebars left in the output");
});

test("test suites are off by default and on with tests: true", () => {
  const withTests = generate({ tests: true });
  const gmpOff = sectionBlock(sysv, "8.21")!;
  const gmpOn = sectionBlock(withTests, "8.21")!;
  assert.doesNotMatch(gmpOff, /make check/);
  assert.match(gmpOff, /test suite not run/);
  assert.match(gmpOn, /make check/);
});

test("sources are mounted read-only per section; build trees in a tmpfs (host, toolchain, kernel) or on disk, removed at the end (system)", () => {
  const gcc = sectionBlock(sysv, "5.3")!;
  assert.match(gcc, /--mount=type=tmpfs,target=\/mnt\/lfs\/sources \\/);
  for (const f of ["gcc-14.2.0.tar.xz", "mpfr-4.2.1.tar.xz", "gmp-6.3.0.tar.xz", "mpc-1.3.1.tar.gz"]) {
    assert.ok(gcc.includes(`--mount=type=bind,from=sources,source=${f},target=/mnt/lfs/sources/${f} \\`), f);
  }
  const perl7 = sectionBlock(sysv, "7.9")!;
  assert.match(perl7, /--mount=type=tmpfs,target=\/sources \\/);
  assert.doesNotMatch(perl7, /find \/sources/);
  assert.match(sectionBlock(sysv, "10.3")!, /--mount=type=tmpfs,target=\/sources \\/);
  for (const n of ["8.5", "8.29"]) {
    const block = sectionBlock(sysv, n)!;
    assert.doesNotMatch(block, /--mount=type=tmpfs,target=\/sources/, n);
    assert.match(block, /--mount=type=bind,from=sources,source=\S+,target=\/sources\//, n);
    // The tree removed after the book's commands, as the last lines of the RUN.
    assert.match(block, /\ncd \/\nfind \/sources -mindepth 1 -maxdepth 1 -type d -exec rm -rf \{\} \+\nEND_OF_SECTION/, n);
  }
  // A section of the system stage with no sources has nothing to remove.
  assert.doesNotMatch(sectionBlock(sysv, "8.85")!, /find \/sources/);
});

test("system configuration options reach the release files and the configuration", () => {
  const df = generate({ config: { codename: "Nightjar", hostname: "buildbox", timezone: "Europe/Paris" } });
  assert.match(df, /VERSION_CODENAME="Nightjar"/);
  assert.match(df, /DISTRIB_CODENAME="Nightjar"/);
  assert.match(df, /buildbox/);
  assert.match(df, /zoneinfo\/Europe\/Paris/);
});

test("a user kernel fragment is merged after the book's", () => {
  const df = generate({ kernelFragment: "CONFIG_BTRFS_FS=y\n" });
  const kernel = sectionBlock(df, "10.3")!;
  assert.ok(kernel.indexOf("CONFIG_BTRFS_FS=y") > kernel.indexOf("CONFIG_DEVTMPFS=y"));
  assert.match(kernel, /merge_config\.sh/);
});

test("generation is deterministic", () => {
  assert.equal(generate({ init: "sysv" }), sysv);
});

test("--until stops after a section, and the last stage is the default target", () => {
  const df = generate({ until: "5.5" });
  assert.deepEqual(stageNames(df).slice(-1), ["host"]);
  assert.ok(sectionBlock(df, "5.5"));
  assert.equal(sectionBlock(df, "5.6"), undefined);
  assert.doesNotMatch(df, /AS iso-builder/);
});

test("10.3, the kernel, is built in the kernel stage on the build machine and installed into system at 10.3", () => {
  for (const [arch, kernelArch, image] of [
    ["x86_64", "x86", "arch/x86/boot/bzImage"],
    ["aarch64", "arm64", "arch/arm64/boot/Image"],
  ] as const) {
    const df = generate({ arch });
    // The kernel stage starts from the host stage (on $BUILDPLATFORM), with the cross toolchain.
    assert.match(df, /^FROM host AS kernel$/m);
    const kernelStage = df.slice(df.indexOf("FROM host AS kernel"), df.indexOf("AS system"));
    assert.match(kernelStage, new RegExp(`^export ARCH=${kernelArch} CROSS_COMPILE=\\$LFS_TGT-$`, "m"));
    assert.match(kernelStage, /^make INSTALL_MOD_PATH=\$LFS_KERNEL_ROOT modules_install$/m);
    assert.ok(kernelStage.includes(`cp -iv ${image} $LFS_KERNEL_ROOT/boot/vmlinuz-6.13.4-lfs-12.3`), arch);
    assert.match(kernelStage, /^# 10\.3\. Linux-6\.13\.4$/m);
    // Nothing of 10.3 runs in the system stage: the section there is one COPY, between 10.2 and 10.4.
    const block = sectionBlock(df.slice(df.indexOf("AS system")), "10.3");
    assert.ok(block, `${arch}: 10.3 in the system stage`);
    assert.deepEqual(
      instructions(block).map((i) => i.keyword),
      ["COPY"],
    );
    assert.match(block, /^COPY --from=kernel \/lfs-kernel\/ \/$/m);
    const system = df.slice(df.indexOf("AS system"));
    assert.ok(system.indexOf("# 10.2.") < system.indexOf("# 10.3.") && system.indexOf("# 10.3.") < system.indexOf("# 10.4."), "book order");
    // The header table says where it runs.
    assert.match(df, /^# {3}kernel {7}section 10\.3 {15}build {7}the kernel/m);
    assert.match(generate({ arch, hostPlatform: "target" }), /^# {3}kernel {7}section 10\.3 {15}target {6}the kernel/m);
  }
});

test("a Dockerfile cut before the kernel section has no kernel stage; cut at it, the stage and the COPY", () => {
  assert.doesNotMatch(generate({ until: "10.2" }), /AS kernel/);
  const at = generate({ until: "10.3" });
  assert.match(at, /^FROM host AS kernel$/m);
  assert.match(at, /^COPY --from=kernel \/lfs-kernel\/ \/$/m);
});

test("--host-platform target: every stage from HOST_IMAGE runs on the target (an image of that platform only)", () => {
  const df = generate({ arch: "aarch64", hostPlatform: "target" });
  assert.match(df, /^FROM \$\{HOST_IMAGE\} AS sources-verify$/m);
  assert.match(df, /^FROM \$\{HOST_IMAGE\} AS host$/m);
  assert.doesNotMatch(df, /--platform=\$BUILDPLATFORM \$\{HOST_IMAGE\}/);
  assert.match(generate({ arch: "aarch64" }), /^FROM --platform=\$BUILDPLATFORM \$\{HOST_IMAGE\} AS sources-verify$/m);
});
