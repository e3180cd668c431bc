/**
 * Our own protobuf definitions of the BuildKit wire, written as .proto text.
 *
 * Only the messages and fields this driver uses are declared; unknown fields are skipped by the
 * decoder, so a newer daemon adding fields does not break us. Field numbers and types are facts of
 * the protocol (see /work/shared/notes/buildkit-wire.md); names follow upstream's spelling because
 * the loader runs with `keepCase`, so JS objects use exactly these names.
 *
 * Mirrors (by wire, not by text): moby/buildkit api/services/control/control.proto and
 * api/types/worker.proto (v0.13), session/filesync/filesync.proto, session/secrets/secrets.proto,
 * session/auth/auth.proto (Credentials only), containerd api/services/content/v1/content.proto
 * (served in the session for `type=local` cache exports and imports, see ../session/content.ts),
 * tonistiigi/fsutil types/{wire,stat}.proto, grpc health/v1/health.proto.
 */

export const CONTROL_PROTO = `
syntax = "proto3";
package moby.buildkit.v1;

import "google/protobuf/timestamp.proto";
import "worker.proto";
import "ops.proto";

service Control {
  rpc DiskUsage(DiskUsageRequest) returns (DiskUsageResponse);
  rpc Prune(PruneRequest) returns (stream UsageRecord);
  rpc Solve(SolveRequest) returns (SolveResponse);
  rpc Status(StatusRequest) returns (stream StatusResponse);
  rpc Session(stream BytesMessage) returns (stream BytesMessage);
  rpc ListWorkers(ListWorkersRequest) returns (ListWorkersResponse);
  rpc Info(InfoRequest) returns (InfoResponse);
  rpc ListenBuildHistory(BuildHistoryRequest) returns (stream BuildHistoryEvent);
}

message PruneRequest {
  repeated string filter = 1;
  bool all = 2;
  int64 keepDuration = 3;
  int64 keepBytes = 4;
}

message DiskUsageRequest {
  repeated string filter = 1;
}

message DiskUsageResponse {
  repeated UsageRecord record = 1;
}

message UsageRecord {
  string ID = 1;
  bool Mutable = 2;
  bool InUse = 3;
  int64 Size = 4;
  string Parent = 5;
  google.protobuf.Timestamp CreatedAt = 6;
  google.protobuf.Timestamp LastUsedAt = 7;
  int64 UsageCount = 8;
  string Description = 9;
  string RecordType = 10;
  bool Shared = 11;
  repeated string Parents = 12;
}

message SolveRequest {
  string Ref = 1;
  pb.Definition Definition = 2;
  string Exporter = 3;
  map<string, string> ExporterAttrs = 4;
  string Session = 5;
  string Frontend = 6;
  map<string, string> FrontendAttrs = 7;
  CacheOptions Cache = 8;
  repeated string Entitlements = 9;
  map<string, pb.Definition> FrontendInputs = 10;
  bool Internal = 11;
  repeated Exporter Exporters = 13;
}

message CacheOptions {
  string ExportRefDeprecated = 1;
  repeated string ImportRefsDeprecated = 2;
  map<string, string> ExportAttrsDeprecated = 3;
  repeated CacheOptionsEntry Exports = 4;
  repeated CacheOptionsEntry Imports = 5;
}

message CacheOptionsEntry {
  string Type = 1;
  map<string, string> Attrs = 2;
}

message Exporter {
  string Type = 1;
  map<string, string> Attrs = 2;
}

message SolveResponse {
  map<string, string> ExporterResponse = 1;
}

message StatusRequest {
  string Ref = 1;
}

// The daemon's record of a build (BuildKit 0.11+). Only what tells how a build ended.
message BuildHistoryRequest {
  bool ActiveOnly = 1;
  string Ref = 2;
  bool EarlyExit = 3;
}

enum BuildHistoryEventType {
  STARTED = 0;
  COMPLETE = 1;
  DELETED = 2;
}

message BuildHistoryEvent {
  BuildHistoryEventType type = 1;
  BuildHistoryRecord record = 2;
}

message BuildHistoryRecord {
  string Ref = 1;
  RpcStatus error = 5;
}

// google.rpc.Status by wire, without its details (those repeat the source of a Dockerfile).
message RpcStatus {
  int32 code = 1;
  string message = 2;
}

message StatusResponse {
  repeated Vertex vertexes = 1;
  repeated VertexStatus statuses = 2;
  repeated VertexLog logs = 3;
  repeated VertexWarning warnings = 4;
}

message Vertex {
  string digest = 1;
  repeated string inputs = 2;
  string name = 3;
  bool cached = 4;
  google.protobuf.Timestamp started = 5;
  google.protobuf.Timestamp completed = 6;
  string error = 7;
  pb.ProgressGroup progressGroup = 8;
}

message VertexStatus {
  string ID = 1;
  string vertex = 2;
  string name = 3;
  int64 current = 4;
  int64 total = 5;
  google.protobuf.Timestamp timestamp = 6;
  google.protobuf.Timestamp started = 7;
  google.protobuf.Timestamp completed = 8;
}

message VertexLog {
  string vertex = 1;
  google.protobuf.Timestamp timestamp = 2;
  int64 stream = 3;
  bytes msg = 4;
}

message VertexWarning {
  string vertex = 1;
  int64 level = 2;
  bytes short = 3;
  repeated bytes detail = 4;
  string url = 5;
}

message BytesMessage {
  bytes data = 1;
}

message ListWorkersRequest {
  repeated string filter = 1;
}

message ListWorkersResponse {
  repeated moby.buildkit.v1.types.WorkerRecord record = 1;
}

message InfoRequest {}

message InfoResponse {
  moby.buildkit.v1.types.BuildkitVersion buildkitVersion = 1;
}
`;

export const WORKER_PROTO = `
syntax = "proto3";
package moby.buildkit.v1.types;

import "ops.proto";

message WorkerRecord {
  string ID = 1;
  map<string, string> Labels = 2;
  repeated pb.Platform platforms = 3;
  repeated GCPolicy GCPolicy = 4;
  BuildkitVersion BuildkitVersion = 5;
}

message GCPolicy {
  bool all = 1;
  int64 keepDuration = 2;
  int64 keepBytes = 3;
  repeated string filters = 4;
}

message BuildkitVersion {
  string package = 1;
  string version = 2;
  string revision = 3;
}
`;

/** The few LLB messages the control API refers to (solver/pb/ops.proto). */
export const OPS_PROTO = `
syntax = "proto3";
package pb;

message Platform {
  string Architecture = 1;
  string OS = 2;
  string Variant = 3;
  string OSVersion = 4;
  repeated string OSFeatures = 5;
}

message Definition {
  repeated bytes def = 1;
}

message ProgressGroup {
  string id = 1;
  string name = 2;
  bool weak = 3;
}
`;

export const FSUTIL_PROTO = `
syntax = "proto3";
package fsutil.types;

enum PacketType {
  PACKET_STAT = 0;
  PACKET_REQ = 1;
  PACKET_DATA = 2;
  PACKET_FIN = 3;
  PACKET_ERR = 4;
}

message Packet {
  PacketType type = 1;
  Stat stat = 2;
  uint32 ID = 3;
  bytes data = 4;
}

message Stat {
  string path = 1;
  uint32 mode = 2;
  uint32 uid = 3;
  uint32 gid = 4;
  int64 size = 5;
  int64 modTime = 6;
  string linkname = 7;
  int64 devmajor = 8;
  int64 devminor = 9;
  map<string, bytes> xattrs = 10;
}
`;

export const FILESYNC_PROTO = `
syntax = "proto3";
package moby.filesync.v1;

import "fsutil.proto";

service FileSync {
  rpc DiffCopy(stream fsutil.types.Packet) returns (stream fsutil.types.Packet);
  rpc TarStream(stream fsutil.types.Packet) returns (stream fsutil.types.Packet);
}

service FileSend {
  rpc DiffCopy(stream BytesMessage) returns (stream BytesMessage);
}

message BytesMessage {
  bytes data = 1;
}
`;

export const SECRETS_PROTO = `
syntax = "proto3";
package moby.buildkit.secrets.v1;

service Secrets {
  rpc GetSecret(GetSecretRequest) returns (GetSecretResponse);
}

message GetSecretRequest {
  string ID = 1;
  map<string, string> annotations = 2;
}

message GetSecretResponse {
  bytes data = 1;
}
`;

export const AUTH_PROTO = `
syntax = "proto3";
package moby.filesync.v1;

service Auth {
  rpc Credentials(CredentialsRequest) returns (CredentialsResponse);
}

message CredentialsRequest {
  string Host = 1;
}

message CredentialsResponse {
  string Username = 1;
  string Secret = 2;
}
`;

export const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;

message HealthCheckRequest {
  string service = 1;
}

message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;
  }
  ServingStatus status = 1;
}

service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

export const CONTENT_PROTO = `
syntax = "proto3";
package containerd.services.content.v1;

import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/timestamp.proto";

service Content {
  rpc Info(InfoRequest) returns (InfoResponse);
  rpc Update(UpdateRequest) returns (UpdateResponse);
  rpc List(ListContentRequest) returns (stream ListContentResponse);
  rpc Delete(DeleteContentRequest) returns (google.protobuf.Empty);
  rpc Read(ReadContentRequest) returns (stream ReadContentResponse);
  rpc Status(StatusRequest) returns (StatusResponse);
  rpc ListStatuses(ListStatusesRequest) returns (ListStatusesResponse);
  rpc Write(stream WriteContentRequest) returns (stream WriteContentResponse);
  rpc Abort(AbortRequest) returns (google.protobuf.Empty);
}

message Info {
  string digest = 1;
  int64 size = 2;
  google.protobuf.Timestamp created_at = 3;
  google.protobuf.Timestamp updated_at = 4;
  map<string, string> labels = 5;
}

message InfoRequest {
  string digest = 1;
}

message InfoResponse {
  Info info = 1;
}

message UpdateRequest {
  Info info = 1;
  google.protobuf.FieldMask update_mask = 2;
}

message UpdateResponse {
  Info info = 1;
}

message ListContentRequest {
  repeated string filters = 1;
}

message ListContentResponse {
  repeated Info info = 1;
}

message DeleteContentRequest {
  string digest = 1;
}

message ReadContentRequest {
  string digest = 1;
  int64 offset = 2;
  int64 size = 3;
}

message ReadContentResponse {
  int64 offset = 1;
  bytes data = 2;
}

message Status {
  google.protobuf.Timestamp started_at = 1;
  google.protobuf.Timestamp updated_at = 2;
  string ref = 3;
  int64 offset = 4;
  int64 total = 5;
  string expected = 6;
}

message StatusRequest {
  string ref = 1;
}

message StatusResponse {
  Status status = 1;
}

message ListStatusesRequest {
  repeated string filters = 1;
}

message ListStatusesResponse {
  repeated Status statuses = 1;
}

enum WriteAction {
  STAT = 0;
  WRITE = 1;
  COMMIT = 2;
}

message WriteContentRequest {
  WriteAction action = 1;
  string ref = 2;
  int64 total = 3;
  string expected = 4;
  int64 offset = 5;
  bytes data = 6;
  map<string, string> labels = 7;
}

message WriteContentResponse {
  WriteAction action = 1;
  google.protobuf.Timestamp started_at = 2;
  google.protobuf.Timestamp updated_at = 3;
  int64 offset = 4;
  int64 total = 5;
  string digest = 6;
}

message AbortRequest {
  string ref = 1;
}
`;

/** The files the loader and scripts/wire-types.mjs start from (the others are their imports). */
export const ENTRY_PROTOS: readonly string[] = ["control.proto", "filesync.proto", "secrets.proto", "auth.proto", "health.proto", "content.proto"];

/** File name → text, as the loader lays them out (imports refer to these names). */
export const PROTO_FILES: Readonly<Record<string, string>> = {
  "control.proto": CONTROL_PROTO,
  "worker.proto": WORKER_PROTO,
  "ops.proto": OPS_PROTO,
  "fsutil.proto": FSUTIL_PROTO,
  "filesync.proto": FILESYNC_PROTO,
  "secrets.proto": SECRETS_PROTO,
  "auth.proto": AUTH_PROTO,
  "health.proto": HEALTH_PROTO,
  "content.proto": CONTENT_PROTO,
};
