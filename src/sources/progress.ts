/**
 * Showing `fetchSources` progress on a stream: on a terminal, a bar per file being transferred and
 * one for the whole run, redrawn in place; elsewhere (logs, pipes), one line per finished file and a
 * line per retry or fallback.
 */
import { printable } from "../text/terminal.js";
import { redactUrls } from "../text/redact.js";
import type { FetchEvent } from "./types.js";
import { formatBytes } from "../text/bytes.js";

export interface ProgressOutput {
  write(s: string): unknown;
  columns?: number;
  isTTY?: boolean;
}

export interface FetchProgressOptions {
  /** Live bars (default: whether the stream is a terminal). */
  tty?: boolean;
  /** Redraw interval of the live bars (default 100 ms). */
  intervalMs?: number;
  /** Most files shown at once under the live view (default 12). */
  maxRows?: number;
  now?: () => number;
}

export interface FetchProgress {
  /** Give this to `fetchSources({ onProgress })`. */
  readonly onProgress: (event: FetchEvent) => void;
  /** Stop redrawing and clear the live bars (the finished-file lines stay). */
  close(): void;
}

interface Active {
  name: string;
  verifying: boolean;
  received: number;
  offset: number;
  total: number | undefined;
  since: number;
  note?: string;
}

const ESC = "\x1b[";

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
}

function rate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes(Math.round((bytes * 1000) / ms))}/s` : "";
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const firstLine = (e: Error) => (e.message.split("\n")[0] ?? "").replace(/:$/, "");

/**
 * The display's state and drawing: on a terminal a live view (a row per file in flight, then the
 * totals) redrawn every intervalMs under the lines that stay; elsewhere only the lines that stay.
 */
class FetchProgressView {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly maxRows: number;
  private readonly start: number;
  private readonly active = new Map<string, Active>();
  private planned = 0;
  private finished = 0;
  private bytes = 0;
  private drawn = 0;
  closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: ProgressOutput,
    options: FetchProgressOptions,
  ) {
    this.tty = options.tty ?? out.isTTY === true;
    this.now = options.now ?? Date.now;
    this.maxRows = options.maxRows ?? 12;
    this.start = this.now();
    if (this.tty) {
      const interval = options.intervalMs ?? 100;
      if (interval > 0) {
        this.timer = setInterval(() => this.draw(), interval);
        this.timer.unref();
      }
    }
  }

  private width(): number {
    return Math.max(40, (this.out.columns || 80) - 1);
  }

  private fit(s: string): string {
    return s.length > this.width() ? s.slice(0, this.width()) : s;
  }

  /** One file in flight: name, bar, percentage, size, speed, note. */
  private row(a: Active, nameWidth: number, t: number): string {
    const name = a.name.length > nameWidth ? `${a.name.slice(0, nameWidth - 1)}~` : a.name.padEnd(nameWidth);
    if (a.verifying) return `  ${name}  verifying`;
    const speed = rate(a.received - a.offset, t - a.since);
    const size = a.total === undefined ? formatBytes(a.received) : `${formatBytes(a.received)} / ${formatBytes(a.total)}`;
    const pct = a.total ? `${String(Math.floor((a.received / a.total) * 100)).padStart(3)}%` : "    ";
    const barPart = a.total ? ` ${bar(a.received / a.total, 20)}` : "";
    return `  ${name}${barPart} ${pct}  ${size}  ${speed}${a.note ? `  (${a.note})` : ""}`;
  }

  private frame(): string[] {
    const lines: string[] = [];
    const nameWidth = Math.min(32, Math.max(8, ...[...this.active.values()].map((a) => a.name.length)));
    const t = this.now();
    let shown = 0;
    for (const a of this.active.values()) {
      if (shown++ >= this.maxRows) {
        lines.push(`  ... and ${this.active.size - this.maxRows} more`);
        break;
      }
      lines.push(this.row(a, nameWidth, t));
    }
    const elapsed = t - this.start;
    const { planned, finished, bytes } = this;
    lines.push(
      `${bar(planned ? finished / planned : 0, 30)} ${finished}/${planned} files  ${formatBytes(bytes)} downloaded  ${rate(bytes, elapsed)}  ${clock(elapsed)}`,
    );
    return lines.map((l) => this.fit(l));
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`${ESC}${this.drawn}F${ESC}J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (this.closed) return;
    this.erase();
    const lines = this.frame();
    this.out.write(lines.join("\n") + "\n");
    this.drawn = lines.length;
  }

  /** A line that stays (above the live view on a terminal). */
  private say(raw: string): void {
    // Addresses and server text reach this line: no password, no raw control character.
    const line = printable(redactUrls(raw));
    if (this.tty) {
      this.erase();
      this.out.write(this.fit(line) + "\n");
      this.draw();
    } else {
      this.out.write(line + "\n");
    }
  }

  onProgress(e: FetchEvent): void {
    if (this.closed) return;
    if (e.type === "plan") {
      this.planned = e.files.length;
      return;
    }
    const name = e.file.file;
    switch (e.type) {
      case "check":
        this.active.set(name, { name, verifying: true, received: 0, offset: 0, total: undefined, since: this.now() });
        break;
      case "start":
        this.active.set(name, { name, verifying: false, received: e.offset, offset: e.offset, total: e.total, since: this.now() });
        break;
      case "data":
        this.data(name, e.received, e.total);
        break;
      case "retry": {
        const a = this.active.get(name);
        if (a) a.note = `retry in ${(e.delayMs / 1000).toFixed(1)} s`;
        this.say(`retry       ${name}: ${firstLine(e.error)}; again in ${(e.delayMs / 1000).toFixed(1)} s`);
        break;
      }
      case "fallback":
        this.say(`fallback    ${name}: ${e.url}: ${firstLine(e.error)}`);
        break;
      case "replace":
        this.say(`replacing   ${name}: ${e.reason}`);
        break;
      case "done":
        this.active.delete(name);
        this.finished++;
        this.say(
          e.status === "present"
            ? `ok          ${name} (already there, verified)`
            : `downloaded  ${name} ${formatBytes(e.size)}${e.url ? ` from ${e.url}` : ""}`,
        );
        break;
      case "failed":
        this.active.delete(name);
        this.say(`failed      ${name}: ${firstLine(e.error)}`);
        break;
    }
  }

  private data(name: string, received: number, total: number | undefined): void {
    const a = this.active.get(name);
    if (!a) return;
    this.bytes += Math.max(0, received - a.received);
    a.received = received;
    a.total = total;
    delete a.note;
  }

  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.erase();
    this.closed = true;
  }
}

/** A progress display for `fetchSources` writing to `out` (normally standard error). */
export function createFetchProgress(out: ProgressOutput, options: FetchProgressOptions = {}): FetchProgress {
  const view = new FetchProgressView(out, options);
  return {
    onProgress: (e) => view.onProgress(e),
    close: () => view.close(),
  };
}
