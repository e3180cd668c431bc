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
    super(
      "E_BOOT",
      `${message}\nmilestones reached: ${reached}\nlast console lines:\n${tail.map((l) => `  | ${printable(l)}`).join("\n") || "  (the console printed nothing)"}`,
      options,
    );
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
  if (typeof timeout !== "number" || !(timeout > 0 && timeout <= 86400))
    throw new OptionError("timeout", timeout, "a number of seconds greater than 0, at most 86400");
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

/** QEMU's command line for this boot, with its files in `work`: the firmware log, the console socket, UEFI variables. */
async function machineFiles(
  work: string,
  checked: Awaited<ReturnType<typeof checkBootOptions>>,
): Promise<{ binary: string; args: string[]; accel: string[]; debugLog: string; consoleSocket: string }> {
  const { arch, firmware } = checked;
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
  return { binary: q.binary, args: q.args, accel: q.accel, debugLog, consoleSocket };
}

/**
 * A running QEMU and the waiting on it: its console fed into a ConsoleLog, its exit, the
 * firmware's debug console, the caller's signal and the boot's time-out all wake `until`.
 */
class Machine {
  readonly log = new ConsoleLog();
  private readonly started = Date.now();
  private readonly child: ChildProcessByStdio<null, null, Readable>;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;
  private stderr = "";
  private readonly changed: (() => void)[] = [];
  private firmwareWatch: NodeJS.Timeout | undefined;
  private console: Socket | undefined;
  private readonly onAbort = () => this.wake();

  constructor(
    private readonly binary: string,
    args: string[],
    private readonly timeout: number,
    private readonly options: BootOptions,
  ) {
    this.child = startQemu(binary, args);
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (t: string) => {
      this.stderr = (this.stderr + t).slice(-4000);
    });
    this.child.on("error", (err) => {
      this.spawnError = err;
      this.wake();
    });
    this.child.on("exit", (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
    options.signal?.addEventListener("abort", this.onAbort);
  }

  /** Seconds since QEMU started. */
  now(): number {
    return (Date.now() - this.started) / 1000;
  }

  private wake(): void {
    this.changed.splice(0).forEach((f) => f());
  }

  private note(events: MilestoneEvent[]): void {
    events.forEach((e) => this.options.onMilestone?.(e));
  }

  /** The firmware's debug console (SeaBIOS prints its banner there, not on the serial port). */
  watchFirmware(debugLog: string): void {
    this.firmwareWatch = setInterval(() => {
      if (this.log.milestone("firmware")) return;
      readFile(debugLog, "utf8")
        .then((t) => {
          const line = t.split("\n").find((l) => /SeaBIOS \(version/.test(l));
          if (line && !this.log.milestone("firmware")) this.note(this.log.record("firmware", this.now(), line.trim()));
          this.wake();
        })
        .catch(() => {});
    }, 200);
  }

  fail(message: string, cause?: unknown): never {
    throw new BootError(message, this.log.tail(), this.log.milestones, cause === undefined ? undefined : { cause });
  }

  /** Fails when waiting must stop: a fatal console line, QEMU gone or not started, the caller aborted. */
  private stopReason(what: string): void {
    const { log, exited, spawnError, options } = this;
    if (log.fatal) this.fail(`boot failed while waiting for ${what}: the console shows "${log.fatal}"`);
    if (spawnError) this.fail(`cannot start ${this.binary}: ${spawnError.message}`, spawnError);
    if (exited) {
      // QEMU's own notice that it waits for our console connection is no part of why it ended.
      const said = this.stderr
        .split("\n")
        .filter((l) => l.trim() !== "" && !/info: QEMU waiting for connection on/.test(l))
        .join("\n");
      this.fail(`QEMU exited (${exited.signal ?? `code ${exited.code}`}) while waiting for ${what}${said ? `: ${said}` : ""}`);
    }
    if (options.signal?.aborted) this.fail(`boot cancelled while waiting for ${what}`, options.signal.reason);
  }

  /** Wait until `done()` gives a value, failing on a fatal console line, QEMU's exit, abort or timeout. */
  async until<T>(what: string, done: () => T | undefined, pollMs = 1000): Promise<T> {
    for (;;) {
      const v = done();
      if (v !== undefined) return v;
      this.stopReason(what);
      const left = this.timeout - this.now();
      if (left <= 0) this.fail(`timed out after ${this.timeout} s waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left * 1000, pollMs));
        this.changed.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The serial console: QEMU makes the socket, then waits for us before it starts the machine. */
  async attachConsole(socketPath: string): Promise<void> {
    await this.until("QEMU's serial console socket", () => (existsSync(socketPath) ? true : undefined), 50);
    const c = await connectConsole(socketPath);
    this.console = c;
    c.setEncoding("utf8");
    c.on("data", (text: string) => {
      this.options.onConsole?.(text);
      this.note(this.log.feed(text, this.now()));
      this.wake();
    });
    c.on("error", () => {});
  }

  type(text: string): void {
    this.console?.write(text);
  }

  /** Ends what is left: the console, the watches, QEMU itself (SIGTERM, then SIGKILL after 3 s). */
  async stop(): Promise<void> {
    this.console?.destroy();
    clearInterval(this.firmwareWatch);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    if (!this.exited && !this.spawnError) {
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await new Promise<void>((r) => (this.exited || this.spawnError ? r() : this.child.once("exit", () => r())));
      clearTimeout(t);
    }
  }
}

/** Logs in on the console, then runs each command, failing on the first that exits non-zero. */
async function loginAndRun(m: Machine, login: { user: string; password: string }, commands: readonly string[]): Promise<CommandResult[]> {
  const { user, password } = login;
  const { log } = m;
  const results: CommandResult[] = [];
  const token = markerToken();
  await sleep(300);
  m.type(`${user}\n`);
  await m.until("the password prompt", () => (/[Pp]assword: ?$/.test(log.openLine) ? true : undefined));
  m.type(`${password}\n`);
  const mark = log.mark;
  await m.until("a shell prompt after logging in", () => {
    if (log.history.slice(mark).some((l) => /Login incorrect|Authentication failure/i.test(l))) m.fail(`login as ${user} was refused`);
    return /[#$] ?$/.test(log.openLine) ? true : undefined;
  });
  for (const [i, command] of commands.entries()) {
    const w = wrapCommand(command, i + 1, token);
    m.type(`${w.line}\n`);
    const r = await m.until(`the end of \`${command}\``, () => commandOutput(log.history, i + 1, token));
    results.push({ command, output: r.output, status: r.status, seconds: m.now() });
    if (r.status !== 0) m.fail(`\`${command}\` exited with status ${r.status}:\n${r.output.map((l) => `  ${l}`).join("\n")}`);
  }
  return results;
}

/** The boot itself, its temporary files in `work` (removed by the caller, whatever happens). */
async function bootIn(work: string, checked: Awaited<ReturnType<typeof checkBootOptions>>, options: BootOptions): Promise<BootResult> {
  const expect = options.expect ?? [...MILESTONES];
  const q = await machineFiles(work, checked);
  const m = new Machine(q.binary, q.args, checked.timeout, options);
  m.watchFirmware(q.debugLog);
  try {
    await m.attachConsole(q.consoleSocket);
    const needed = options.login ? MILESTONES.filter((n) => expect.includes(n) || n === "login") : expect;
    for (const n of needed) await m.until(`the ${n} milestone`, () => m.log.milestone(n));
    const commands = options.login ? await loginAndRun(m, options.login, options.commands ?? []) : [];
    const login = m.log.milestone("login");
    return {
      milestones: m.log.milestones,
      commands,
      ...(login && { toLogin: login.seconds }),
      seconds: m.now(),
      accel: q.accel,
      command: [q.binary, ...q.args],
    };
  } finally {
    await m.stop();
  }
}
