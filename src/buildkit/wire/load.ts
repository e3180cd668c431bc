/**
 * Loads ./protos.ts into gRPC service definitions.
 *
 * @grpc/proto-loader only reads .proto files from disk, and the definitions live in this module as
 * strings (so they ship inside dist/ without a copy step), so the loader writes them once into a
 * private temporary directory, loads them with `keepCase`, and removes the directory again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { PROTO_FILES } from './protos.js';
import type { WireBytesMessage, WirePacket } from './types.js';

export interface Codec<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

export interface Wire {
  /** Client constructor for moby.buildkit.v1.Control. */
  Control: grpc.ServiceClientConstructor;
  /** Server-side definitions of the session services. */
  FileSync: grpc.ServiceDefinition;
  FileSend: grpc.ServiceDefinition;
  Secrets: grpc.ServiceDefinition;
  Auth: grpc.ServiceDefinition;
  Health: grpc.ServiceDefinition;
  /** containerd.services.content.v1.Content (the session's content stores for local caches). */
  Content: grpc.ServiceDefinition;
  /** fsutil.types.Packet, for the local exporter that rides on FileSend's byte messages. */
  packet: Codec<WirePacket>;
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

/** The loaded wire definitions (loaded once per process). */
export function wire(): Wire {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'lfs-docker-proto-'));
  let def: protoLoader.PackageDefinition;
  try {
    for (const [name, text] of Object.entries(PROTO_FILES)) writeFileSync(join(dir, name), text);
    def = protoLoader.loadSync(
      ['control.proto', 'filesync.proto', 'secrets.proto', 'auth.proto', 'health.proto', 'content.proto'].map((f) => join(dir, f)),
      { ...LOADER_OPTIONS, includeDirs: [dir] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const grpcObject = grpc.loadPackageDefinition(def);
  const service = (name: string): grpc.ServiceDefinition => {
    const d = def[name];
    if (!d || typeof d !== 'object' || !('DiffCopy' in d || 'Check' in d || 'GetSecret' in d || 'Credentials' in d || 'Write' in d)) {
      throw new Error(`wire: service ${name} missing from the definitions`);
    }
    return d as grpc.ServiceDefinition;
  };
  const control = (grpcObject['moby'] as grpc.GrpcObject)['buildkit'] as grpc.GrpcObject;
  const Control = (control['v1'] as grpc.GrpcObject)['Control'] as grpc.ServiceClientConstructor;
  const FileSync = service('moby.filesync.v1.FileSync');
  const FileSend = service('moby.filesync.v1.FileSend');
  const diffCopy = FileSync['DiffCopy'] as grpc.MethodDefinition<WirePacket, WirePacket>;
  const sendCopy = FileSend['DiffCopy'] as grpc.MethodDefinition<WireBytesMessage, WireBytesMessage>;
  cached = {
    Control,
    FileSync,
    FileSend,
    Secrets: service('moby.buildkit.secrets.v1.Secrets'),
    Auth: service('moby.filesync.v1.Auth'),
    Health: service('grpc.health.v1.Health'),
    Content: service('containerd.services.content.v1.Content'),
    packet: { encode: (v) => diffCopy.requestSerialize(v), decode: (b) => diffCopy.requestDeserialize(b) },
    bytesMessage: {
      encode: (v) => sendCopy.requestSerialize(v),
      decode: (b) => sendCopy.requestDeserialize(b),
    },
  };
  return cached;
}
