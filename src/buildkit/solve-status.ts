/** A build's status as plain objects (mirrors BuildKit's client.SolveStatus): what ./status.ts makes of the wire. */

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
