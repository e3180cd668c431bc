/**
 * Faults during `lfs-docker boot`, injected for real: QEMU SIGKILLed while the machine runs GRUB, and
 * `lfs-docker boot` itself SIGKILLed. The medium is a small bootable ISO made with grub-mkrescue in the
 * ISO base image (a GRUB that prints a line on the serial console and waits): seconds to make and to
 * boot, no kernel needed. Needs the engine and lfs-docker/iso:bookworm (scripts/base-images.sh) and
 * QEMU (scripts/boot-setup.sh); fails, never skips.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireEngine, requireImage, run, TEST_ISO_IMAGE } from "../helpers/engine.js";
import { runCli, startCli } from "../helpers/cli-process.js";

let work: string;
let iso: string;
const measured: string[] = [];

before(async () => {
  requireEngine();
  requireImage(TEST_ISO_IMAGE);
  assert.equal(spawnSync("sh", ["-c", "command -v qemu-system-x86_64"]).status, 0, "qemu-system-x86_64 is missing: run scripts/boot-setup.sh");
  work = mkdtempSync(join(tmpdir(), "lfs-docker-faults-boot-"));
  const tree = join(work, "tree", "boot", "grub");
  mkdirSync(tree, { recursive: true });
  writeFileSync(
    join(tree, "grub.cfg"),
    [
      "serial --unit=0 --speed=115200",
      "terminal_input serial console",
      "terminal_output serial console",
      'echo "lfs-docker: GRUB faults is up"',
      "sleep 300",
      "",
    ].join("\n"),
  );
  const t0 = Date.now();
  const r = await run("docker", ["run", "--rm", "--network", "none", "-v", `${work}:/w`, TEST_ISO_IMAGE, "grub-mkrescue", "-o", "/w/faults.iso", "/w/tree"], {
    timeoutMs: 120_000,
  });
  assert.equal(r.code, 0, `grub-mkrescue: ${r.stderr}`);
  iso = join(work, "faults.iso");
  measured.push(`a GRUB-only ISO made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (measured.length) console.log(`measured:\n  ${measured.join("\n  ")}`);
});

/** The child processes of `pid`, from /proc (field 4 of /proc/PID/stat is the parent). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Whether a process runs (a zombie, dead and waiting to be reaped, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (!running(pid)) return true;
  return !running(pid);
}

test("QEMU killed while GRUB runs: boot exits 1 at once with the console tail, and leaves no files or processes", async () => {
  const tmp = join(work, "tmp-qemu");
  mkdirSync(tmp);
  const boot = startCli(["boot", iso, "--timeout", "120"], { TMPDIR: tmp });
  await boot.waitFor(/ grub +lfs-docker: GRUB faults is up/, 120_000);
  const qemu = children(boot.child.pid!);
  assert.equal(qemu.length, 1, `one child, QEMU: ${qemu.join(" ")}`);
  assert.match(readFileSync(`/proc/${qemu[0]}/cmdline`, "utf8"), /qemu-system-x86_64/);
  const killedAt = Date.now();
  process.kill(qemu[0]!, "SIGKILL");
  const r = await boot.done;
  const seconds = (Date.now() - killedAt) / 1000;
  assert.equal(r.code, 1, r.stderr);
  assert.ok(seconds < 3, `boot ends within seconds of QEMU's death (${seconds.toFixed(2)} s)`);
  assert.match(r.stderr, /^lfs-docker: QEMU exited \(SIGKILL\) while waiting for the kernel milestone/m);
  assert.match(r.stderr, /^milestones reached: firmware [\d.]+ s, grub [\d.]+ s$/m);
  assert.match(r.stderr, /^last console lines:\n {2}\| lfs-docker: GRUB faults is up$/m);
  assert.deepEqual(readdirSync(tmp), [], "no temporary files left");
  assert.ok(!running(qemu[0]!), "QEMU is gone");
  const message = r.stderr.split("\n").find((l) => l.startsWith("lfs-docker: ")) ?? "";
  measured.push(`QEMU killed during GRUB: boot exited 1 after ${seconds.toFixed(2)} s; nothing left in TMPDIR; the message: ${message.slice(0, 120)}...`);
});

test("lfs-docker boot killed: QEMU dies with it, and the next boot removes the files the killed one left", async () => {
  const tmp = join(work, "tmp-boot");
  mkdirSync(tmp);
  const boot = startCli(["boot", iso, "--timeout", "120"], { TMPDIR: tmp });
  await boot.waitFor(/ grub +lfs-docker: GRUB faults is up/, 120_000);
  const qemu = children(boot.child.pid!);
  assert.equal(qemu.length, 1);
  boot.child.kill("SIGKILL");
  await boot.done;
  assert.ok(await gone(qemu[0]!, 3000), "QEMU ends with the lfs-docker that started it (its parent-death signal)");
  const left = readdirSync(tmp);
  assert.equal(left.length, 1, `the killed boot's folder: ${left.join(" ")}`);
  assert.match(left[0]!, /^lfs-docker-boot-[A-Za-z0-9]{6}$/);

  // The next boot (of a second, given 2 s: it times out waiting for a kernel) finds and removes it.
  const next = await runCli(["boot", iso, "--timeout", "2"], { TMPDIR: tmp });
  assert.equal(next.code, 1);
  assert.match(next.stderr, /timed out after 2 s waiting for the (grub|kernel) milestone/);
  assert.deepEqual(readdirSync(tmp), [], "the killed boot's folder and the next boot's are both gone");
  assert.ok(!existsSync(join(tmp, left[0]!)));
  measured.push(`lfs-docker boot killed: QEMU gone with it; its folder (${left[0]}) removed by the next boot`);
});
