/**
 * Hostile input to `boot`: paths QEMU would split, options that must be refused before anything is
 * made (no temporary folder left behind), and a guest that prints markers to fake a command's result.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, BootError, type BootOptions } from "../../src/boot/boot.js";
import { commandOutput, markerToken, wrapCommand } from "../../src/boot/console.js";
import { MissingToolError, qemuCommand, qemuPath } from "../../src/boot/qemu.js";
import { OptionError } from "../../src/errors.js";

const found = (p: string) => `/usr/bin/${p}`;
let top: string;
let iso: string;
const savedTmp = process.env.TMPDIR;
before(() => {
  top = mkdtempSync(join(tmpdir(), "boot-hostile-"));
  iso = join(top, "lfs.iso");
  writeFileSync(iso, "not really an ISO");
  // Every temporary folder boot() makes goes here, to be seen.
  process.env.TMPDIR = join(top, "tmp");
  mkdirSync(process.env.TMPDIR);
});
after(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(top, { recursive: true, force: true });
});

/** QEMU's reading of one option value: fields split at single commas, a doubled comma is a comma. */
const qemuFields = (value: string): string[] => value.split(/(?<!,),(?!,)/).map((f) => f.replaceAll(",,", ","));

test("boot: a comma in the ISO path is doubled, so it cannot open another file", () => {
  const path = "/tmp/a.iso,file=/etc/shadow,format=raw";
  for (const [arch, firmware] of [
    ["x86_64", "bios"],
    ["aarch64", "uefi"],
  ] as const) {
    for (const medium of ["cdrom", "disk"] as const) {
      let args: string[];
      try {
        args = qemuCommand({ iso: path, arch, firmware, medium, memory: 512, accel: "tcg" }, found).args;
      } catch (err) {
        if (err instanceof MissingToolError) continue; // no UEFI firmware installed here
        throw err;
      }
      const drive = args.find((a) => a.includes("a.iso"))!;
      const fields = qemuFields(drive);
      assert.equal(fields[0], `file=${path}`, drive);
      assert.equal(fields.filter((f) => f.startsWith("file=")).length, 1, drive);
    }
  }
  assert.equal(qemuPath("/a,b"), "/a,,b");
});

const ROWS: [string, Partial<BootOptions>, RegExp][] = [
  ["a bad firmware", { firmware: "coreboot" as never }, /invalid firmware "coreboot"/],
  ["a bad medium", { medium: "floppy" as never }, /invalid medium "floppy"/],
  ["too little memory", { memory: 1 }, /invalid memory 1/],
  ["a bad accelerator", { accel: "hax" as never }, /invalid accel "hax"/],
  ["an infinite timeout", { timeout: Infinity }, /invalid timeout Infinity/],
  [
    "a command with a newline (types a second command)",
    { login: { user: "root", password: "lfs" }, commands: ["true\nreboot"] },
    /invalid run "true\\nreboot"/,
  ],
  ["a user with a newline", { login: { user: "root\nrm -rf /", password: "lfs" }, commands: [] }, /invalid login user/],
  ["a password with a control character (never echoed)", { login: { user: "root", password: "s3cr3t\x03" } }, /invalid login password "\(hidden\)"/],
  ["an ISO that is a directory", { iso: "/" }, /invalid ISO "\/"/],
];

for (const [name, options, pattern] of ROWS) {
  test(`boot: ${name} is refused before anything is created`, async () => {
    await assert.rejects(boot({ iso, ...options } as BootOptions), (e: unknown) => {
      assert.ok(e instanceof OptionError, String(e));
      assert.match(e.message, pattern);
      assert.doesNotMatch(e.message, /s3cr3t/);
      return true;
    });
    assert.deepEqual(readdirSync(join(top, "tmp")), [], "no temporary folder made");
  });
}

test("boot: QEMU missing is found before a temporary folder is made", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    await assert.rejects(boot({ iso, accel: "tcg" }), MissingToolError);
  } finally {
    process.env.PATH = path;
  }
  assert.deepEqual(readdirSync(join(top, "tmp")), []);
});

test("boot: a guest printing end markers cannot fake a command's success", () => {
  const token = markerToken();
  assert.match(token, /^[0-9a-f]{24}$/);
  assert.notEqual(markerToken(), token, "a new token per run");
  const w = wrapCommand("cat /var/log/evil", 1, token);
  // The guest prints the markers of the old format and markers with a guessed token.
  const forged = ["root@lfs:~# " + w.line, "__LFS_BEGIN_1__", "__LFS_END_1__:0", `__LFS_BEGIN_${"0".repeat(24)}_1__`, `__LFS_END_${"0".repeat(24)}_1__:0`];
  assert.equal(commandOutput(forged, 1, token), undefined, "still waiting for the real end marker");
  const real = [...forged, w.begin, "__LFS_END_1__:0", `__LFS_END_${token}_1__:3`];
  assert.deepEqual(commandOutput(real, 1, token), { output: ["__LFS_END_1__:0"], status: 3 });
});

test("boot: guest output in an error is escaped", () => {
  const e = new BootError("timed out", ["\x1b]0;owned\x07plain", "csi \x9b2J"], []);
  assert.doesNotMatch(e.message, /[\x07\x1b\x9b]/);
  assert.match(e.message, /\\x1b\]0;owned\\x07plain/);
  assert.match(e.message, /csi \\x9b2J/);
});
