/**
 * `tty` progress: a live view redrawn in place. Header with elapsed time and step counts, one
 * line per step (`=> [2/3] RUN make   12.3s`), and the last log lines under running steps.
 * Colors follow docker's (blue done, red error, yellow warnings) unless NO_COLOR is set.
 */
import type { SolveStatus } from "../buildkit/status.js";
import { formatTimeLeft } from "./estimate.js";
import { printable } from "../text/terminal.js";
import { errorSummary, formatDuration, ProgressModel, type ProgressDisplay, type VertexView } from "./model.js";

export interface TtyOutput {
  write(s: string): unknown;
  columns?: number;
}

export interface TtyOptions {
  color?: boolean;
  /** Log lines shown under each running step (default 6). */
  logLines?: number;
  /** Redraw interval (default 150 ms). */
  intervalMs?: number;
  now?: () => number;
}

const ESC = "\x1b[";

export class TtyDisplay implements ProgressDisplay {
  readonly model = new ProgressModel();
  private lastLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly start: number;
  private readonly color: boolean;
  private readonly logLines: number;
  private readonly now: () => number;
  private finished = false;

  constructor(
    private readonly out: TtyOutput,
    opts: TtyOptions = {},
  ) {
    this.color = opts.color ?? true;
    this.logLines = opts.logLines ?? 6;
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    const interval = opts.intervalMs ?? 150;
    if (interval > 0) {
      this.timer = setInterval(() => this.render(), interval);
      this.timer.unref();
    }
  }

  private paint(code: string, s: string): string {
    return this.color ? `${ESC}${code}m${s}${ESC}0m` : s;
  }

  update(status: SolveStatus): void {
    this.model.apply(status);
  }

  /** The lines of the current frame (exported for tests). */
  frame(final = false): string[] {
    const width = Math.max(40, this.out.columns ?? 80);
    const elapsed = this.now() - this.start;
    const { done, total } = this.model.counts();
    const lines: string[] = [];
    const state = final ? "Finished" : "Building";
    const left = final ? undefined : this.model.timeLeft?.estimate(this.now());
    const leftText =
      left?.totalSeconds != null
        ? ` · time left ${formatTimeLeft(left.totalSeconds)}${left.current?.seconds != null ? ` (${left.current.section}: ${formatTimeLeft(left.current.seconds)})` : ""}`
        : "";
    lines.push(`[+] ${state} ${formatDuration(elapsed)} (${done}/${total})${leftText}`);
    for (const v of this.model.order) {
      if (!v.started && !v.cached && !v.completed && !v.error) continue;
      lines.push(this.vertexLine(v, width));
      const running = v.started && !v.completed && !v.error;
      if (running && !final && this.logLines > 0) {
        const logs = [...v.logs.map((l) => l.line), ...(v.partialLog ? [v.partialLog] : [])].slice(-this.logLines);
        for (const l of logs) lines.push(this.paint("2", fit(` => => # ${l}`, width)));
      }
    }
    return lines;
  }

  private vertexLine(v: VertexView, width: number): string {
    const end = v.completed ? v.completed.getTime() : this.now();
    const dur = v.started ? formatDuration(end - v.started.getTime()) : "0.0s";
    const prefix = v.error ? "ERROR " : v.cached ? "CACHED " : "";
    const left = ` => ${prefix}${v.title}`;
    const right = ` ${dur}`;
    const body = fit(left, width - right.length);
    const text = body + " ".repeat(Math.max(0, width - right.length - body.length)) + right;
    if (v.error) return this.paint("31", text);
    if (v.completed || v.cached) return this.paint("34", text);
    return text;
  }

  private render(final = false): void {
    if (this.finished && !final) return;
    const lines = this.frame(final);
    let s = "";
    if (this.lastLines > 0) s += `${ESC}${this.lastLines}A`;
    for (const l of lines) s += `${ESC}2K${l}\n`;
    // Clear lines left over from a taller previous frame.
    const extra = this.lastLines - lines.length;
    for (let i = 0; i < extra; i++) s += `${ESC}2K\n`;
    if (extra > 0) s += `${ESC}${extra}A`;
    this.lastLines = lines.length;
    this.out.write(s);
  }

  done(error?: unknown): void {
    if (this.timer) clearInterval(this.timer);
    this.render(true);
    this.finished = true;
    if (this.model.warnings.length > 0) {
      this.out.write(this.paint("33", `\n${this.model.warnings.length} warning(s) found:\n`));
      for (const w of this.model.warnings) this.out.write(this.paint("33", ` - ${w.short}\n`));
    }
    if (error !== undefined) {
      this.out.write("\n");
      for (const l of errorSummary(this.model, error)) this.out.write(`${l.startsWith("ERROR") ? this.paint("31", l) : l}\n`);
    }
  }
}

function fit(s: string, width: number): string {
  const clean = printable(s.replace(/[\r\t]/g, " "));
  return clean.length <= width ? clean : `${clean.slice(0, Math.max(0, width - 1))}…`;
}
