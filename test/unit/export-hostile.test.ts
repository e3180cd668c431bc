/**
 * Hostile targets for the files lfs-docker writes (generate -o, the build's exported files and
 * reports) and the option files it reads: each row asserts the error and that nothing else changed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeOutput } from "../../src/cli/commands/generate.js";
import { toGenerateOptions } from "../../src/cli/commands/options.js";
import { build, moveIntoPlace } from "../../src/build.js";
import { writeFileSafe, WriteRefused } from "../../src/fs/safe-write.js";
import { OptionError } from "../../src/errors.js";
import { tree } from "../helpers/tree.js";

const fifo = (path: string) => execFileSync("mkfifo", [path]);

interface Row {
  name: string;
  /** Make the hostile target in `dir`; returns the path to write to. */
  plant: (dir: string) => string;
  write: (target: string) => void;
  error: RegExp;
}

const generateTo = (force: boolean) => (target: string) => writeOutput(target, "FROM scratch\n", force);

const ROWS: Row[] = [
  {
    name: "generate -o through a symbolic link to a file elsewhere",
    plant: (d) => (writeFileSync(join(d, "victim"), "mine\n"), symlinkSync(join(d, "victim"), join(d, "Dockerfile")), join(d, "Dockerfile")),
    write: generateTo(true),
    error: /invalid --output .*\(a symbolic link, not a regular file\)/,
  },
  {
    name: "generate -o through a dangling symbolic link",
    plant: (d) => (symlinkSync(join(d, "new-victim"), join(d, "Dockerfile")), join(d, "Dockerfile")),
    write: generateTo(true),
    error: /\(a symbolic link, not a regular file\)/,
  },
  {
    name: "generate -o --force on a FIFO (no hang)",
    plant: (d) => (fifo(join(d, "Dockerfile")), join(d, "Dockerfile")),
    write: generateTo(true),
    error: /\(a FIFO, not a regular file\)/,
  },
  {
    name: "generate -o --force on a directory",
    plant: (d) => (mkdirSync(join(d, "Dockerfile")), join(d, "Dockerfile")),
    write: generateTo(true),
    error: /\(a directory, not a regular file\)/,
  },
  {
    name: "generate -o on a different file without --force",
    plant: (d) => (writeFileSync(join(d, "Dockerfile"), "other\n"), join(d, "Dockerfile")),
    write: generateTo(false),
    error: /the file exists and differs/,
  },
  {
    name: "generate -o on a 32 MiB sparse file (never read whole)",
    plant: (d) => (writeFileSync(join(d, "Dockerfile"), ""), truncateSync(join(d, "Dockerfile"), 2 ** 25), join(d, "Dockerfile")),
    write: generateTo(false),
    error: /the file exists and differs/,
  },
  {
    name: "a report written through a planted link",
    plant: (d) => (writeFileSync(join(d, "victim"), "mine\n"), symlinkSync(join(d, "victim"), join(d, "build-report.txt")), join(d, "build-report.txt")),
    write: (t) => writeFileSafe(t, "report\n"),
    error: /build-report\.txt is a symbolic link, not a regular file: refused/,
  },
  {
    name: "an exported file moved over a directory with --force",
    plant: (d) => (
      mkdirSync(join(d, "out", "lfs.iso"), { recursive: true }),
      mkdirSync(join(d, "staging")),
      writeFileSync(join(d, "staging", "lfs.iso"), "iso"),
      d
    ),
    write: (d) => moveIntoPlace(join(d, "staging"), join(d, "out"), true),
    error: /invalid --output .*lfs\.iso" \(it is a directory\)/,
  },
  {
    name: "an exported file moved over a link with --force",
    plant: (d) => (
      mkdirSync(join(d, "out")),
      writeFileSync(join(d, "victim"), "mine"),
      symlinkSync(join(d, "victim"), join(d, "out", "lfs.iso")),
      mkdirSync(join(d, "staging")),
      writeFileSync(join(d, "staging", "lfs.iso"), "iso"),
      d
    ),
    write: (d) => moveIntoPlace(join(d, "staging"), join(d, "out"), true),
    error: /\(it is a symbolic link\)/,
  },
];

for (const row of ROWS) {
  test(`export: ${row.name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "export-hostile-"));
    try {
      const target = row.plant(dir);
      const before = await tree(dir);
      assert.throws(
        () => row.write(target),
        (e: unknown) => {
          assert.ok(e instanceof OptionError || e instanceof WriteRefused, (e as Error).message);
          assert.match((e as Error).message, row.error);
          return true;
        },
      );
      assert.deepEqual(await tree(dir), before, "nothing changed, no temporary file left");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("export: generate -o --force on a character device leaves it a device and makes nothing beside it", () => {
  const before = statSync("/dev/null");
  assert.throws(() => writeOutput("/dev/null", "FROM scratch\n", true), /invalid --output "\/dev\/null" \(a character device, not a regular file\)/);
  const after = lstatSync("/dev/null");
  assert.ok(after.isCharacterDevice());
  assert.equal(after.rdev, before.rdev);
});

test("export: generate -o writes a new file, keeps an identical one, replaces a different one with --force", () => {
  const dir = mkdtempSync(join(tmpdir(), "export-hostile-"));
  try {
    const file = join(dir, "Dockerfile");
    writeOutput(file, "A\n", false);
    writeOutput(file, "A\n", false);
    writeOutput(file, "B\n", true);
    assert.equal(readFileSync(file, "utf8"), "B\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const args = (fragment: string) => ({
  init: "sysv",
  arch: "x86_64",
  tests: false,
  "host-image": "debian:12",
  "iso-image": "debian:12",
  "squashfs-compression": "zstd",
  "host-platform": "build",
  "kernel-fragment": fragment,
  hostname: "lfs",
  domain: "localdomain",
  timezone: "UTC",
  locale: "en_US",
  charmap: "UTF-8",
  keymap: "us",
  codename: "x",
});

test("option files: --kernel-fragment from /dev/zero, a FIFO or a huge file is refused at once", () => {
  const dir = mkdtempSync(join(tmpdir(), "export-hostile-"));
  try {
    fifo(join(dir, "fifo"));
    writeFileSync(join(dir, "big"), "");
    truncateSync(join(dir, "big"), 2 * 1024 * 1024);
    assert.throws(() => toGenerateOptions(args("/dev/zero")), /invalid --kernel-fragment "\/dev\/zero" \(a character device\)/);
    assert.throws(() => toGenerateOptions(args(join(dir, "fifo"))), /\(a FIFO\)/);
    assert.throws(() => toGenerateOptions(args(join(dir, "big"))), /\(larger than 1048576 bytes\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("option files: --root-password-file from /dev/zero is refused before anything is created", async () => {
  const dir = mkdtempSync(join(tmpdir(), "export-hostile-"));
  try {
    await assert.rejects(
      build({ output: join(dir, "out"), rootPasswordFile: "/dev/zero" }),
      /invalid --root-password-file "\/dev\/zero" \(a character device\)/,
    );
    assert.deepEqual(await tree(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
