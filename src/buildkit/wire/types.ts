/**
 * TypeScript shapes of the wire messages in ./protos.ts, as @grpc/proto-loader decodes them
 * (keepCase, longs as strings, enums as numbers, bytes as Buffer, defaults filled in).
 * When encoding, int64 fields also accept numbers and optional fields may be omitted.
 *
 * Mirrors moby/buildkit v0.13 api/services/control/control.proto, api/types/worker.proto,
 * tonistiigi/fsutil types/wire.proto + stat.proto.
 */

/** A google.protobuf.Timestamp as decoded. */
export interface WireTimestamp {
  seconds: string | number;
  nanos: number;
}

export interface WirePlatform {
  Architecture: string;
  OS: string;
  Variant: string;
  OSVersion?: string;
  OSFeatures?: string[];
}

export interface WireGCPolicy {
  all: boolean;
  keepDuration: string;
  keepBytes: string;
  filters: string[];
}

export interface WireBuildkitVersion {
  package: string;
  version: string;
  revision: string;
}

export interface WireWorkerRecord {
  ID: string;
  Labels: Record<string, string>;
  platforms: WirePlatform[];
  GCPolicy: WireGCPolicy[];
  BuildkitVersion: WireBuildkitVersion | null;
}

export interface WireUsageRecord {
  ID: string;
  Mutable: boolean;
  InUse: boolean;
  Size: string;
  Parent: string;
  CreatedAt: WireTimestamp | null;
  LastUsedAt: WireTimestamp | null;
  UsageCount: string;
  Description: string;
  RecordType: string;
  Shared: boolean;
  Parents: string[];
}

export interface WireExporter {
  Type: string;
  Attrs: Record<string, string>;
}

export interface WireCacheOptionsEntry {
  Type: string;
  Attrs: Record<string, string>;
}

export interface WireSolveRequest {
  Ref: string;
  Exporter?: string;
  ExporterAttrs?: Record<string, string>;
  Session: string;
  Frontend: string;
  FrontendAttrs: Record<string, string>;
  Cache?: { Exports: WireCacheOptionsEntry[]; Imports: WireCacheOptionsEntry[] };
  Entitlements?: string[];
  Exporters?: WireExporter[];
}

export interface WireSolveResponse {
  ExporterResponse: Record<string, string>;
}

/** moby.buildkit.v1.BuildHistoryEvent, as far as declared (a build's record: how it ended). */
export interface WireBuildHistoryEvent {
  /** BuildHistoryEventType: 0 STARTED, 1 COMPLETE, 2 DELETED. */
  type: number;
  record: { Ref: string; error: { code: number; message: string } | null } | null;
}

export interface WireVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started: WireTimestamp | null;
  completed: WireTimestamp | null;
  error: string;
  progressGroup: { id: string; name: string; weak: boolean } | null;
}

export interface WireVertexStatus {
  ID: string;
  vertex: string;
  name: string;
  current: string;
  total: string;
  timestamp: WireTimestamp | null;
  started: WireTimestamp | null;
  completed: WireTimestamp | null;
}

export interface WireVertexLog {
  vertex: string;
  timestamp: WireTimestamp | null;
  stream: string;
  msg: Buffer;
}

export interface WireVertexWarning {
  vertex: string;
  level: string;
  short: Buffer;
  detail: Buffer[];
  url: string;
}

export interface WireStatusResponse {
  vertexes: WireVertex[];
  statuses: WireVertexStatus[];
  logs: WireVertexLog[];
  warnings: WireVertexWarning[];
}

export interface WireBytesMessage {
  data: Buffer;
}

/** fsutil.types.PacketType */
export const PacketType = {
  STAT: 0,
  REQ: 1,
  DATA: 2,
  FIN: 3,
  ERR: 4,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** fsutil.types.Stat; `mode` is Go's os.FileMode, `modTime` Unix nanoseconds. */
export interface WireStat {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: string | number;
  modTime: string | number;
  linkname: string;
  devmajor: string | number;
  devminor: string | number;
  xattrs: Record<string, Buffer>;
}

export interface WirePacket {
  type: number;
  stat: WireStat | null;
  ID: number;
  data: Buffer;
}

/**
 * containerd.services.content.v1 (containerd api/services/content/v1/content.proto, 1.6+): the
 * content store a session offers the daemon for `type=local` cache exports and imports.
 */
export const WriteAction = { STAT: 0, WRITE: 1, COMMIT: 2 } as const;

export interface WireContentInfo {
  digest: string;
  size: string | number;
  created_at?: WireTimestamp | null;
  updated_at?: WireTimestamp | null;
  labels?: Record<string, string>;
}

export interface WireContentStatus {
  started_at?: WireTimestamp | null;
  updated_at?: WireTimestamp | null;
  ref: string;
  offset: string | number;
  total: string | number;
  expected: string;
}

export interface WireWriteContentRequest {
  action: number;
  ref: string;
  total: string | number;
  expected: string;
  offset: string | number;
  data: Buffer;
  labels: Record<string, string>;
}

export interface WireWriteContentResponse {
  action: number;
  started_at?: WireTimestamp | null;
  updated_at?: WireTimestamp | null;
  offset: string | number;
  total: string | number;
  digest: string;
}
