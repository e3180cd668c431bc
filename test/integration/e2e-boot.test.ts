/**
 * End to end: the test book (test/books/mini: a static BusyBox and a Linux kernel, compiled from their
 * real sources, Debian's copies of them) goes through every stage of the pipeline -- sources, host,
 * toolchain (FROM scratch), system, iso-builder, iso -- built by lfs-docker's own driver against the
 * engine, exported to a directory, checked as an ISO (El Torito BIOS + UEFI entries, MBR and GPT for USB
 * disks), then booted by `lfs-docker boot` under QEMU (TCG) with BIOS and with UEFI, from a CD and from a
 * disk, logging in on the serial console and reading back the /etc/os-release the generator wrote. A
 * broken copy of the ISO (its squashfs removed) must fail to boot, with the console's last lines.
 *
 * Cold, the build takes about 8 minutes on the 2-core test machine (the kernel 6); each boot 10-20 s.
 * Needs: the engine (scripts/engine-setup.sh), the base images (scripts/base-images.sh) and QEMU, OVMF
 * and xorriso (scripts/boot-setup.sh).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, BootError, build, generate, type BootResult, type GenerateOptions, type SectionEvent } from "../../src/index.js";
import { dockerfileSteps } from "../../src/report/build-report.js";
import { run as cli } from "../../src/cli/run.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE, TEST_ISO_IMAGE } from "../helpers/engine.js";

/** The host image with Debian's cross compilers (scripts/base-images.sh cross). */
const TEST_CROSS_IMAGE = process.env.LFS_CROSS_IMAGE ?? "lfs-docker/cross:bookworm";
import { prepareTestBookSources } from "../helpers/debian-sources.js";
import { packageRoot } from "../../src/paths.js";

const BOOK = join(packageRoot(), "test", "books", "mini");
const PASSWORD = "e2e-Secret:1";
const OPTIONS: GenerateOptions = {
  book: BOOK,
  hostImage: TEST_HOST_IMAGE,
  isoImage: TEST_ISO_IMAGE,
  config: { hostname: "e2ehost", codename: "lfs-docker-e2e" },
};
const BUILD_MINUTES = Number(process.env.LFS_E2E_TIMEOUT_MIN ?? 40);

let work: string;
let iso: string;
const boots: Record<string, BootResult> = {};

before(async () => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
  requireImage(TEST_ISO_IMAGE);
  requireImage(TEST_CROSS_IMAGE);
  for (const tool of ["qemu-system-x86_64", "qemu-system-aarch64", "xorriso"]) {
    const r = await run("sh", ["-c", `command -v ${tool}`]);
    assert.equal(r.code, 0, `${tool} is missing: run scripts/boot-setup.sh`);
  }
  work = mkdtempSync(join(tmpdir(), "lfs-docker-e2e-"));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  const times = Object.entries(boots).map(
    ([k, b]) => `${k}: login prompt ${b.toLogin?.toFixed(1)} s, milestones ${b.milestones.map((m) => `${m.name} ${m.seconds.toFixed(1)}`).join(", ")}`,
  );
  if (times.length) console.log(`# boot times (QEMU ${boots[Object.keys(boots)[0]!]!.accel.join("+")}):\n# ${times.join("\n# ")}`);
});

/** The lines the generated Dockerfile writes into /etc/os-release (the test book's 8.1). */
function generatedOsRelease(dockerfile: string): string[] {
  const m = /cat > \/etc\/os-release << "EOF"\n([\s\S]*?)\nEOF\n/.exec(dockerfile);
  assert.ok(m, "the generated Dockerfile writes /etc/os-release");
  return m[1]!.split("\n");
}

function readBytes(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

// The time left (the book's SBU figures times the rate measured on the first SBU-bearing section
// built) against the real time the build went on after it: printed for the log, and, when a section
// with an SBU figure was built rather than cached, the estimate must exist from then on.
function timeLeftAgainstRealTime(events: SectionEvent[], ended: number): void {
  const built = events.filter((e) => e.type === "section-built");
  const first = built.find((e) => e.timeLeft.totalSeconds !== null);
  for (const e of built)
    console.log(
      `# ${e.section ?? e.title} built in ${e.seconds?.toFixed(1)} s; time left then: ${e.timeLeft.totalSeconds === null ? "unknown" : `${e.timeLeft.totalSeconds.toFixed(0)} s`}`,
    );
  if (first?.timeLeft.totalSeconds != null) {
    const real = (ended - (first as SectionEvent & { at: number }).at) / 1000;
    console.log(
      `# estimate after ${first.section}: ${first.timeLeft.totalSeconds.toFixed(0)} s left, real ${real.toFixed(0)} s (error ${(((first.timeLeft.totalSeconds - real) / real) * 100).toFixed(0)} %)`,
    );
  }
  const withSbu = built.filter((e) => e.section === "5.1" || e.section === "10.1");
  if (withSbu.length > 0) assert.ok(first !== undefined, `a time left was estimated once ${withSbu[0]!.section} was built`);
}

test("the test book builds through the driver into an ISO", { timeout: BUILD_MINUTES * 60_000 }, async () => {
  const sources = await prepareTestBookSources(undefined, { log: (m) => console.log(`# ${m}`) });
  const passwordFile = join(work, "root-password");
  writeFileSync(passwordFile, PASSWORD);
  const out = join(work, "out");
  const started = Date.now();
  const events: SectionEvent[] = [];
  const result = await build({
    ...OPTIONS,
    output: out,
    sources,
    rootPasswordFile: passwordFile,
    progress: "quiet",
    onSection: (e) => events.push({ ...e, at: Date.now() } as SectionEvent),
  });
  const ended = Date.now();
  console.log(`# built in ${((ended - started) / 1000).toFixed(1)} s`);
  timeLeftAgainstRealTime(events, ended);
  for (const s of result.report.rows) if (s.section) console.log(`# ${s.section} ${s.title}: ${s.cached ? "cached" : `${s.seconds?.toFixed(1)} s`}`);
  iso = join(out, "lfs-test-sysv-x86_64.iso");
  assert.ok(existsSync(iso), `the ISO is in the output directory (files: ${result.files.join(", ")})`);
  assert.ok(existsSync(join(out, "build-report.txt")));
  // Every section of the book is a step of the build, in the Dockerfile's order (the kernel stage,
  // 10.1, comes before the system stage that installs it); the report names those BuildKit reported
  // (a step whose result is cached further down the graph may not be reported at all).
  const all = ["2.2", "4.1", "5.1", "7.1", "10.1", "8.1"];
  assert.deepEqual([...new Set(dockerfileSteps(generate(OPTIONS)).flatMap((s) => s.section ?? []))], all);
  // Each row is joined with the right step: BuildKit's name for it has the same stage, number and
  // instruction. (BuildKit pads the number to the width of the stage's count; and a step that another
  // build on the engine is running at the same time, such as the base image's FROM, is shared with it
  // and carries that build's name: its count may differ.)
  for (const r of result.report.rows)
    assert.match(r.vertex, new RegExp(`^\\[${r.stage} +${r.step}/\\d+\\] ${r.instruction} `), `${r.section ?? ""} ${r.title}`);
  const reported = result.report.rows.flatMap((s) => s.section ?? []);
  assert.deepEqual(
    reported,
    all.filter((n) => reported.includes(n)),
  );
  assert.ok(reported.length > 0);
  assert.equal(result.report.sbuSection, null, "the test book has no Binutils pass 1, so no SBU");
});

test("the ISO has El Torito entries for BIOS and UEFI, and an MBR and a GPT for USB disks", async () => {
  assert.ok(iso, "no ISO: the build test failed");
  const r = await run("xorriso", ["-indev", iso, "-report_el_torito", "plain"]);
  assert.equal(r.code, 0, r.stderr);
  const report = r.stdout + r.stderr;
  assert.match(report, /El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
  assert.match(report, /El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
  const mbr = readBytes(iso, 0, 512);
  assert.equal(mbr.readUInt16LE(510), 0xaa55, "MBR boot signature");
  assert.ok(
    mbr.subarray(0, 440).some((b) => b !== 0),
    "MBR boot code (GRUB's boot_hybrid.img)",
  );
  const partitions = [0, 1, 2, 3].map((i) => mbr[446 + i * 16 + 4]);
  assert.ok(partitions.includes(0xee), `the MBR's partition table protects a GPT (types ${partitions.join(", ")})`);
  assert.equal(readBytes(iso, 512, 8).toString("latin1"), "EFI PART", "GPT header at LBA 1");
  const area = await run("xorriso", ["-indev", iso, "-report_system_area", "plain"]);
  assert.match(area.stdout + area.stderr, /GPT type GUID\s*:\s*2\s+28732ac11ff8d211ba4b00a0c93ec93b/, "the GPT holds the ESP (EFI System partition type)");
  // The ESP is sized from its contents: a FAT image within a few hundred KiB of GRUB's EFI loader.
  const esp = await run("xorriso", ["-indev", iso, "-find", "/boot/grub/efi.img", "-exec", "lsdl", "--"]);
  const size = Number(/\s(\d+)\s+\w{3}\s+\d+/.exec(esp.stdout)?.[1]);
  assert.ok(size > 0 && size < 16 * 2 ** 20, `efi.img size ${size}`);
});

for (const [firmware, medium] of [
  ["bios", "cdrom"],
  ["uefi", "cdrom"],
  ["bios", "disk"],
  ["uefi", "disk"],
] as const) {
  test(
    `boots under ${firmware.toUpperCase()} from a ${medium === "cdrom" ? "CD" : "disk (as a USB stick)"}, logs in, reads /etc/os-release`,
    { timeout: 10 * 60_000 },
    async () => {
      assert.ok(iso, "no ISO: the build test failed");
      const result = await boot({
        iso,
        firmware,
        medium,
        timeout: 300,
        login: { user: "root", password: PASSWORD },
        commands: ["cat /etc/os-release", "uname -r", "hostname", "touch /written && ls /written"],
      });
      boots[`${firmware} ${medium}`] = result;
      assert.deepEqual(
        result.milestones.map((m) => m.name),
        ["firmware", "grub", "kernel", "initramfs", "system", "login"],
      );
      const [osRelease, uname, hostname, written] = result.commands;
      assert.deepEqual(osRelease!.output, generatedOsRelease(generate(OPTIONS)));
      assert.ok(osRelease!.output.includes('VERSION_CODENAME="lfs-docker-e2e"'));
      assert.deepEqual(uname!.output, ["6.12.107"]);
      assert.deepEqual(hostname!.output, ["e2ehost"]);
      // The live system writes into its tmpfs overlay.
      assert.deepEqual(written!.output, ["/written"]);
    },
  );
}

test("a broken ISO fails to boot, and the error shows the console's last lines", { timeout: 5 * 60_000 }, async () => {
  assert.ok(iso, "no ISO: the build test failed");
  const broken = join(work, "broken.iso");
  // The same ISO, boot images replayed, without the system's squashfs: GRUB and the kernel start, the
  // initramfs does not find the live system and says so.
  const r = await run("xorriso", ["-indev", iso, "-outdev", broken, "-boot_image", "any", "replay", "-rm", "/live/system.squashfs", "--", "-commit"]);
  assert.equal(r.code, 0, r.stderr);
  // The library and the CLI boot it side by side: each waits the initramfs's 30 s for the medium.
  const out: string[] = [];
  const err: string[] = [];
  const [, code] = await Promise.all([
    assert.rejects(boot({ iso: broken, timeout: 240 }), (err: unknown) => {
      assert.ok(err instanceof BootError, String(err));
      assert.match(err.message, /rescue shell/);
      assert.ok(
        err.consoleTail.some((l) => /no CD or disk holding \/live\/system\.squashfs/.test(l)),
        err.consoleTail.join("\n"),
      );
      assert.deepEqual(
        err.milestones.map((m) => m.name),
        ["firmware", "grub", "kernel", "initramfs"],
      );
      return true;
    }),
    // The CLI: non-zero exit, the console tail on stderr.
    cli(["boot", broken, "--timeout", "240"], {
      stdout: { write: (s: string) => out.push(s) } as never,
      stderr: { write: (s: string) => err.push(s) } as never,
    }),
  ]);
  assert.equal(code, 1);
  assert.match(err.join(""), /last console lines:\n(.*\n)* {2}\| lfs-docker initramfs: no CD or disk holding/);
});

test("lfs-docker boot says which package to install when QEMU is missing", async () => {
  const copy = join(work, "copy.iso");
  writeFileSync(copy, "");
  const saved = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    const err: string[] = [];
    const code = await cli(["boot", copy], { stdout: { write: () => true } as never, stderr: { write: (s: string) => err.push(s) } as never });
    assert.equal(code, 1);
    assert.match(err.join(""), /qemu-system-x86_64 not found: install it \(Debian: apt-get install qemu-system-x86\)/);
  } finally {
    process.env.PATH = saved;
  }
});

test(
  "aarch64: cross-built on this machine, toolchain and system on linux/arm64, boots on QEMU virt with UEFI",
  { timeout: BUILD_MINUTES * 60_000 },
  async () => {
    const sources = await prepareTestBookSources();
    const passwordFile = join(work, "root-password");
    writeFileSync(passwordFile, PASSWORD);
    const out = join(work, "out-aarch64");
    const options: GenerateOptions = { ...OPTIONS, arch: "aarch64", hostImage: TEST_CROSS_IMAGE };
    const dockerfile = generate(options);
    // The Dockerfile says where each stage runs.
    assert.match(dockerfile, /^FROM --platform=\$BUILDPLATFORM \$\{HOST_IMAGE\} AS host$/m);
    assert.match(dockerfile, /^FROM --platform=\$BUILDPLATFORM \$\{ISO_IMAGE\} AS iso-builder$/m);
    assert.match(dockerfile, /^FROM scratch AS toolchain$/m);
    const started = Date.now();
    await build({ ...options, output: out, sources, rootPasswordFile: passwordFile, progress: "quiet" });
    console.log(`# aarch64 built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const isoFile = join(out, "lfs-test-sysv-aarch64.iso");
    const r = await run("xorriso", ["-indev", isoFile, "-report_el_torito", "plain"]);
    assert.match(r.stdout + r.stderr, /El Torito boot img :\s+1\s+UEFI\s+y\s+none/);
    assert.doesNotMatch(r.stdout + r.stderr, /BIOS/);
    const result = await boot({
      iso: isoFile,
      arch: "aarch64",
      timeout: 600,
      login: { user: "root", password: PASSWORD },
      commands: ["cat /etc/os-release", "uname -m", "cat /etc/lfs-docker-toolchain-machine", "grep CONFIG_CC_VERSION_TEXT /boot/config-6.12.107-test"],
    });
    boots["aarch64 uefi cdrom"] = result;
    const [osRelease, uname, toolchainMachine, cc] = result.commands;
    assert.deepEqual(osRelease!.output, generatedOsRelease(dockerfile));
    assert.deepEqual(uname!.output, ["aarch64"]);
    // chapter 7 ran on linux/arm64 (emulated here) ...
    assert.deepEqual(toolchainMachine!.output, ["aarch64"]);
    // ... and the kernel was compiled on the build machine by a cross compiler.
    assert.match(cc!.output.join("\n"), /CONFIG_CC_VERSION_TEXT="aarch64-linux-gnu-gcc/);
  },
);
