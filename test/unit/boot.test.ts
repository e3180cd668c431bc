import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleLog, cleanLine, commandOutput, wrapCommand } from "../../src/boot/console.js";
import { MissingToolError, qemuCommand } from "../../src/boot/qemu.js";
import { parseLogin } from "../../src/cli/commands/boot.js";
import { OptionError } from "../../src/errors.js";

/** What the serial console of a BIOS boot of an lfs-docker ISO looks like, in the chunks it arrives in. */
const BIOS_BOOT = [
  "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01Hlfs-docker: GRUB x86_64 is up, menu follows\r\n",
  "\x1b[H\x1b[J                 GNU GRUB  version 2.06-13+deb12u1\r\n",
  "[    0.000000] Linux version 6.12.107 (root@buildkitsandbox) (gcc (Debian 12.2.0-14) 12.2.0) #1\r\n[    0.000000] Command line: console=tty0 console=ttyS0,115200\r\n",
  "lfs-docker initramfs: looking for the live medium\r\nlfs-docker initramfs: live medium on /dev/sr0\r\n",
  "lfs-docker initramfs: switch",
  "ing to the live system's /sbin/init\r\n",
  "lfs-docker test book: system up, Linux 6.12.107\r\n\r\nlfs login: ",
];

describe("console log", () => {
  it("recognises each milestone once, in order, across chunk boundaries", () => {
    const log = new ConsoleLog();
    const seen: string[] = [];
    BIOS_BOOT.forEach((chunk, i) => log.feed(chunk, i).forEach((e) => seen.push(`${e.name}@${e.seconds}`)));
    // No firmware line on the serial console under SeaBIOS: GRUB's line implies it.
    assert.deepEqual(seen, ["firmware@0", "grub@0", "kernel@2", "initramfs@3", "system@5", "login@6"]);
    assert.match(log.milestone("firmware")!.line, /implied/);
    assert.equal(log.milestone("kernel")!.line, "[    0.000000] Linux version 6.12.107 (root@buildkitsandbox) (gcc (Debian 12.2.0-14) 12.2.0) #1");
    assert.equal(log.openLine, "lfs login: ");
    assert.equal(log.fatal, undefined);
  });

  it("records a milestone seen elsewhere (the firmware's debug port) and does not imply it again", () => {
    const log = new ConsoleLog();
    assert.deepEqual(
      log.record("firmware", 0.4, "SeaBIOS (version 1.16.2-debian-1.16.2-1)").map((e) => e.name),
      ["firmware"],
    );
    assert.deepEqual(
      log.feed(BIOS_BOOT[0]!, 1).map((e) => e.name),
      ["grub"],
    );
    assert.equal(log.milestone("firmware")!.seconds, 0.4);
  });

  it("spots a fatal line and keeps the tail for the error report", () => {
    const log = new ConsoleLog();
    log.feed("[    1.0] VFS: Cannot open root device\r\n[    1.1] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n", 3);
    assert.equal(log.fatal, "[    1.1] Kernel panic - not syncing: VFS: Unable to mount root fs");
    const rescue = new ConsoleLog();
    rescue.feed("lfs-docker initramfs: dropping to a rescue shell; the live system is not mounted.\n", 1);
    assert.match(rescue.fatal ?? "", /rescue shell/);
    assert.deepEqual(log.tail(1), ["[    1.1] Kernel panic - not syncing: VFS: Unable to mount root fs"]);
  });

  it("bounds its history", () => {
    const log = new ConsoleLog(undefined, { maxLines: 10 });
    log.feed(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(""), 0);
    assert.equal(log.history.length, 10);
    assert.equal(log.history[0], "line 40");
  });

  it("cleans terminal escapes and carriage-return overwrites", () => {
    assert.equal(cleanLine("\x1b[1;32mok\x1b[0m\x07"), "ok");
    const log = new ConsoleLog();
    log.feed("progress 10%\rprogress 100%\r\n", 0);
    assert.deepEqual(log.history, ["progress 100%"]);
  });
});

describe("commands on the guest's shell", () => {
  const token = "0123456789abcdef01234567";
  it("wraps a command so that the typed line's echo never matches its markers", () => {
    const w = wrapCommand("cat /etc/os-release", 2, token);
    assert.equal(w.line, `echo __LFS_BEGIN_${token}_$((2))__; cat /etc/os-release; echo __LFS_END_${token}_$((2))__:$?`);
    assert.ok(!w.line.includes(w.begin));
    assert.ok(!w.end.test(w.line));
  });

  it("extracts the output and the status once the end marker arrived", () => {
    const w = wrapCommand("uname -r", 1, token);
    const lines = [`root@lfs:~# ${w.line}`, `__LFS_BEGIN_${token}_1__`, "6.12.107"];
    assert.equal(commandOutput(lines, 1, token), undefined);
    lines.push(`__LFS_END_${token}_1__:0`, "root@lfs:~# ");
    assert.deepEqual(commandOutput(lines, 1, token), { output: ["6.12.107"], status: 0 });
    assert.deepEqual(commandOutput([`__LFS_BEGIN_${token}_3__`, "sh: nope: not found", `__LFS_END_${token}_3__:127`], 3, token), {
      output: ["sh: nope: not found"],
      status: 127,
    });
  });

  it("parses --login USER:PASSWORD, colons allowed in the password", () => {
    assert.deepEqual(parseLogin("root:a:b"), { user: "root", password: "a:b" });
    assert.throws(() => parseLogin("root"), OptionError);
    assert.throws(() => parseLogin(":pw"), OptionError);
  });
});

describe("qemu command line", () => {
  const found = (p: string) => `/usr/bin/${p}`;
  const base = { iso: "/tmp/x.iso", arch: "x86_64" as const, firmware: "bios" as const, medium: "cdrom" as const, memory: 512, accel: "tcg" as const };

  it("boots a CD under SeaBIOS with the serial console on stdio", () => {
    const q = qemuCommand({ ...base, debugLog: "/tmp/fw.log" }, found);
    assert.equal(q.binary, "/usr/bin/qemu-system-x86_64");
    const a = q.args.join(" ");
    assert.match(a, /-serial stdio/);
    assert.match(a, /-accel tcg/);
    assert.match(a, /file=\/tmp\/x\.iso,format=raw,media=cdrom,readonly=on/);
    assert.match(a, /isa-debugcon,iobase=0x402/);
    assert.doesNotMatch(a, /pflash/);
  });

  it("attaches the image as a disk without ever writing to it", () => {
    const a = qemuCommand({ ...base, medium: "disk" }, found).args.join(" ");
    assert.match(a, /media=disk,snapshot=on/);
  });

  it("names the Debian package when QEMU is missing", () => {
    assert.throws(
      () => qemuCommand(base, () => undefined),
      (e: unknown) => e instanceof MissingToolError && /apt-get install qemu-system-x86/.test(e.message),
    );
  });

  it("refuses bad options naming what is accepted", () => {
    assert.throws(() => qemuCommand({ ...base, firmware: "coreboot" as never }, found), /invalid firmware "coreboot"; accepted: bios, uefi/);
    assert.throws(() => qemuCommand({ ...base, arch: "aarch64", firmware: "bios" }, found), /aarch64 machines boot with uefi/);
    assert.throws(() => qemuCommand({ ...base, memory: 16 }, found), /invalid memory 16/);
    assert.throws(() => qemuCommand({ ...base, medium: "floppy" as never }, found), /accepted: cdrom, disk/);
  });
});
