/**
 * The wire messages under the names the driver uses: aliases of the types generated from
 * ./protos.ts into ./generated/ (`npm run wire:types`, scripts/wire-types.mjs). `WireX` is the
 * decoded form (proto-loader's `__Output`: keepCase, longs as strings, enums as numbers, bytes as
 * Buffer, defaults filled in); `WireXIn` the form accepted when encoding (optional fields, int64 as
 * number or string).
 */
import type { Timestamp, Timestamp__Output } from "./generated/google/protobuf/Timestamp.js";
import type { Platform__Output } from "./generated/pb/Platform.js";
import type { GCPolicy__Output } from "./generated/moby/buildkit/v1/types/GCPolicy.js";
import type { BuildkitVersion__Output } from "./generated/moby/buildkit/v1/types/BuildkitVersion.js";
import type { WorkerRecord__Output } from "./generated/moby/buildkit/v1/types/WorkerRecord.js";
import type { UsageRecord__Output } from "./generated/moby/buildkit/v1/UsageRecord.js";
import type { Exporter } from "./generated/moby/buildkit/v1/Exporter.js";
import type { CacheOptionsEntry } from "./generated/moby/buildkit/v1/CacheOptionsEntry.js";
import type { SolveRequest } from "./generated/moby/buildkit/v1/SolveRequest.js";
import type { SolveResponse__Output } from "./generated/moby/buildkit/v1/SolveResponse.js";
import type { BuildHistoryEvent__Output } from "./generated/moby/buildkit/v1/BuildHistoryEvent.js";
import type { Vertex__Output } from "./generated/moby/buildkit/v1/Vertex.js";
import type { VertexStatus__Output } from "./generated/moby/buildkit/v1/VertexStatus.js";
import type { VertexLog__Output } from "./generated/moby/buildkit/v1/VertexLog.js";
import type { VertexWarning__Output } from "./generated/moby/buildkit/v1/VertexWarning.js";
import type { StatusResponse__Output } from "./generated/moby/buildkit/v1/StatusResponse.js";
import type { BytesMessage__Output } from "./generated/moby/filesync/v1/BytesMessage.js";
import type { Packet, Packet__Output } from "./generated/fsutil/types/Packet.js";
import type { Stat, Stat__Output } from "./generated/fsutil/types/Stat.js";
import type { Info } from "./generated/containerd/services/content/v1/Info.js";
import type { Status } from "./generated/containerd/services/content/v1/Status.js";
import type { WriteContentRequest__Output } from "./generated/containerd/services/content/v1/WriteContentRequest.js";
import type { WriteContentResponse } from "./generated/containerd/services/content/v1/WriteContentResponse.js";

/** A google.protobuf.Timestamp as decoded. */
export type WireTimestamp = Timestamp__Output;
export type WireTimestampIn = Timestamp;
export type WirePlatform = Platform__Output;
export type WireGCPolicy = GCPolicy__Output;
export type WireBuildkitVersion = BuildkitVersion__Output;
export type WireWorkerRecord = WorkerRecord__Output;
export type WireUsageRecord = UsageRecord__Output;
export type WireExporter = Exporter;
export type WireCacheOptionsEntry = CacheOptionsEntry;
/** A SolveRequest as the driver sends it: these fields always set. */
export type WireSolveRequest = SolveRequest & Required<Pick<SolveRequest, "Ref" | "Session" | "Frontend" | "FrontendAttrs">>;
export type WireSolveResponse = SolveResponse__Output;
/** moby.buildkit.v1.BuildHistoryEvent, as far as declared (a build's record: how it ended). */
export type WireBuildHistoryEvent = BuildHistoryEvent__Output;
export type WireVertex = Vertex__Output;
export type WireVertexStatus = VertexStatus__Output;
export type WireVertexLog = VertexLog__Output;
export type WireVertexWarning = VertexWarning__Output;
export type WireStatusResponse = StatusResponse__Output;
export type WireBytesMessage = BytesMessage__Output;

/** fsutil.types.PacketType, by the short names the driver uses. */
export const PacketType = {
  STAT: 0,
  REQ: 1,
  DATA: 2,
  FIN: 3,
  ERR: 4,
} as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** fsutil.types.Stat; `mode` is Go's os.FileMode, `modTime` Unix nanoseconds. */
export type WireStat = Stat__Output;
export type WireStatIn = Stat;
/**
 * A decoded Packet. Its `type` stays a number: proto3 enums are open, a daemon may send a value we
 * do not know, and the receivers refuse it by number.
 */
export type WirePacket = Omit<Packet__Output, "type"> & { type: number };
export type WirePacketIn = Omit<Packet, "type"> & { type?: number };

/**
 * containerd.services.content.v1 (containerd api/services/content/v1/content.proto, 1.6+): the
 * content store a session offers the daemon for `type=local` cache exports and imports.
 */
export const WriteAction = { STAT: 0, WRITE: 1, COMMIT: 2 } as const;

export type WireContentInfo = Info;
export type WireContentStatus = Status;
export type WireWriteContentRequest = WriteContentRequest__Output;
export type WireWriteContentResponse = WriteContentResponse;
