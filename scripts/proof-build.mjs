#!/usr/bin/env node
// The proof: the real book, built through lfs-docker itself and booted. Not part of `npm test` (a whole
// edition takes hours on 2 cores); run it in the background and in increments, each continuing from
// BuildKit's cache:
//
//   npm run build && node scripts/proof-build.mjs --init sysv --until 6.18     # chapters 4 to 6
//   node scripts/proof-build.mjs --init sysv --until 8.30                     # ... and on
//   node scripts/proof-build.mjs --init sysv                                  # the ISO, then the boots
//
// What it does, each time:
//   1. assembles a sources directory from Debian's source archive (test/fixtures/debian-sources*.json
//      say what each file is: the book's bytes, a repack, or the nearest release; the files only the
//      LFS project publishes get the harness's own stand-ins) and writes that list into the record;
//   2. runs `lfs-docker build --sources DIR --no-verify-sources` (with --until: `-o type=cacheonly`),
//      its plain progress into a log file, its build report into the record;
//   3. with no --until: boots the ISO with `lfs-docker boot` under BIOS and UEFI, logs in with the
//      root password given to the build as its secret, and runs the checks (gcc, a C and a C++
//      program, the release files, the kernel, the init system's verdict).
// The record (proof/<release>-<arch>-<init>/) holds, per run: the build report, the boot transcripts,
// the substitutions, the commit and the SHA-256 of the generated Dockerfile, and the peak memory of
// every section that ran (memory.json, from its cgroup).
//
// Options: --init sysv|systemd (sysv), --arch x86_64|aarch64 (x86_64), --until N.M, --record DIR,
// --sources DIR (where to assemble the files; default in the test cache), --jobs N, --no-boot.
// Needs the engine (scripts/engine-setup.sh), the base images (scripts/base-images.sh), to boot, QEMU
// (scripts/boot-setup.sh), and for three of the sources that Debian keeps as git snapshots (libxcrypt,
// expat, kbd: their configure is made with autoreconf when they are prepared) the autotools:
// `apt-get install autoconf automake libtool autopoint gettext pkg-config`.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { joinPeaks, startMemorySampler } from "./proof/memory.mjs";

const root = new URL("..", import.meta.url).pathname;
const lib = await import(join(root, "dist/src/index.js"));
const srcs = await import(join(root, "dist/test/helpers/debian-sources.js"));

const { values: opt } = parseArgs({
  options: {
    init: { type: "string", default: "sysv" },
    arch: { type: "string", default: "x86_64" },
    until: { type: "string" },
    record: { type: "string" },
    sources: { type: "string" },
    jobs: { type: "string" },
    "no-boot": { type: "boolean", default: false },
    "host-image": { type: "string", default: process.env.LFS_HOST_IMAGE ?? "lfs-docker/host:bookworm" },
    "iso-image": { type: "string", default: process.env.LFS_ISO_IMAGE ?? "lfs-docker/iso:bookworm" },
  },
});
const release = "12.3";
const edition = `${release}-${opt.arch}-${opt.init}`;
const record = opt.record ?? join(root, "proof", edition);
const runName = opt.until ? `until-${opt.until}` : "full";
const runDir = join(record, runName);
mkdirSync(runDir, { recursive: true });
const say = (m) => console.log(`proof: ${m}`);

// 1. The sources: every fixture's files (a file already prepared is kept), then the check that every
//    file the build mounts is there.
const cache = srcs.testCacheDir();
const sourcesDir = opt.sources ?? join(cache, `sources-lfs-${release}`);
const fixtures = readdirSync(join(root, "test/fixtures"))
  .filter((f) => /^debian-sources.*\.json$/.test(f))
  .sort();
const used = [];
for (const f of fixtures) {
  const manifest = JSON.parse(readFileSync(join(root, "test/fixtures", f), "utf8"));
  if (manifest.book !== release) continue;
  await srcs.prepareSources(manifest, sourcesDir, { cacheDir: cache, log: (m) => say(`sources: ${m}`) });
  for (const [file, e] of Object.entries(manifest.files)) used.push({ file, fixture: f, ...e });
}
const genOptions = {
  init: opt.init,
  arch: opt.arch,
  hostImage: opt["host-image"],
  isoImage: opt["iso-image"],
  ...(opt.until && { until: opt.until }),
  ...(opt.jobs && { jobs: Number(opt.jobs) }),
};
const needed = lib.buildSources ? lib.buildSources(genOptions) : [];
const missing = needed.filter((s) => !existsSync(join(sourcesDir, s.file)));
if (missing.length) {
  console.error(`proof: ${missing.length} file(s) the build needs are in no fixture yet: ${missing.map((s) => s.file).join(", ")}`);
  process.exit(2);
}
const neededNames = new Set(needed.map((s) => s.file));
writeFileSync(
  join(runDir, "sources.json"),
  JSON.stringify(
    used
      .filter((u) => neededNames.has(u.file))
      .map((u) => ({
        file: u.file,
        fixture: u.fixture,
        debian: u.source ? `${u.source} ${u.debianVersion}` : null,
        sameBytesAsBook: u.prepare?.kind === "copy" && u.upstreamIdentical === true,
        kind: u.prepare?.kind,
        ...(u.substitutedVersion && { substitutedVersion: u.substitutedVersion, reason: u.substitutedReason }),
        ...(u.prepare?.standIns && { standIns: Object.keys(u.prepare.standIns) }),
        ...(u.prepare?.edits && { edits: Object.keys(u.prepare.edits) }),
      })),
    null,
    1,
  ) + "\n",
);

// 2. The build, through the CLI, as a user runs it.
// The model the build renders: its Dockerfile (whose sha256 is recorded) and its resolved options.
const model = lib.buildModel(genOptions);
const dockerfile = model.dockerfile;
const git = (...a) => spawnSync("git", a, { cwd: root, encoding: "utf8" }).stdout.trim();
const password = join(cache, `proof-${edition}.root-password`); // never in the record
if (!existsSync(password)) writeFileSync(password, `proof-${createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 12)}\n`, { mode: 0o600 });
const out = join(cache, `proof-out-${edition}`);
const cliArgs = [
  join(root, "dist/src/cli/main.js"),
  "build",
  "--init",
  opt.init,
  "--arch",
  opt.arch,
  "--host-image",
  opt["host-image"],
  "--iso-image",
  opt["iso-image"],
  "--sources",
  sourcesDir,
  "--no-verify-sources",
  "--progress",
  "plain",
  "--report-dir",
  runDir,
  "--root-password-file",
  password,
  ...(opt.jobs ? ["--jobs", opt.jobs] : []),
  ...(opt.until ? ["--until", opt.until, "-o", "type=cacheonly"] : ["-o", out, "--force"]),
];
const logFile = join(cache, "logs", `proof-${edition}-${runName}-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
mkdirSync(join(cache, "logs"), { recursive: true });
say(`building ${edition}${opt.until ? ` up to ${opt.until}` : ""}; log: ${logFile}`);
const memory = startMemorySampler();
const t0 = Date.now();
const code = await new Promise((resolve) => {
  const log = createWriteStream(logFile);
  const p = spawn(process.execPath, cliArgs, { stdio: ["ignore", "pipe", "pipe"] });
  p.stdout.pipe(log, { end: false });
  p.stderr.pipe(log, { end: false });
  p.on("close", (c) => log.end(() => resolve(c)));
});
const seconds = (Date.now() - t0) / 1000;
// The peak memory of each section that ran, from its cgroup (see scripts/proof/memory.mjs).
const cgroups = memory.stop();
const reportJson = join(runDir, "build-report.json");
if (existsSync(reportJson)) {
  const rows = joinPeaks(JSON.parse(readFileSync(reportJson, "utf8")).rows, cgroups).filter((r) => r.peakMiB !== null);
  writeFileSync(
    join(runDir, "memory.json"),
    JSON.stringify(
      rows.map((r) => ({ section: r.section ?? null, stage: r.stage, title: r.title, seconds: r.seconds, peakMiB: r.peakMiB, heldPeakMiB: r.heldPeakMiB })),
      null,
      1,
    ) + "\n",
  );
  const top = [...rows].sort((a, b) => b.heldPeakMiB - a.heldPeakMiB).slice(0, 5);
  say(`largest memory (anonymous + tmpfs): ${top.map((r) => `${r.section ?? r.stage} ${r.heldPeakMiB} MiB`).join(", ")}`);
}
const meta = {
  edition,
  until: opt.until ?? null,
  commit: git("rev-parse", "HEAD"),
  dirty: git("status", "--porcelain", "--", "src", "stages", "templates") !== "",
  dockerfileSha256: createHash("sha256").update(dockerfile).digest("hex"),
  exitCode: code,
  seconds,
  finished: new Date().toISOString(),
  machine: { cores: (await import("node:os")).cpus().length, memoryGiB: Math.round((await import("node:os")).totalmem() / 2 ** 30) },
};
writeFileSync(join(runDir, "run.json"), JSON.stringify(meta, null, 1) + "\n");
say(`build exited ${code} after ${seconds.toFixed(0)} s; record: ${runDir}`);
if (code !== 0) {
  const tail = readFileSync(logFile, "utf8").split("\n").slice(-60).join("\n");
  console.error(tail);
  process.exit(1);
}
if (opt.until || opt["no-boot"]) process.exit(0);

// 3. The boots.
const iso = join(out, lib.isoFileName(model.options));
const pw = readFileSync(password, "utf8").trim();
const checks = [
  "gcc --version",
  "printf '#include <stdio.h>\\nint main(void){puts(\"hello from C\");return 0;}\\n' > /tmp/t.c && gcc -o /tmp/t /tmp/t.c && /tmp/t",
  "printf '#include <iostream>\\nint main(){std::cout<<\"hello from C++\"<<std::endl;}\\n' > /tmp/t.cc && g++ -o /tmp/tt /tmp/t.cc && /tmp/tt",
  "cat /etc/os-release /etc/lfs-release",
  "uname -r",
  // systemd's own verdict; System V's is the bootscripts' status lines on the console (checked below).
  ...(opt.init === "systemd" ? ["systemctl is-system-running; systemctl --failed --no-legend"] : []),
];
// A line of the console that says a boot step failed or waits for a key: the bootscripts' [ FAIL ]
// and "Press Enter to continue", systemd's [FAILED], a kernel panic.
const BAD_LINE = /\[\s*FAIL(ED)?\s*\]|\bFAIL\b|Press Enter|press any key|Kernel panic/i;
let failed = 0;
for (const firmware of opt.arch === "aarch64" ? ["uefi"] : ["bios", "uefi"]) {
  const args = [
    join(root, "dist/src/cli/main.js"),
    "boot",
    iso,
    "--firmware",
    firmware,
    "--login",
    `root:${pw}`,
    "--json",
    "--console",
    "--timeout",
    "1800",
    ...checks.flatMap((c) => ["--run", c]),
  ];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  writeFileSync(join(runDir, `boot-${firmware}.json`), r.stdout);
  // The whole console, from firmware to the last command (with --console, on standard error).
  writeFileSync(join(runDir, `boot-${firmware}.console.txt`), r.stderr);
  const bad = r.stderr.split("\n").filter((l) => BAD_LINE.test(l));
  writeFileSync(join(runDir, `boot-${firmware}.failures.txt`), bad.map((l) => `${l}\n`).join(""));
  say(`boot under ${firmware}: exit ${r.status}, ${bad.length} console line(s) saying a step failed or waits for a key`);
  if (r.status !== 0 || bad.length > 0) {
    failed++;
    console.error((bad.length > 0 ? bad : r.stderr.split("\n").slice(-40)).join("\n"));
  }
}
process.exit(failed ? 1 : 0);
