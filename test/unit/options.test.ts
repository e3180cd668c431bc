import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOptions, DEFAULT_HOST_IMAGE } from "../../src/options.js";
import { OptionError } from "../../src/errors.js";

const rejects = (options: Parameters<typeof resolveOptions>[0], pattern: RegExp) =>
  assert.throws(
    () => resolveOptions(options),
    (e: unknown) => e instanceof OptionError && pattern.test(e.message),
  );

test("defaults: 12.3, sysv, x86_64, builder's cores, no tests, pinned public images", () => {
  const o = resolveOptions();
  assert.equal(o.release, "12.3");
  assert.equal(o.init, "sysv");
  assert.equal(o.arch.name, "x86_64");
  assert.equal(o.arch.triple, "x86_64-lfs-linux-gnu");
  assert.equal(o.jobs, undefined);
  assert.equal(o.tests, false);
  assert.equal(o.hostImage, DEFAULT_HOST_IMAGE);
  assert.match(o.hostImage, /:\d+\.\d+/, "the default host image is pinned to a version");
  assert.equal(o.syntax, undefined);
});

test("bad values are refused with the value and what is accepted", () => {
  rejects({ init: "upstart" as never }, /invalid init "upstart"; accepted: sysv, systemd/);
  rejects({ arch: "sparc" }, /invalid arch "sparc"; accepted: x86_64/);
  rejects({ arch: "riscv64" }, /invalid arch "riscv64" \(not supported yet\); accepted: x86_64, aarch64/);
  rejects({ release: "11.1" }, /invalid release "11.1"; accepted: 12.3/);
  rejects({ jobs: 0 }, /invalid jobs 0; accepted: a whole number from 1 to 1024/);
  rejects({ jobs: 2.5 }, /invalid jobs 2.5/);
  rejects({ hostImage: "Not An Image" }, /invalid host image "Not An Image"; accepted: an image reference/);
  rejects({ squashfsCompression: "lzma" as never }, /invalid squashfs compression "lzma"; accepted: zstd, xz, gzip/);
  rejects({ config: { hostname: "bad_host!" } }, /invalid hostname "bad_host!"/);
  rejects({ config: { timezone: "../../etc/passwd" } }, /invalid timezone/);
  rejects({ kernelFragment: "CONFIG_FOO=y\nrm -rf /\n" }, /invalid kernel fragment "rm -rf \/" \(line 2\)/);
  rejects({ until: "five" }, /invalid until "five"/);
  rejects({ config: { locale: "de_DE@euro" } }, /invalid locale "de_DE@euro"/);
});

test("accepted values pass through", () => {
  const o = resolveOptions({
    init: "systemd",
    jobs: 8,
    tests: true,
    hostImage: "registry.example:5000/team/host@sha256:" + "a".repeat(64),
    syntax: true,
    kernelFragment: '# mine\nCONFIG_BTRFS_FS=y\n# CONFIG_DEBUG_INFO is not set\nCONFIG_LOG_BUF_SHIFT=18\nCONFIG_CMDLINE="quiet"\n',
    config: { hostname: "box", timezone: "Europe/Paris", locale: "de_DE", keymap: "de-latin1" },
  });
  assert.equal(o.init, "systemd");
  assert.equal(o.jobs, 8);
  assert.equal(o.syntax, "docker/dockerfile:1.7");
  assert.equal(o.config.hostname, "box");
  assert.equal(o.config.codename, "lfs-docker");
});
