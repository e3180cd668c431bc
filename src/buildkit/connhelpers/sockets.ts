/** Sockets shared by the helpers: a probe of a unix socket, a connected socket as a Duplex. */
import { createConnection, type Socket } from "node:net";
import type { Duplex } from "node:stream";

/**
 * Opens and closes one connection to a unix socket: grpc-js only reports "failed to connect
 * before the deadline" after waiting out the whole connect timeout, while the socket itself says
 * at once why it cannot be reached (ENOENT, ECONNREFUSED, EACCES, ENOTSOCK...).
 */
export function probeUnixSocket(path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sock = createConnection({ path });
    sock.once("connect", () => {
      sock.destroy();
      resolve();
    });
    sock.once("error", (err) => {
      sock.destroy();
      reject(err);
    });
  });
}

/** Resolves with the socket once it is connected (or TLS-established). */
export function connected<S extends Socket>(sock: S, event: "connect" | "secureConnect" = "connect"): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    sock.once(event, () => {
      sock.off("error", reject);
      sock.setNoDelay?.(true);
      resolve(sock);
    });
    sock.once("error", reject);
  });
}
