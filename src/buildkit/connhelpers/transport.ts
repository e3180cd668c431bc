/** What a connection helper is given and what it produces: something grpc-js can dial. */
import type { Duplex } from "node:stream";

import type * as grpc from "@grpc/grpc-js";
import type Docker from "dockerode";

import type { EngineInfo } from "../capabilities.js";
import type { EngineImageStore } from "../cache-export-support.js";

export interface TlsOptions {
  /** CA certificate(s): PEM contents, or a path to a PEM file. */
  ca?: Buffer | string;
  /** Client certificate for mTLS: PEM contents or a path. */
  cert?: Buffer | string;
  /** Client key for mTLS: PEM contents or a path. */
  key?: Buffer | string;
  /** Server name to verify (and send as SNI/authority) instead of the host name. */
  servername?: string;
}

export interface ConnectOptions {
  /** TLS settings for `tcp://` addresses (TLS is used when any of these is set). */
  tls?: TlsOptions;
  /** Dockerode instance for `docker://` and `docker-container://` (default: from DOCKER_HOST). */
  docker?: Docker;
  /** How long to wait for the daemon to answer (default 20 s). */
  connectTimeoutMs?: number;
  /** Environment to read BUILDKIT_HOST / DOCKER_HOST from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What a helper produces: something grpc-js can dial. */
export interface Transport {
  target: string;
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  /** Human-readable description for messages (`docker engine at unix:///var/run/docker.sock`). */
  description: string;
  /** Last failure of the underlying dialer, when grpc-js cannot know it. */
  lastError(): Error | undefined;
  /**
   * A fresh raw connection to the daemon's gRPC endpoint (HTTP/2 not started). When present, the
   * session runs on a connection of its own with Node's HTTP/2 client (./session/rawstream.ts)
   * instead of a grpc-js call: fewer copies of every uploaded and exported byte.
   */
  dialSession?(): Promise<Duplex>;
  /**
   * Docker Engine only: the session's own connection through the engine's `POST /session`
   * (see upgradeToSession); the returned socket is the session's HTTP/2 connection, served as is.
   */
  openEngineSession?(sessionHeaders: Record<string, string | string[]>): Promise<Duplex>;
  /** Docker Engine's own version, for BuildKit inside Docker Engine (`docker://`). */
  engine?(): Promise<EngineInfo | undefined>;
  /** Docker Engine's image store (`GET /info`): whether its BuildKit can export a cache. */
  imageStore?(): Promise<EngineImageStore>;
  close(): Promise<void>;
}

export type ConnectionHelper = (address: URL, options: ConnectOptions) => Promise<Transport>;

/** Channel options shared by all transports. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  // Larger HTTP/2 receive windows: exports and logs stream from the daemon to us, and the
  // 64 KiB default stalls them behind round trips through the bridge.
  "grpc-node.flow_control_window": 16 * 1024 * 1024,
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_permit_without_calls": 0,
};
