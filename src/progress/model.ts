/**
 * The state progress displays render from: the one vertex model (../buildkit/vertex-table.ts:
 * vertexes numbered in order of appearance, `#N` as docker prints them, their sub-statuses and log
 * lines) with step titles, warnings and the time left. Pure logic.
 */
import { sectionStepName, stepName } from "./step-name.js";
import { TimeLeft } from "./estimate.js";
import type { SolveStatus } from "../buildkit/status.js";
import { VertexTable, type VertexRecord } from "../buildkit/vertex-table.js";
import type { StepInfo } from "../render/step-map.js";

export interface ProgressDisplay {
  update(status: SolveStatus): void;
  /** Final render; `error` is the build's failure, if any. */
  done(error?: unknown): void | Promise<void>;
}

/** A vertex as the displays see it: the one vertex model's record (its title a section's number and title, see step-name.ts). */
export type VertexView = VertexRecord;

export class ProgressModel {
  private readonly table: VertexTable;
  readonly warnings: Array<{ short: string; detail: string[]; url: string; vertex: string }> = [];
  startedAt: Date | undefined;

  /** Set when the display knows the build's plan (the book's SBU figures): the time left. */
  timeLeft: TimeLeft | undefined;

  /** Set when the display knows the build's steps (`stage k` -> step, the generator's map): a section's step is named by it. */
  steps: ReadonlyMap<string, StepInfo> | undefined;

  /** What is shown for a vertex: its section from the map, else its name (see step-name.ts). */
  private titleOf(name: string): string {
    const key = this.steps && stepKey(name);
    const step = key === undefined ? undefined : this.steps?.get(key);
    return step?.section !== undefined ? sectionStepName(name, { section: step.section, title: step.title }) : stepName(name);
  }

  constructor(maxLogLines = 200) {
    this.table = new VertexTable({ maxLogLines, title: (name) => this.titleOf(name), adoptUnknown: true });
  }

  /** The vertexes in order of appearance. */
  get order(): readonly VertexView[] {
    return this.table.order;
  }

  vertex(digest: string): VertexView | undefined {
    return this.table.get(digest);
  }

  apply(s: SolveStatus): void {
    this.startedAt ??= new Date();
    for (const v of s.vertexes) this.track(this.table.vertex(v));
    for (const st of s.statuses) this.table.status(st);
    for (const l of s.logs) this.table.log(l);
    for (const w of s.warnings) this.warnings.push({ short: w.short, detail: w.detail, url: w.url, vertex: w.vertex });
  }

  /** Tell the estimate what a step did. */
  private track(v: VertexView): void {
    const key = this.timeLeft && stepKey(v.name);
    if (!this.timeLeft || !key || v.error) return;
    if (v.cached) this.timeLeft.finished(key, null);
    else if (v.completed) this.timeLeft.finished(key, v.started ? (v.completed.getTime() - v.started.getTime()) / 1000 : null);
    else if (v.started) this.timeLeft.started(key, v.started.getTime());
  }

  failed(): VertexView | undefined {
    return this.table.failed();
  }

  /** The last `n` log lines of a vertex, its unterminated last line included. */
  logLines(digest: string, n: number): string[] {
    return this.table.logLines(digest, n);
  }

  counts(): { done: number; total: number } {
    return { done: this.order.filter((v) => v.completed || v.cached).length, total: this.order.length };
  }
}

export function formatDuration(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** A failure summary: the failing step, its error and last log lines (docker's `------` block). */
export function errorSummary(model: ProgressModel, error: unknown, tail = 10): string[] {
  const lines: string[] = [];
  const v = model.failed();
  const logs = v ? model.logLines(v.digest, tail) : [];
  if (v && logs.length > 0) {
    lines.push("------", ` > ${v.title}:`);
    for (const l of logs) lines.push(l);
    lines.push("------");
  }
  const msg = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  lines.push(`ERROR: ${v && v.error && !msg.includes(v.error) ? `${v.title}: ${v.error}` : msg}`);
  return lines;
}

const STEP_KEY = /^\[(?:\S+ )?(?:\S+\/\S+ )?([^\s\]]+) +0*(\d+)\/\d+\]/;

/** "[host  5/27] ..." -> "host 5"; "[linux/amd64 host 05/27] ..." -> "host 5"; else undefined. */
export function stepKey(name: string): string | undefined {
  const m = STEP_KEY.exec(name);
  return m ? `${m[1]} ${m[2]}` : undefined;
}
