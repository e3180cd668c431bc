#!/usr/bin/env node
// Binutils pass 1 (5.2) of the real book for an aarch64 target, built through lfs-docker's own build
// in one run two ways: the host stage on the build machine, cross-compiling (what lfs-docker does), and
// the host stage on linux/arm64 under QEMU user emulation (the original project's approach,
// --host-platform target). Prints both times as BuildKit measured the section, and the ratio.
//
//   npx tsc -p tsconfig.json && node bench/aarch64-cross-vs-emulated.mjs --sources DIR \
//       [--host-image lfs-docker/host:bookworm] [--host-image-arm64 lfs-docker/host:bookworm-arm64]
//
// DIR holds binutils-2.44.tar.xz (any directory of the book's sources). Both builds run with no cache
// (--no-cache), one after the other. Needs QEMU user emulation registered (scripts/boot-setup.sh
// --aarch64) and an arm64 host image (scripts/base-images.sh host-arm64).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { option } from "./lib.mjs";

const { build } = await import(new URL("../dist/src/index.js", import.meta.url).href);

const opt = option;
const sources = opt("sources");
if (!sources) {
  console.error("usage: node bench/aarch64-cross-vs-emulated.mjs --sources DIR [--host-image IMG] [--host-image-arm64 IMG]");
  process.exit(2);
}
const hostImage = opt("host-image", "lfs-docker/host:bookworm");
const hostImageArm64 = opt("host-image-arm64", "lfs-docker/host:bookworm-arm64");

async function binutilsPass1(label, extra) {
  const out = await mkdtemp(join(tmpdir(), "lfs-docker-bench-"));
  try {
    const t0 = Date.now();
    // verifySources: false: any copy of Binutils 2.44 will do for a timing (e.g. Debian's repacked one).
    const { report } = await build({
      arch: "aarch64",
      until: "5.2",
      sources,
      verifySources: false,
      noCache: true,
      force: true,
      output: out,
      progress: "quiet",
      ...extra,
    });
    const wall = (Date.now() - t0) / 1000;
    const row = report.rows.find((r) => r.section === "5.2");
    if (!row || row.seconds === null) throw new Error(`${label}: no timing for 5.2 in the report`);
    console.log(`${label.padEnd(44)} 5.2 binutils pass 1: ${row.seconds.toFixed(1).padStart(7)} s   (whole build ${wall.toFixed(1)} s)`);
    return row.seconds;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const cross = await binutilsPass1("cross-compiled on the build machine", { hostImage, hostPlatform: "build" });
const emulated = await binutilsPass1("emulated linux/arm64 host stage (QEMU user)", { hostImage: hostImageArm64, hostPlatform: "target" });
console.log(`ratio emulated / cross: ${(emulated / cross).toFixed(1)}x`);
