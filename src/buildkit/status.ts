/**
 * Build status: the daemon's StatusResponse stream turned into plain objects (SolveStatus, like
 * BuildKit's client.SolveStatus) and into discrete events (vertex started/completed/cached/
 * error, logs, statuses, warnings). Pure logic, no I/O.
 */
import type {
  WireStatusResponse,
  WireTimestamp,
  WireVertex,
  WireVertexLog,
  WireVertexStatus,
  WireVertexWarning,
} from './wire/types.js';

export interface VertexInfo {
  digest: string;
  name: string;
  inputs: string[];
  cached: boolean;
  started?: Date;
  completed?: Date;
  error?: string;
  progressGroup?: { id: string; name: string; weak: boolean };
}

export interface VertexStatusInfo {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  timestamp?: Date;
  started?: Date;
  completed?: Date;
}

export interface VertexLogInfo {
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  data: Buffer;
  timestamp: Date;
}

export interface VertexWarningInfo {
  vertex: string;
  level: number;
  short: string;
  detail: string[];
  url: string;
}

/** One update from the daemon (mirrors buildkit client.SolveStatus). */
export interface SolveStatus {
  vertexes: VertexInfo[];
  statuses: VertexStatusInfo[];
  logs: VertexLogInfo[];
  warnings: VertexWarningInfo[];
}

export type BuildEvent =
  | { type: 'vertex-started'; vertex: VertexInfo }
  | { type: 'vertex-completed'; vertex: VertexInfo; durationMs: number }
  | { type: 'vertex-cached'; vertex: VertexInfo }
  | { type: 'vertex-error'; vertex: VertexInfo; error: string; exitCode?: number }
  | { type: 'log'; vertex: string; name: string; stream: number; data: Buffer; timestamp: Date }
  | { type: 'status'; status: VertexStatusInfo; vertexName: string }
  | { type: 'warning'; warning: VertexWarningInfo; vertexName: string };

export function timestampToDate(ts: WireTimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  const s = Number(ts.seconds);
  if (s === 0 && ts.nanos === 0) return undefined;
  return new Date(s * 1000 + Math.floor(ts.nanos / 1e6));
}

function vertexFromWire(v: WireVertex): VertexInfo {
  const out: VertexInfo = { digest: v.digest, name: v.name, inputs: v.inputs ?? [], cached: v.cached };
  const started = timestampToDate(v.started);
  const completed = timestampToDate(v.completed);
  if (started) out.started = started;
  if (completed) out.completed = completed;
  if (v.error) out.error = v.error;
  if (v.progressGroup && v.progressGroup.id) out.progressGroup = { ...v.progressGroup };
  return out;
}

function statusFromWire(s: WireVertexStatus): VertexStatusInfo {
  const out: VertexStatusInfo = {
    id: s.ID,
    vertex: s.vertex,
    name: s.name,
    current: Number(s.current),
    total: Number(s.total),
  };
  const ts = timestampToDate(s.timestamp);
  const started = timestampToDate(s.started);
  const completed = timestampToDate(s.completed);
  if (ts) out.timestamp = ts;
  if (started) out.started = started;
  if (completed) out.completed = completed;
  return out;
}

function logFromWire(l: WireVertexLog): VertexLogInfo {
  return { vertex: l.vertex, stream: Number(l.stream), data: l.msg, timestamp: timestampToDate(l.timestamp) ?? new Date() };
}

function warningFromWire(w: WireVertexWarning): VertexWarningInfo {
  return {
    vertex: w.vertex,
    level: Number(w.level),
    short: w.short.toString('utf8'),
    detail: (w.detail ?? []).map((d) => d.toString('utf8')),
    url: w.url,
  };
}

export function solveStatusFromWire(r: WireStatusResponse): SolveStatus {
  return {
    vertexes: (r.vertexes ?? []).map(vertexFromWire),
    statuses: (r.statuses ?? []).map(statusFromWire),
    logs: (r.logs ?? []).map(logFromWire),
    warnings: (r.warnings ?? []).map(warningFromWire),
  };
}

/** Parses `exit code: N` from a BuildKit error message. */
export function exitCodeFromMessage(message: string): number | undefined {
  const m = /exit code: (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

interface VertexState {
  vertex: VertexInfo;
  startedSent: boolean;
  doneSent: boolean;
  logLines: string[];
  partial: string;
}

/**
 * Tracks vertex state across updates: derives events, keeps the last log lines of each vertex,
 * and finds the failing step for error reports.
 */
export class StatusTracker {
  private readonly states = new Map<string, VertexState>();
  readonly warnings: VertexWarningInfo[] = [];
  /** Vertex digests in the order they were first seen. */
  readonly order: string[] = [];

  constructor(private readonly logTail = 20) {}

  vertex(digest: string): VertexInfo | undefined {
    return this.states.get(digest)?.vertex;
  }

  update(s: SolveStatus): BuildEvent[] {
    const events: BuildEvent[] = [];
    for (const v of s.vertexes) {
      let st = this.states.get(v.digest);
      if (!st) {
        st = { vertex: v, startedSent: false, doneSent: false, logLines: [], partial: '' };
        this.states.set(v.digest, st);
        this.order.push(v.digest);
      } else {
        st.vertex = { ...st.vertex, ...v };
      }
      const cur = st.vertex;
      if (cur.started && !st.startedSent && !cur.cached) {
        st.startedSent = true;
        events.push({ type: 'vertex-started', vertex: cur });
      }
      if (st.doneSent) continue;
      if (cur.error) {
        st.doneSent = true;
        const ev: BuildEvent = { type: 'vertex-error', vertex: cur, error: cur.error };
        const code = exitCodeFromMessage(cur.error);
        if (code !== undefined) ev.exitCode = code;
        events.push(ev);
      } else if (cur.cached && (cur.completed || cur.started)) {
        st.doneSent = true;
        events.push({ type: 'vertex-cached', vertex: cur });
      } else if (cur.completed) {
        st.doneSent = true;
        const dur = cur.started ? cur.completed.getTime() - cur.started.getTime() : 0;
        events.push({ type: 'vertex-completed', vertex: cur, durationMs: Math.max(0, dur) });
      }
    }
    for (const st of s.statuses) {
      events.push({ type: 'status', status: st, vertexName: this.states.get(st.vertex)?.vertex.name ?? '' });
    }
    for (const l of s.logs) {
      const st = this.states.get(l.vertex);
      if (st) this.appendLog(st, l.data);
      events.push({
        type: 'log',
        vertex: l.vertex,
        name: st?.vertex.name ?? '',
        stream: l.stream,
        data: l.data,
        timestamp: l.timestamp,
      });
    }
    for (const w of s.warnings) {
      this.warnings.push(w);
      events.push({ type: 'warning', warning: w, vertexName: this.states.get(w.vertex)?.vertex.name ?? '' });
    }
    return events;
  }

  private appendLog(st: VertexState, data: Buffer): void {
    const text = st.partial + data.toString('utf8');
    const lines = text.split(/\r?\n/);
    st.partial = lines.pop() ?? '';
    st.logLines.push(...lines);
    if (st.logLines.length > this.logTail) st.logLines.splice(0, st.logLines.length - this.logTail);
  }

  /** Last log lines of a vertex (including an unterminated last line). */
  logLines(digest: string): string[] {
    const st = this.states.get(digest);
    if (!st) return [];
    return st.partial ? [...st.logLines, st.partial].slice(-this.logTail) : [...st.logLines];
  }

  /** The step that failed: the first errored vertex whose error is not a mere cancellation. */
  failedVertex(): VertexInfo | undefined {
    let fallback: VertexInfo | undefined;
    for (const d of this.order) {
      const v = this.states.get(d)!.vertex;
      if (!v.error) continue;
      if (!/context canceled|canceled/i.test(v.error)) return v;
      fallback ??= v;
    }
    return fallback;
  }

  /** Vertexes still running (started, not completed). */
  running(): VertexInfo[] {
    return this.order.map((d) => this.states.get(d)!.vertex).filter((v) => v.started && !v.completed);
  }
}
