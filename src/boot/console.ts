/**
 * The serial console of a booting machine, as text: complete lines, the line being written (a prompt
 * has no newline yet), and the boot milestones recognised in them. Pure: no process, no clock.
 */

import { randomBytes } from "node:crypto";

/** The steps of a boot, in the order they happen. */
export const MILESTONES = ["firmware", "grub", "kernel", "initramfs", "system", "login"] as const;
export type MilestoneName = (typeof MILESTONES)[number];

export interface MilestoneRule {
  name: MilestoneName;
  /** What the console shows at that step (matched against each complete line, and the open one). */
  pattern: RegExp;
  /** What the step means, for the user. */
  description: string;
}

/**
 * What each milestone looks like on the serial console of an lfs-docker ISO. The firmware line is
 * SeaBIOS's banner (QEMU's debug console, where SeaBIOS prints) or the UEFI boot manager's; the GRUB
 * and initramfs lines are printed by the ISO's own grub.cfg and /init (templates/partials/iso-builder.hbs).
 */
export const DEFAULT_RULES: readonly MilestoneRule[] = [
  {
    name: "firmware",
    pattern: /SeaBIOS \(version|BdsDxe: (loading|starting)|UEFI firmware|EFI stub: /,
    description: "the firmware started and looks for a boot device",
  },
  { name: "grub", pattern: /lfs-docker: GRUB .* is up|GNU GRUB +version/, description: "GRUB read its configuration from the medium" },
  { name: "kernel", pattern: /Linux version \d+\.\d+/, description: "the kernel is running" },
  { name: "initramfs", pattern: /lfs-docker initramfs: looking for the live medium/, description: "the initramfs' /init runs" },
  { name: "system", pattern: /lfs-docker initramfs: switching to the live system/, description: "the live system is mounted and its init starts" },
  { name: "login", pattern: /\blogin: ?$/, description: "a login prompt on the serial console" },
];

/** Console text that means the boot has failed, whatever comes next. */
export const FATAL_PATTERNS: readonly RegExp[] = [
  /Kernel panic - not syncing/,
  /lfs-docker initramfs: dropping to a rescue shell/,
  /No bootable device|Boot failed: could not read the boot disk|No bootable option or device was found/,
];

// CSI and OSC escape sequences, and the other control characters a terminal would not show.

const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Remove terminal escape sequences and control characters (but tabs) from one line. */
export function cleanLine(line: string): string {
  return line.replace(ESCAPES, "");
}

export interface MilestoneEvent {
  name: MilestoneName;
  /** Seconds since the machine started. */
  seconds: number;
  /** The console line that showed it. */
  line: string;
}

/**
 * Accumulates console output: splits it into lines (CR LF or LF), keeps a bounded history for the
 * error report, and reports each milestone once, in MILESTONES order (a later milestone seen first
 * also marks the ones before it that have no console line, e.g. a firmware that prints nothing).
 */
export class ConsoleLog {
  private readonly lines: string[] = [];
  private open = "";
  private readonly seen = new Map<MilestoneName, MilestoneEvent>();
  private fatalLine: string | undefined;
  /** Everything received, raw, for a full console log file. */
  private readonly maxLines: number;

  constructor(
    private readonly rules: readonly MilestoneRule[] = DEFAULT_RULES,
    options: { maxLines?: number } = {},
  ) {
    this.maxLines = options.maxLines ?? 2000;
  }

  /** Feed console bytes (decoded); returns the milestones this chunk completed. */
  feed(text: string, seconds: number): MilestoneEvent[] {
    const events: MilestoneEvent[] = [];
    const parts = (this.open + text).split("\n");
    this.open = parts.pop() ?? "";
    for (const raw of parts) {
      const line = cleanLine(raw.replace(/\r+$/, "").replace(/.*\r(?=.)/, ""));
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
      this.match(line, seconds, events);
    }
    this.match(this.openLine, seconds, events);
    return events;
  }

  private match(line: string, seconds: number, events: MilestoneEvent[]): void {
    if (line === "") return;
    if (this.fatalLine === undefined && FATAL_PATTERNS.some((p) => p.test(line))) this.fatalLine = line;
    for (const rule of this.rules) {
      if (this.seen.has(rule.name) || !rule.pattern.test(line)) continue;
      const index = MILESTONES.indexOf(rule.name);
      for (const earlier of MILESTONES.slice(0, index)) {
        if (!this.seen.has(earlier) && this.rules.some((r) => r.name === earlier)) {
          const e = { name: earlier, seconds, line: "(no console line; implied by the next step)" };
          this.seen.set(earlier, e);
          events.push(e);
        }
      }
      const e = { name: rule.name, seconds, line };
      this.seen.set(rule.name, e);
      events.push(e);
    }
  }

  /** Record a milestone seen elsewhere than on the console (e.g. the firmware's debug port). */
  record(name: MilestoneName, seconds: number, line: string): MilestoneEvent[] {
    if (this.seen.has(name)) return [];
    const e = { name, seconds, line };
    this.seen.set(name, e);
    return [e];
  }

  /** The line being written (no newline yet), cleaned: where prompts appear. */
  get openLine(): string {
    return cleanLine(this.open.replace(/.*\r(?=.)/, "").replace(/\r$/, ""));
  }

  /** Complete lines received so far (bounded history). */
  get history(): readonly string[] {
    return this.lines;
  }

  /** The last `n` lines, the open one included. */
  tail(n = 25): string[] {
    const all = this.openLine ? [...this.lines, this.openLine] : [...this.lines];
    return all.slice(-n);
  }

  milestone(name: MilestoneName): MilestoneEvent | undefined {
    return this.seen.get(name);
  }

  get milestones(): MilestoneEvent[] {
    return MILESTONES.flatMap((m) => this.seen.get(m) ?? []);
  }

  /** The first console line that means the boot failed, if one was seen. */
  get fatal(): string | undefined {
    return this.fatalLine;
  }

  /** The index of the next complete line to be received (to look for output after a point). */
  get mark(): number {
    return this.lines.length;
  }
}

/** A fresh random token for one run's command markers: the guest cannot know it in advance. */
export function markerToken(): string {
  return randomBytes(12).toString("hex");
}

/**
 * A command line typed at the guest's shell that prints its output between two markers and its exit
 * status. The markers carry the run's random `token`, so no output the guest prints on its own (a
 * file, a log, a crafted program) can end a command early or fake its status; and they are written
 * with arithmetic expansion so that the terminal's echo of the typed line never matches them, only
 * the shell's output does.
 */
export function wrapCommand(command: string, index: number, token: string): { line: string; begin: string; end: RegExp } {
  if (!/^[0-9a-f]{16,64}$/.test(token)) throw new Error("a marker token is 16 to 64 hexadecimal digits");
  return {
    line: `echo __LFS_BEGIN_${token}_$((${index}))__; ${command}; echo __LFS_END_${token}_$((${index}))__:$?`,
    begin: `__LFS_BEGIN_${token}_${index}__`,
    end: new RegExp(`^__LFS_END_${token}_${index}__:(\\d+)$`),
  };
}

/** The output of a wrapped command in the console lines, when its end marker has arrived. */
export function commandOutput(lines: readonly string[], index: number, token: string): { output: string[]; status: number } | undefined {
  const { begin, end } = wrapCommand("", index, token);
  const b = lines.lastIndexOf(begin);
  if (b < 0) return undefined;
  for (let i = b + 1; i < lines.length; i++) {
    const m = end.exec(lines[i]!);
    if (m) return { output: lines.slice(b + 1, i), status: Number(m[1]) };
  }
  return undefined;
}
