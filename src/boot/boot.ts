/**
 * Boot an ISO in QEMU and watch its serial console: each milestone with its time, then optionally log
 * in and run commands. Succeeds only when every milestone and every command was seen to succeed.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { copyFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LfsDockerError, OptionError } from "../errors.js";
import { isArchName, type ArchName } from "../arch/profiles.js";
import { ConsoleLog, MILESTONES, commandOutput, markerToken, wrapCommand, type MilestoneEvent, type MilestoneName } from "./console.js";
import { qemuCommand, uefiFirmware, which, type Accel, type Firmware, type Medium, type QemuOptions } from "./qemu.js";
import { makeOwnedDir, sweepLeftovers } from "../fs/owned-dir.js";
import { printable } from "../text/terminal.js";

export interface BootOptions {
  /** The ISO image to boot. */
  iso: string;
  arch?: ArchName | string;
  firmware?: Firmware;
  /** cdrom (default), or disk: the image attached as a hard disk, the way a USB stick boots. */
  medium?: Medium;
  /** Guest memory in MiB (default 1024). */
  memory?: number;
  accel?: Accel;
  /** Seconds for the whole boot and the commands (default 600). */
  timeout?: number;
  /** Log in on the serial console with this user and password, e.g. { user: "root", password: "lfs" }. */
  login?: { user: string; password: string };
  /** Shell commands to run after logging in; each must exit 0. */
  commands?: string[];
  /** Milestones that must be seen (default: all of them; without `login`, up to the login prompt). */
  expect?: MilestoneName[];
  /** Each milestone as it is seen. */
  onMilestone?: (event: MilestoneEvent) => void;
  /** Raw console output, as it arrives. */
  onConsole?: (text: string) => void;
  /** Cancels the boot (the machine is stopped). */
  signal?: AbortSignal;
}

export interface CommandResult {
  command: string;
  output: string[];
  status: number;
  /** Seconds since the machine started, when the command finished. */
  seconds: number;
}

export interface BootResult {
  milestones: MilestoneEvent[];
  commands: CommandResult[];
  /** Seconds from the start of QEMU to the login prompt. */
  toLogin?: number;
  seconds: number;
  /** The accelerators QEMU was asked to use. */
  accel: string[];
  /** The QEMU command line. */
  command: string[];
}

/** The boot did not reach what was expected: carries the console's last lines. */
export class BootError extends LfsDockerError {
  readonly consoleTail: string[];
  readonly milestones: MilestoneEvent[];
  constructor(message: string, tail: string[], milestones: MilestoneEvent[], options?: { cause?: unknown }) {
    const reached = milestones.length ? milestones.map((m) => `${m.name} ${m.seconds.toFixed(1)} s`).join(", ") : "none";
    super("E_BOOT", `${message}\nmilestones reached: ${reached}\nlast console lines:\n${tail.map((l) => `  | ${printable(l)}`).join("\n") || "  (the console printed nothing)"}`, options);
    this.name = "BootError";
    this.consoleTail = tail;
    this.milestones = milestones;
  }
}

function connectConsole(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Text typed at the guest's console: one line, no control character (a newline would type more). */
function checkTyped(option: string, value: string, accepted: string, secret = false): void {
  if (typeof value !== "string" || value === "" || value.length > 4096 || /[\x00-\x1f\x7f-\x9f]/.test(value)) {
    throw new OptionError(option, secret ? "(hidden)" : value, accepted);
  }
}

/** Check every option before anything is created; returns the QEMU options but the temporary paths. */
async function checkBootOptions(options: BootOptions): Promise<Omit<QemuOptions, "consoleSocket"> & { timeout: number }> {
  const arch = options.arch ?? "x86_64";
  if (!isArchName(arch)) throw new OptionError("arch", arch, ["x86_64", "aarch64"]);
  const firmware = options.firmware ?? (arch === "x86_64" ? "bios" : "uefi");
  const timeout = options.timeout ?? 600;
  if (typeof timeout !== "number" || !(timeout > 0 && timeout <= 86400)) throw new OptionError("timeout", timeout, "a number of seconds greater than 0, at most 86400");
  try {
    const s = await stat(options.iso);
    if (!s.isFile()) throw new Error("not a regular file");
  } catch (err) {
    throw new OptionError("ISO", options.iso, "an ISO image file", (err as Error).message);
  }
  const commands = options.commands ?? [];
  if (commands.length && !options.login) throw new OptionError("run", commands[0], "commands need --login USER:PASSWORD");
  for (const c of commands) checkTyped("run", c, "a one-line shell command, without control characters");
  if (options.login) {
    checkTyped("login user", options.login.user, "a user name on one line");
    checkTyped("login password", options.login.password, "a password on one line, without control characters", true);
  }
  const q = {
    iso: options.iso,
    arch,
    firmware,
    medium: options.medium ?? "cdrom",
    memory: options.memory ?? 1024,
    accel: options.accel ?? "auto",
  } satisfies Partial<QemuOptions>;
  // The whole command line, with stand-ins for the temporary files: every option and tool is checked
  // (firmware, medium, memory, accel, QEMU and its firmware installed) before the folder is made.
  qemuCommand({ ...q, consoleSocket: "/nonexistent/console.sock" });
  return { ...q, timeout };
}

/**
 * QEMU as our child, made to die with us: through util-linux's setpriv when it is there, which sets
 * the parent-death signal (PR_SET_PDEATHSIG, kept across its exec of QEMU), so that a boot killed
 * outright (SIGKILL: no finally runs) does not leave a machine running on its own.
 */
function startQemu(binary: string, args: string[]): ChildProcessByStdio<null, null, Readable> {
  const setpriv = which("setpriv");
  if (setpriv) return spawn(setpriv, ["--pdeathsig", "SIGKILL", "--", binary, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  return spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Boot `options.iso` and return what was seen; throws BootError (with the console tail) otherwise. */
export async function boot(options: BootOptions): Promise<BootResult> {
  const checked = await checkBootOptions(options);
  // What an earlier boot that was killed left here (its files: QEMU died with it, see startQemu).
  await sweepLeftovers(tmpdir(), /^lfs-docker-boot-[A-Za-z0-9]{6}$/).catch(() => []);
  const work = await makeOwnedDir(tmpdir(), "lfs-docker-boot-", "the files of a boot (console socket, firmware log, UEFI variables)");
  try {
    return await bootIn(work, checked, options);
  } finally {
    // The console socket, the firmware log and the UEFI variables: nothing of a boot outlives it.
    await rm(work, { recursive: true, force: true });
  }
}

/** The boot itself, its temporary files in `work` (removed by the caller, whatever happens). */
async function bootIn(work: string, checked: Awaited<ReturnType<typeof checkBootOptions>>, options: BootOptions): Promise<BootResult> {
  const { arch, firmware, timeout } = checked;
  const commands = options.commands ?? [];
  const expect = options.expect ?? [...MILESTONES];
  const token = markerToken();
  const debugLog = join(work, "firmware.log");
  const consoleSocket = join(work, "console.sock");
  let uefiVars: string | undefined;
  if (firmware === "uefi") {
    const fw = uefiFirmware(arch);
    if (fw.vars) {
      uefiVars = join(work, "uefi-vars.fd");
      await copyFile(fw.vars, uefiVars);
    }
  }
  await writeFile(debugLog, "");
  const q = qemuCommand({
    iso: checked.iso,
    arch,
    firmware,
    medium: checked.medium,
    memory: checked.memory,
    accel: checked.accel,
    ...(uefiVars && { uefiVars }),
    ...(arch === "x86_64" && { debugLog }),
    consoleSocket,
  });

  const log = new ConsoleLog();
  const started = Date.now();
  const now = () => (Date.now() - started) / 1000;
  const child = startQemu(q.binary, q.args);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  let stderr = "";
  const changed: (() => void)[] = [];
  const wake = () => changed.splice(0).forEach((f) => f());
  const note = (events: MilestoneEvent[]) => events.forEach((e) => options.onMilestone?.(e));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (t: string) => {
    stderr = (stderr + t).slice(-4000);
  });
  child.on("error", (err) => {
    spawnError = err;
    wake();
  });
  child.on("exit", (code, signal) => {
    exited = { code, signal };
    wake();
  });

  // The firmware's debug console (SeaBIOS prints its banner there, not on the serial port).
  const firmwareWatch = setInterval(() => {
    if (log.milestone("firmware")) return;
    readFile(debugLog, "utf8")
      .then((t) => {
        const line = t.split("\n").find((l) => /SeaBIOS \(version/.test(l));
        if (line && !log.milestone("firmware")) note(log.record("firmware", now(), line.trim()));
        wake();
      })
      .catch(() => {});
  }, 200);
  const onAbort = () => wake();
  options.signal?.addEventListener("abort", onAbort);

  const fail = (message: string, cause?: unknown): never => {
    throw new BootError(message, log.tail(), log.milestones, cause === undefined ? undefined : { cause });
  };
  /** Wait until `done()` gives a value, failing on a fatal console line, QEMU's exit, abort or timeout. */
  const until = async <T>(what: string, done: () => T | undefined, pollMs = 1000): Promise<T> => {
    for (;;) {
      const v = done();
      if (v !== undefined) return v;
      if (log.fatal) fail(`boot failed while waiting for ${what}: the console shows "${log.fatal}"`);
      if (spawnError) fail(`cannot start ${q.binary}: ${spawnError.message}`, spawnError);
      if (exited) {
        // QEMU's own notice that it waits for our console connection is no part of why it ended.
        const said = stderr.split("\n").filter((l) => l.trim() !== "" && !/info: QEMU waiting for connection on/.test(l)).join("\n");
        fail(`QEMU exited (${exited.signal ?? `code ${exited.code}`}) while waiting for ${what}${said ? `: ${said}` : ""}`);
      }
      if (options.signal?.aborted) fail(`boot cancelled while waiting for ${what}`, options.signal.reason);
      const left = timeout - now();
      if (left <= 0) fail(`timed out after ${timeout} s waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left * 1000, pollMs));
        changed.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  let console: Socket | undefined;
  const type = (text: string) => console?.write(text);

  const results: CommandResult[] = [];
  try {
    // QEMU makes the socket, then waits for us before it starts the machine.
    await until("QEMU's serial console socket", () => (existsSync(consoleSocket) ? true : undefined), 50);
    const c = await connectConsole(consoleSocket);
    console = c;
    c.setEncoding("utf8");
    c.on("data", (text: string) => {
      options.onConsole?.(text);
      note(log.feed(text, now()));
      wake();
    });
    c.on("error", () => {});
    const needed = options.login ? MILESTONES.filter((m) => expect.includes(m) || m === "login") : expect;
    for (const m of needed) await until(`the ${m} milestone`, () => log.milestone(m));
    if (options.login) {
      const { user, password } = options.login;
      await sleep(300);
      type(`${user}\n`);
      await until("the password prompt", () => (/[Pp]assword: ?$/.test(log.openLine) ? true : undefined));
      type(`${password}\n`);
      const mark = log.mark;
      await until("a shell prompt after logging in", () => {
        if (log.history.slice(mark).some((l) => /Login incorrect|Authentication failure/i.test(l))) fail(`login as ${user} was refused`);
        return /[#$] ?$/.test(log.openLine) ? true : undefined;
      });
      for (const [i, command] of commands.entries()) {
        const w = wrapCommand(command, i + 1, token);
        type(`${w.line}\n`);
        const r = await until(`the end of \`${command}\``, () => commandOutput(log.history, i + 1, token));
        results.push({ command, output: r.output, status: r.status, seconds: now() });
        if (r.status !== 0) fail(`\`${command}\` exited with status ${r.status}:\n${r.output.map((l) => `  ${l}`).join("\n")}`);
      }
    }
    const login = log.milestone("login");
    return {
      milestones: log.milestones,
      commands: results,
      ...(login && { toLogin: login.seconds }),
      seconds: now(),
      accel: q.accel,
      command: [q.binary, ...q.args],
    };
  } finally {
    console?.destroy();
    clearInterval(firmwareWatch);
    options.signal?.removeEventListener("abort", onAbort);
    if (!exited && !spawnError) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 3000);
      await new Promise<void>((r) => (exited || spawnError ? r() : child.once("exit", () => r())));
      clearTimeout(t);
    }
  }
}
