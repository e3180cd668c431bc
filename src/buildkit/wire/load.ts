/**
 * Loads ./protos.ts into gRPC service definitions, typed by ./generated/ (scripts/wire-types.mjs:
 * proto-loader-gen-types over the same definitions, with the same options as LOADER_OPTIONS).
 *
 * @grpc/proto-loader only reads .proto files from disk, and the definitions live in this module as
 * strings (so they ship inside dist/ without a copy step), so the loader writes them once into a
 * private temporary directory, loads them with `keepCase`, and removes the directory again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import { ENTRY_PROTOS, PROTO_FILES } from "./protos.js";
import type { ProtoGrpcType as AuthProto } from "./generated/auth.js";
import type { ProtoGrpcType as ContentProto } from "./generated/content.js";
import type { ProtoGrpcType as ControlProto } from "./generated/control.js";
import type { ProtoGrpcType as FileSyncProto } from "./generated/filesync.js";
import type { ProtoGrpcType as HealthProto } from "./generated/health.js";
import type { ProtoGrpcType as SecretsProto } from "./generated/secrets.js";
import type { ControlClient, ControlDefinition } from "./generated/moby/buildkit/v1/Control.js";
import type { FileSendDefinition } from "./generated/moby/filesync/v1/FileSend.js";
import type { FileSyncDefinition } from "./generated/moby/filesync/v1/FileSync.js";
import type { AuthDefinition } from "./generated/moby/filesync/v1/Auth.js";
import type { SecretsDefinition } from "./generated/moby/buildkit/secrets/v1/Secrets.js";
import type { HealthDefinition } from "./generated/grpc/health/v1/Health.js";
import type { ContentDefinition } from "./generated/containerd/services/content/v1/Content.js";
import type { Packet } from "./generated/fsutil/types/Packet.js";
import type { WireBytesMessage, WirePacket, WirePacketIn } from "./types.js";

export type { ControlClient };

export interface Codec<In, Out = In> {
  encode(value: In): Buffer;
  decode(bytes: Buffer): Out;
}

/** All the packages of ENTRY_PROTOS, as grpc.loadPackageDefinition lays them out. */
type Packages = ControlProto & FileSyncProto & SecretsProto & AuthProto & HealthProto & ContentProto;

export interface Wire {
  /** Client constructor for moby.buildkit.v1.Control. */
  Control: (new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => ControlClient) & {
    service: ControlDefinition;
  };
  /** Server-side definitions of the session services. */
  FileSync: FileSyncDefinition;
  FileSend: FileSendDefinition;
  Secrets: SecretsDefinition;
  Auth: AuthDefinition;
  Health: HealthDefinition;
  /** containerd.services.content.v1.Content (the session's content stores for local caches). */
  Content: ContentDefinition;
  /** fsutil.types.Packet, for the local exporter that rides on FileSend's byte messages. */
  packet: Codec<WirePacketIn, WirePacket>;
  /** moby.filesync.v1.BytesMessage. */
  bytesMessage: Codec<WireBytesMessage>;
}

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
};

let cached: Wire | undefined;

function loadDefinitions(): protoLoader.PackageDefinition {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-proto-"));
  try {
    for (const [name, text] of Object.entries(PROTO_FILES)) writeFileSync(join(dir, name), text);
    return protoLoader.loadSync(
      ENTRY_PROTOS.map((f) => join(dir, f)),
      { ...LOADER_OPTIONS, includeDirs: [dir] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The loaded wire definitions (loaded once per process). */
export function wire(): Wire {
  if (cached) return cached;
  // The one place the loader's untyped object meets the generated types (their documented use).
  const pkgs = grpc.loadPackageDefinition(loadDefinitions()) as unknown as Packages;
  const { FileSync, FileSend, Auth } = pkgs.moby.filesync.v1;
  const diffCopy = FileSync.service.DiffCopy;
  const sendCopy = FileSend.service.DiffCopy;
  cached = {
    Control: pkgs.moby.buildkit.v1.Control,
    FileSync: FileSync.service,
    FileSend: FileSend.service,
    Secrets: pkgs.moby.buildkit.secrets.v1.Secrets.service,
    Auth: Auth.service,
    Health: pkgs.grpc.health.v1.Health.service,
    Content: pkgs.containerd.services.content.v1.Content.service,
    // `type` is an open enum (see WirePacket): any number encodes.
    packet: { encode: (v) => diffCopy.requestSerialize(v as Packet), decode: (b) => diffCopy.requestDeserialize(b) },
    bytesMessage: { encode: (v) => sendCopy.requestSerialize(v), decode: (b) => sendCopy.requestDeserialize(b) },
  };
  return cached;
}
