/** `tcp://host:1234`: buildkitd over TCP, with (m)TLS when any TLS file or a server name is given. */
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import tls from "node:tls";

import * as grpc from "@grpc/grpc-js";

import { BuildKitError } from "../errors.js";
import { connected } from "./sockets.js";
import { CHANNEL_OPTIONS, type ConnectOptions, type Transport } from "./transport.js";

function pem(v: Buffer | string | undefined): Buffer | null {
  if (v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (v.includes("-----BEGIN")) return Buffer.from(v);
  return readFileSync(v);
}

export async function tcpHelper(url: URL, options: ConnectOptions): Promise<Transport> {
  if (!url.hostname || !url.port) {
    throw new BuildKitError("UNSUPPORTED_ADDRESS", `tcp address needs host:port: ${url.href}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const target = `${url.hostname}:${url.port}`;
  const tls_ = options.tls ?? {};
  const useTls = tls_.ca !== undefined || tls_.cert !== undefined || tls_.key !== undefined || tls_.servername !== undefined;
  const channelOptions: grpc.ChannelOptions = { ...CHANNEL_OPTIONS };
  let credentials = grpc.credentials.createInsecure();
  if (useTls) {
    credentials = grpc.credentials.createSsl(pem(tls_.ca), pem(tls_.key), pem(tls_.cert));
    if (tls_.servername) {
      channelOptions["grpc.ssl_target_name_override"] = tls_.servername;
      channelOptions["grpc.default_authority"] = tls_.servername;
    }
  }
  const port = Number(url.port);
  return {
    target,
    credentials,
    channelOptions,
    description: `buildkitd at tcp://${host}:${url.port}${useTls ? " (TLS)" : ""}`,
    lastError: () => undefined,
    dialSession: () =>
      useTls
        ? connected(
            tls.connect({
              host,
              port,
              ALPNProtocols: ["h2"],
              servername: tls_.servername ?? host,
              ...(pem(tls_.ca) ? { ca: pem(tls_.ca)! } : {}),
              ...(pem(tls_.cert) ? { cert: pem(tls_.cert)! } : {}),
              ...(pem(tls_.key) ? { key: pem(tls_.key)! } : {}),
            }),
            "secureConnect",
          )
        : connected(createConnection({ host, port })),
    close: async () => {},
  };
}
