/**
 * The one vertex model: BuildKit's vertexes as a build's Status stream describes them, merged
 * across updates, numbered in order of appearance (`#N`, as docker prints them), with their
 * sub-statuses and the last lines of their logs. The driver's StatusTracker (events, the failing
 * step and its log) and the progress displays' ProgressModel both keep one. Pure logic, no I/O.
 */
import type { VertexInfo, VertexLogInfo, VertexStatusInfo } from "./solve-status.js";

/** A vertex with everything seen of it so far. */
export interface VertexRecord extends VertexInfo {
  /** 1 for the first vertex seen, 2 for the next, ... */
  index: number;
  /** What a display shows: the name as the table's `title` option turns it (default: the name). */
  title: string;
  statuses: Map<string, VertexStatusInfo>;
  /** The last complete log lines (at most the table's maxLogLines) with their timestamps. */
  logs: Array<{ at: Date; line: string }>;
  /** How many complete log lines were received in all (`logs` holds the last of them). */
  logTotal: number;
  /** The log's unterminated last line. */
  partialLog: string;
  partialAt?: Date;
}

export interface VertexTableOptions {
  /** How many complete log lines each vertex keeps. */
  maxLogLines: number;
  /** A vertex's title from its name (a display's step names). */
  title?: (name: string) => string;
  /**
   * Whether a status or log line of a vertex not seen yet creates it (named by its digest), as a
   * display wants; otherwise it is left out of the table.
   */
  adoptUnknown?: boolean;
}

const CANCELLED = /canceled/i;

export class VertexTable {
  private readonly byDigest = new Map<string, VertexRecord>();
  /** The vertexes in order of appearance. */
  readonly order: VertexRecord[] = [];
  private readonly titleOf: (name: string) => string;

  constructor(private readonly opts: VertexTableOptions) {
    this.titleOf = opts.title ?? ((n) => n);
  }

  get(digest: string): VertexRecord | undefined {
    return this.byDigest.get(digest);
  }

  private create(digest: string, name: string): VertexRecord {
    const r: VertexRecord = {
      index: this.order.length + 1,
      digest,
      name,
      title: this.titleOf(name),
      inputs: [],
      cached: false,
      statuses: new Map(),
      logs: [],
      logTotal: 0,
      partialLog: "",
    };
    this.byDigest.set(digest, r);
    this.order.push(r);
    return r;
  }

  /** Merges a vertex update (what it carries replaces what was known) and returns its record. */
  vertex(v: VertexInfo): VertexRecord {
    const r = this.byDigest.get(v.digest) ?? this.create(v.digest, v.name);
    if (v.name && v.name !== r.name) {
      r.name = v.name;
      r.title = this.titleOf(v.name);
    }
    r.inputs = v.inputs;
    r.cached = v.cached;
    if (v.started) r.started = v.started;
    if (v.completed) r.completed = v.completed;
    if (v.error) r.error = v.error;
    if (v.progressGroup) r.progressGroup = v.progressGroup;
    return r;
  }

  /** Records a sub-status (a pull's layer, a transfer); undefined when its vertex is unknown and not adopted. */
  status(s: VertexStatusInfo): VertexRecord | undefined {
    const r = this.byDigest.get(s.vertex) ?? (this.opts.adoptUnknown ? this.create(s.vertex, s.vertex) : undefined);
    r?.statuses.set(s.id, s);
    return r;
  }

  /** Appends log output, split into lines; undefined when its vertex is unknown and not adopted. */
  log(l: VertexLogInfo): VertexRecord | undefined {
    const r = this.byDigest.get(l.vertex) ?? (this.opts.adoptUnknown ? this.create(l.vertex, l.vertex) : undefined);
    if (!r) return undefined;
    const parts = (r.partialLog + l.data.toString("utf8")).split(/\r?\n/);
    r.partialLog = parts.pop() ?? "";
    r.partialAt = l.timestamp;
    for (const line of parts) r.logs.push({ at: l.timestamp, line });
    r.logTotal += parts.length;
    if (r.logs.length > this.opts.maxLogLines) r.logs.splice(0, r.logs.length - this.opts.maxLogLines);
    return r;
  }

  /** The last `n` log lines of a vertex, its unterminated last line included. */
  logLines(digest: string, n = this.opts.maxLogLines): string[] {
    const r = this.byDigest.get(digest);
    if (!r) return [];
    return [...r.logs.map((l) => l.line), ...(r.partialLog ? [r.partialLog] : [])].slice(-n);
  }

  /** The step that failed: the first errored vertex whose error is not a mere cancellation, else the first errored. */
  failed(): VertexRecord | undefined {
    return this.order.find((v) => v.error && !CANCELLED.test(v.error)) ?? this.order.find((v) => v.error);
  }

  /** Vertexes still running (started, not completed). */
  running(): VertexRecord[] {
    return this.order.filter((v) => v.started && !v.completed);
  }
}

/** The vertex as the driver's events carry it: a snapshot, without the table's bookkeeping. */
export function vertexInfo(r: VertexRecord): VertexInfo {
  const out: VertexInfo = { digest: r.digest, name: r.name, inputs: r.inputs, cached: r.cached };
  if (r.started) out.started = r.started;
  if (r.completed) out.completed = r.completed;
  if (r.error) out.error = r.error;
  if (r.progressGroup) out.progressGroup = r.progressGroup;
  return out;
}
