/**
 * Build status: the daemon's StatusResponse stream turned into plain objects (SolveStatus, like
 * BuildKit's client.SolveStatus) and into discrete events (vertex started/completed/cached/
 * error, logs, statuses, warnings). Pure logic, no I/O.
 */
import type { WireStatusResponse, WireTimestamp, WireVertex, WireVertexLog, WireVertexStatus, WireVertexWarning } from "./wire/types.js";
import type { SolveStatus, VertexInfo, VertexLogInfo, VertexStatusInfo, VertexWarningInfo } from "./solve-status.js";
import { VertexTable, vertexInfo, type VertexRecord } from "./vertex-table.js";

export type { SolveStatus, VertexInfo, VertexLogInfo, VertexStatusInfo, VertexWarningInfo } from "./solve-status.js";

export type BuildEvent =
  | { type: "vertex-started"; vertex: VertexInfo }
  | { type: "vertex-completed"; vertex: VertexInfo; durationMs: number }
  | { type: "vertex-cached"; vertex: VertexInfo }
  | { type: "vertex-error"; vertex: VertexInfo; error: string; exitCode?: number }
  | { type: "log"; vertex: string; name: string; stream: number; data: Buffer; timestamp: Date }
  | { type: "status"; status: VertexStatusInfo; vertexName: string }
  | { type: "warning"; warning: VertexWarningInfo; vertexName: string };

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
    short: w.short.toString("utf8"),
    detail: (w.detail ?? []).map((d) => d.toString("utf8")),
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

/** Which events a vertex has had, so each is emitted once. */
interface Emitted {
  started: boolean;
  done: boolean;
}

/**
 * Tracks vertex state across updates (in the one vertex model, ./vertex-table.ts): derives
 * events, keeps the last log lines of each vertex, and finds the failing step for error reports.
 */
export class StatusTracker {
  private readonly table: VertexTable;
  private readonly emitted = new Map<string, Emitted>();
  readonly warnings: VertexWarningInfo[] = [];

  constructor(logTail = 20) {
    this.table = new VertexTable({ maxLogLines: logTail });
  }

  /** Vertex digests in the order they were first seen. */
  get order(): string[] {
    return this.table.order.map((v) => v.digest);
  }

  vertex(digest: string): VertexInfo | undefined {
    return this.table.get(digest);
  }

  update(s: SolveStatus): BuildEvent[] {
    const events: BuildEvent[] = [];
    for (const v of s.vertexes) this.vertexEvents(this.table.vertex(v), events);
    for (const st of s.statuses) {
      events.push({ type: "status", status: st, vertexName: this.table.status(st)?.name ?? "" });
    }
    for (const l of s.logs) {
      const r = this.table.log(l);
      events.push({ type: "log", vertex: l.vertex, name: r?.name ?? "", stream: l.stream, data: l.data, timestamp: l.timestamp });
    }
    for (const w of s.warnings) {
      this.warnings.push(w);
      events.push({ type: "warning", warning: w, vertexName: this.table.get(w.vertex)?.name ?? "" });
    }
    return events;
  }

  /** A vertex's started event, then once its end: error, cached or completed. */
  private vertexEvents(r: VertexRecord, events: BuildEvent[]): void {
    let e = this.emitted.get(r.digest);
    if (!e) this.emitted.set(r.digest, (e = { started: false, done: false }));
    const cur = vertexInfo(r);
    if (cur.started && !e.started && !cur.cached) {
      e.started = true;
      events.push({ type: "vertex-started", vertex: cur });
    }
    if (e.done) return;
    if (cur.error) {
      e.done = true;
      const ev: BuildEvent = { type: "vertex-error", vertex: cur, error: cur.error };
      const code = exitCodeFromMessage(cur.error);
      if (code !== undefined) ev.exitCode = code;
      events.push(ev);
    } else if (cur.cached && (cur.completed || cur.started)) {
      e.done = true;
      events.push({ type: "vertex-cached", vertex: cur });
    } else if (cur.completed) {
      e.done = true;
      const dur = cur.started ? cur.completed.getTime() - cur.started.getTime() : 0;
      events.push({ type: "vertex-completed", vertex: cur, durationMs: Math.max(0, dur) });
    }
  }

  /** Last log lines of a vertex (including an unterminated last line). */
  logLines(digest: string): string[] {
    return this.table.logLines(digest);
  }

  /** The step that failed: the first errored vertex whose error is not a mere cancellation. */
  failedVertex(): VertexInfo | undefined {
    return this.table.failed();
  }

  /** Vertexes still running (started, not completed). */
  running(): VertexInfo[] {
    return this.table.running();
  }
}
