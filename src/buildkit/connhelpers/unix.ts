/** `unix:///run/buildkit/buildkitd.sock`: buildkitd's own socket. */
import { createConnection } from "node:net";

import * as grpc from "@grpc/grpc-js";

import { BuildKitError } from "../errors.js";
import { connected, probeUnixSocket } from "./sockets.js";
import { CHANNEL_OPTIONS, type Transport } from "./transport.js";

export async function unixHelper(url: URL): Promise<Transport> {
  const path = decodeURIComponent(url.pathname);
  if (!path) throw new BuildKitError("UNSUPPORTED_ADDRESS", `unix address without a path: ${url.href}`);
  try {
    await probeUnixSocket(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === "ENOENT"
        ? "no such socket"
        : e.code === "ECONNREFUSED"
          ? "nothing is listening"
          : e.code === "EACCES"
            ? "permission denied"
            : "cannot connect";
    throw new BuildKitError("CONNECT", `cannot connect to buildkitd at unix://${path}: ${why} (${e.code ?? e.message})`, { cause: err });
  }
  return {
    target: `unix://${path}`,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS },
    description: `buildkitd at unix://${path}`,
    lastError: () => undefined,
    dialSession: () => connected(createConnection({ path })),
    close: async () => {},
  };
}
