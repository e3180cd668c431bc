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

/** A progress display for `fetchSources` writing to `out` (normally standard error). */
export function createFetchProgress(out: ProgressOutput, options: FetchProgressOptions = {}): FetchProgress {
  const tty = options.tty ?? out.isTTY === true;
  const now = options.now ?? Date.now;
  const maxRows = options.maxRows ?? 12;
  const start = now();
  const active = new Map<string, Active>();
  let planned = 0;
  let finished = 0;
  let bytes = 0;
  let drawn = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const width = () => Math.max(40, (out.columns || 80) - 1);
  const fit = (s: string) => (s.length > width() ? s.slice(0, width()) : s);

  const frame = (): string[] => {
    const lines: string[] = [];
    const nameWidth = Math.min(32, Math.max(8, ...[...active.values()].map((a) => a.name.length)));
    const t = now();
    let shown = 0;
    for (const a of active.values()) {
      if (shown++ >= maxRows) {
        lines.push(`  ... and ${active.size - maxRows} more`);
        break;
      }
      const name = a.name.length > nameWidth ? `${a.name.slice(0, nameWidth - 1)}~` : a.name.padEnd(nameWidth);
      if (a.verifying) {
        lines.push(`  ${name}  verifying`);
        continue;
      }
      const speed = rate(a.received - a.offset, t - a.since);
      const size = a.total === undefined ? formatBytes(a.received) : `${formatBytes(a.received)} / ${formatBytes(a.total)}`;
      const pct = a.total ? `${String(Math.floor((a.received / a.total) * 100)).padStart(3)}%` : "    ";
      const barPart = a.total ? ` ${bar(a.received / a.total, 20)}` : "";
      lines.push(`  ${name}${barPart} ${pct}  ${size}  ${speed}${a.note ? `  (${a.note})` : ""}`);
    }
    const elapsed = t - start;
    lines.push(`${bar(planned ? finished / planned : 0, 30)} ${finished}/${planned} files  ${formatBytes(bytes)} downloaded  ${rate(bytes, elapsed)}  ${clock(elapsed)}`);
    return lines.map(fit);
  };

  const erase = () => {
    if (drawn > 0) out.write(`${ESC}${drawn}F${ESC}J`);
    drawn = 0;
  };
  const draw = () => {
    if (closed) return;
    erase();
    const lines = frame();
    out.write(lines.join("\n") + "\n");
    drawn = lines.length;
  };
  /** A line that stays (above the live view on a terminal). */
  const say = (raw: string) => {
    // Addresses and server text reach this line: no password, no raw control character.
    const line = printable(redactUrls(raw));
    if (tty) {
      erase();
      out.write(fit(line) + "\n");
      draw();
    } else {
      out.write(line + "\n");
    }
  };
  const firstLine = (e: Error) => (e.message.split("\n")[0] ?? "").replace(/:$/, "");

  if (tty) {
    const interval = options.intervalMs ?? 100;
    if (interval > 0) {
      timer = setInterval(draw, interval);
      timer.unref();
    }
  }

  const onProgress = (e: FetchEvent): void => {
    if (closed) return;
    const name = e.type === "plan" ? "" : e.file.file;
    switch (e.type) {
      case "plan":
        planned = e.files.length;
        break;
      case "check":
        active.set(name, { name, verifying: true, received: 0, offset: 0, total: undefined, since: now() });
        break;
      case "start":
        active.set(name, { name, verifying: false, received: e.offset, offset: e.offset, total: e.total, since: now() });
        break;
      case "data": {
        const a = active.get(name);
        if (a) {
          bytes += Math.max(0, e.received - a.received);
          a.received = e.received;
          a.total = e.total;
          delete a.note;
        }
        break;
      }
      case "retry": {
        const a = active.get(name);
        if (a) a.note = `retry in ${(e.delayMs / 1000).toFixed(1)} s`;
        say(`retry       ${name}: ${firstLine(e.error)}; again in ${(e.delayMs / 1000).toFixed(1)} s`);
        break;
      }
      case "fallback":
        say(`fallback    ${name}: ${e.url}: ${firstLine(e.error)}`);
        break;
      case "replace":
        say(`replacing   ${name}: ${e.reason}`);
        break;
      case "done":
        active.delete(name);
        finished++;
        say(
          e.status === "present"
            ? `ok          ${name} (already there, verified)`
            : `downloaded  ${name} ${formatBytes(e.size)}${e.url ? ` from ${e.url}` : ""}`,
        );
        break;
      case "failed":
        active.delete(name);
        say(`failed      ${name}: ${firstLine(e.error)}`);
        break;
    }
  };

  return {
    onProgress,
    close() {
      if (closed) return;
      if (timer) clearInterval(timer);
      if (tty) erase();
      closed = true;
    },
  };
}
