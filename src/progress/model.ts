/**
 * The state progress displays render from: vertexes numbered in order of appearance (`#N`, as
 * docker prints them), their sub-statuses and log lines. Pure logic.
 */
import { sectionStepName, stepName } from './step-name.js';
import { TimeLeft } from './estimate.js';
import type { SolveStatus, VertexInfo, VertexStatusInfo } from '../buildkit/status.js';
import type { StepInfo } from '../render/step-map.js';

export interface ProgressDisplay {
  update(status: SolveStatus): void;
  /** Final render; `error` is the build's failure, if any. */
  done(error?: unknown): void | Promise<void>;
}

export interface VertexView {
  index: number;
  digest: string;
  /** The name BuildKit gave the vertex. */
  name: string;
  /** What is shown: the name with a section's RUN as its number and title (see step-name.ts). */
  title: string;
  started?: Date;
  completed?: Date;
  cached: boolean;
  error?: string;
  statuses: Map<string, VertexStatusInfo>;
  /** The last complete log lines (at most the model's maxLogLines) with their timestamps. */
  logs: Array<{ at: Date; line: string }>;
  /** How many complete log lines were received in all (`logs` holds the last of them). */
  logTotal: number;
  partialLog: string;
  partialAt?: Date;
}

export class ProgressModel {
  readonly vertexes = new Map<string, VertexView>();
  readonly order: VertexView[] = [];
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

  constructor(private readonly maxLogLines = 200) {}

  private get(digest: string, v?: VertexInfo): VertexView {
    let vv = this.vertexes.get(digest);
    if (!vv) {
      vv = { index: this.order.length + 1, digest, name: v?.name ?? digest, title: this.titleOf(v?.name ?? digest), cached: false, statuses: new Map(), logs: [], logTotal: 0, partialLog: '' };
      this.vertexes.set(digest, vv);
      this.order.push(vv);
    }
    return vv;
  }

  apply(s: SolveStatus): void {
    this.startedAt ??= new Date();
    for (const v of s.vertexes) {
      const vv = this.get(v.digest, v);
      if (v.name && v.name !== vv.name) {
        vv.name = v.name;
        vv.title = this.titleOf(v.name);
      }
      if (v.started) vv.started = v.started;
      if (v.completed) vv.completed = v.completed;
      vv.cached = v.cached;
      if (v.error) vv.error = v.error;
      this.track(vv);
    }
    for (const st of s.statuses) {
      const vv = this.get(st.vertex);
      vv.statuses.set(st.id, st);
    }
    for (const l of s.logs) {
      const vv = this.get(l.vertex);
      const text = vv.partialLog + l.data.toString('utf8');
      const parts = text.split(/\r?\n/);
      vv.partialLog = parts.pop() ?? '';
      vv.partialAt = l.timestamp;
      for (const line of parts) vv.logs.push({ at: l.timestamp, line });
      vv.logTotal += parts.length;
      if (vv.logs.length > this.maxLogLines) vv.logs.splice(0, vv.logs.length - this.maxLogLines);
    }
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
    return (
      this.order.find((v) => v.error && !/canceled/i.test(v.error)) ?? this.order.find((v) => v.error)
    );
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
  const logs = v ? [...v.logs.map((l) => l.line), ...(v.partialLog ? [v.partialLog] : [])].slice(-tail) : [];
  if (v && logs.length > 0) {
    lines.push('------', ` > ${v.title}:`);
    for (const l of logs) lines.push(l);
    lines.push('------');
  }
  const msg = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  lines.push(`ERROR: ${v && v.error && !msg.includes(v.error) ? `${v.title}: ${v.error}` : msg}`);
  return lines;
}

const STEP_KEY = /^\[(?:\S+ )?(?:\S+\/\S+ )?([^\s\]]+) +0*(\d+)\/\d+\]/;

/** "[host  5/27] ..." -> "host 5"; "[linux/amd64 host 05/27] ..." -> "host 5"; else undefined. */
export function stepKey(name: string): string | undefined {
  const m = STEP_KEY.exec(name);
  return m ? `${m[1]} ${m[2]}` : undefined;
}
