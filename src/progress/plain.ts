/**
 * `plain` progress: docker's line format, one block per step:
 *
 *   #5 [2/3] RUN make
 *   #5 0.215 gcc -c foo.c
 *   #5 DONE 1.2s
 *
 *   #6 [3/3] COPY --from=build /out /
 *   #6 CACHED
 *
 * A step that fails prints `#N ERROR: <message>`, and done(error) prints the failing step's last
 * log lines between `------` rules and the error.
 */
import type { SolveStatus } from "../buildkit/status.js";
import { formatTimeLeft } from "./estimate.js";
import { printable } from "../text/terminal.js";
import { errorSummary, formatDuration, ProgressModel, type ProgressDisplay, type VertexView } from "./model.js";
import { formatDockerBytes } from "../text/bytes.js";

export interface Output {
  write(s: string): unknown;
}

interface PrintState {
  header: boolean;
  logs: number;
  statuses: Set<string>;
  done: boolean;
}

export class PlainDisplay implements ProgressDisplay {
  readonly model = new ProgressModel();
  private readonly state = new Map<string, PrintState>();
  private current: string | undefined;
  private printedAny = false;

  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  /**
   * Updates are coalesced for `intervalMs` (default 100 ms) before printing, so a step's last
   * statuses land before its DONE line; 0 prints on every update.
   */
  constructor(
    private readonly out: Output,
    opts: { intervalMs?: number } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100;
  }

  private st(v: VertexView): PrintState {
    let s = this.state.get(v.digest);
    if (!s) {
      s = { header: false, logs: 0, statuses: new Set(), done: false };
      this.state.set(v.digest, s);
    }
    return s;
  }

  private line(v: VertexView, text: string): void {
    if (this.current !== v.digest) {
      if (this.printedAny) this.out.write("\n");
      this.current = v.digest;
      this.out.write(`#${v.index} ${v.title}\n`);
      this.st(v).header = true;
      this.printedAny = true;
    }
    if (text !== "") this.out.write(`#${v.index} ${text}\n`);
  }

  update(status: SolveStatus): void {
    this.model.apply(status);
    if (this.intervalMs <= 0) {
      this.flush(false);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush(false);
    }, this.intervalMs);
  }

  private flush(final: boolean): void {
    for (const v of this.model.order) {
      const s = this.st(v);
      const active = v.started || v.cached || v.completed || v.error;
      if (!active && v.logs.length === 0 && v.statuses.size === 0) continue;
      if (!s.header && !s.done && (v.started || v.cached)) this.line(v, "");
      // Logs since last time.
      // `s.logs` counts the lines printed; the model keeps only the last ones, so a step that logged
      // more than that between two flushes has lines that were never seen here: say how many.
      const kept = v.logTotal - v.logs.length;
      if (s.logs < kept) {
        this.line(v, `(${kept - s.logs} log lines not shown)`);
        s.logs = kept;
      }
      while (s.logs < v.logTotal) {
        const l = v.logs[s.logs++ - kept]!;
        this.line(v, `${logTime(v, l.at)} ${printable(l.line)}`);
      }
      // Finished sub-statuses (transfers, export steps); all of them once the step is over.
      const over = !!(v.error || v.cached || v.completed) && !s.done;
      for (const st of v.statuses.values()) {
        if ((!st.completed && !over) || s.statuses.has(st.id)) continue;
        s.statuses.add(st.id);
        const parts = [st.id];
        if (st.total > 0) parts.push(`${formatDockerBytes(st.current)} / ${formatDockerBytes(st.total)}`);
        else if (st.current > 0) parts.push(formatDockerBytes(st.current));
        if (st.started && st.completed) {
          const ms = st.completed.getTime() - st.started.getTime();
          if (ms >= 50) parts.push(formatDuration(ms));
        }
        parts.push("done");
        this.line(v, parts.join(" "));
      }
      if (s.done) continue;
      const finished = v.error || v.cached || v.completed;
      if ((finished || final) && v.partialLog) {
        this.line(v, `${logTime(v, v.partialAt ?? new Date())} ${printable(v.partialLog)}`);
        v.partialLog = "";
      }
      if (v.error) {
        s.done = true;
        this.line(v, `ERROR: ${v.error}`);
      } else if (v.cached) {
        s.done = true;
        this.line(v, "CACHED");
      } else if (v.completed) {
        s.done = true;
        const ms = v.started ? v.completed.getTime() - v.started.getTime() : 0;
        this.line(v, `DONE ${formatDuration(ms)}`);
        this.timeLeftLine(v);
      }
    }
  }

  /** After a book section finished: the time left for the whole build, when it can be told. */
  private timeLeftLine(v: VertexView): void {
    if (!this.model.timeLeft || !/^\[[^\]]+\] \d+(\.\d+)+ /.test(v.title)) return;
    const e = this.model.timeLeft.estimate(Date.now());
    if (e.totalSeconds === null || e.sbuSeconds === null) return;
    this.line(v, `TIME LEFT ${formatTimeLeft(e.totalSeconds)} (1 book SBU = ${e.sbuSeconds.toFixed(1)} s on this builder)`);
  }

  done(error?: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush(true);
    if (this.model.warnings.length > 0) {
      this.out.write(`\n${this.model.warnings.length} warning${this.model.warnings.length === 1 ? "" : "s"} found:\n`);
      for (const w of this.model.warnings) this.out.write(` - ${w.short}\n`);
    }
    if (error !== undefined) {
      this.out.write("\n");
      for (const l of errorSummary(this.model, error)) this.out.write(`${l}\n`);
    }
  }
}

function logTime(v: VertexView, at: Date): string {
  const ms = v.started ? at.getTime() - v.started.getTime() : 0;
  return (Math.max(0, ms) / 1000).toFixed(3);
}
