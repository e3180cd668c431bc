/**
 * `docker://`, `docker:///path/to/docker.sock`, `docker://host:2375`: the BuildKit inside Docker
 * Engine, via `POST /grpc` upgraded to h2c (bridged, see ../bridge.ts).
 */
import type http from "node:http";
import type https from "node:https";

import * as grpc from "@grpc/grpc-js";
import Docker from "dockerode";

import { startBridge, type Dialer } from "../bridge.js";
import { imageStoreFromInfo } from "../cache-export-support.js";
import { BuildKitError } from "../errors.js";
import { upgradeToGrpc, upgradeToSession } from "./h2c-upgrade.js";
import { CHANNEL_OPTIONS, type ConnectOptions, type Transport } from "./transport.js";

interface ModemLike {
  socketPath?: unknown;
  host?: string;
  port?: string | number;
  protocol?: string;
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, string>;
  getSocketPath?: () => Promise<string> | undefined;
}

function dockerFor(url: URL, options: ConnectOptions): Docker {
  if (url.host) {
    return new Docker({ host: url.hostname, port: url.port || 2375, protocol: "http" });
  }
  if (url.pathname && url.pathname !== "/") return new Docker({ socketPath: decodeURIComponent(url.pathname) });
  return options.docker ?? new Docker();
}

async function engineEndpoint(modem: ModemLike): Promise<{ description: string; request: http.RequestOptions; tls: boolean }> {
  const socketPath = modem.getSocketPath ? await modem.getSocketPath() : undefined;
  if (typeof socketPath === "string" && socketPath) {
    return { description: `unix://${socketPath}`, request: { socketPath }, tls: false };
  }
  if (modem.protocol === "ssh") {
    throw new BuildKitError("UNSUPPORTED_ADDRESS", "ssh:// Docker hosts are not supported; use a unix or tcp DOCKER_HOST");
  }
  const tls = modem.protocol === "https";
  const request: https.RequestOptions = { host: modem.host, port: modem.port };
  if (tls) {
    if (modem.ca !== undefined) request.ca = modem.ca as https.RequestOptions["ca"];
    if (modem.cert !== undefined) request.cert = modem.cert;
    if (modem.key !== undefined) request.key = modem.key;
  }
  return { description: `${tls ? "https" : "tcp"}://${modem.host}:${modem.port}`, request, tls };
}

export async function dockerHelper(url: URL, options: ConnectOptions): Promise<Transport> {
  const docker = dockerFor(url, options);
  const endpoint = await engineEndpoint(docker.modem as unknown as ModemLike);
  const headers = (docker.modem as unknown as ModemLike).headers ?? {};
  const dial: Dialer = () => upgradeToGrpc(endpoint, headers);
  const bridge = await startBridge(dial, `docker ${endpoint.description}`);
  return {
    target: bridge.target,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS, "grpc.default_authority": "localhost" },
    description: `Docker Engine at ${endpoint.description}`,
    lastError: () => bridge.lastError,
    dialSession: () => upgradeToGrpc(endpoint, headers),
    openEngineSession: (sessionHeaders) => upgradeToSession(endpoint, sessionHeaders, headers),
    engine: async () => {
      const v = await docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
    },
    imageStore: async () => imageStoreFromInfo((await docker.info()) as { Driver?: unknown; DriverStatus?: unknown }),
    close: () => bridge.close(),
  };
}
