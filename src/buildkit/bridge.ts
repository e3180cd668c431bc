/**
 * A per-connection local unix-socket bridge, so grpc-js can talk over streams it cannot dial.
 *
 * grpc-js only dials addresses itself (dns:, ipv4:, unix:); it has no hook for "use this socket".
 * Two ways around that were weighed:
 *  - `http2.connect(..., {createConnection})` plus hand-written gRPC framing, status and trailer
 *    handling, deadlines and cancellation: a second, smaller gRPC client to maintain.
 *  - a unix socket in a private (0700) temporary directory: grpc-js dials it like any buildkitd
 *    socket, and every connection it opens (including reconnects after a drop) is answered by
 *    opening a fresh upstream stream (an upgraded `POST /grpc`, a `buildctl dial-stdio` exec, ...)
 *    and piping bytes both ways. The cost is one local copy per byte.
 * The bridge keeps the whole of grpc-js (flow control, keepalive, cancellation) and is what this
 * driver uses.
 */
import { rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";

import createDebug from "debug";

import { makeOwnedDir } from "../fs/owned-dir.js";

const debug = createDebug("lfs-docker:buildkit");

export type Dialer = () => Promise<Duplex>;

export interface Bridge {
  /** grpc-js target, `unix:///tmp/.../buildkit.sock`. */
  readonly target: string;
  /** The last upstream dial failure, if any (grpc-js only sees a dropped connection). */
  readonly lastError: Error | undefined;
  close(): Promise<void>;
}

export async function startBridge(dial: Dialer, label: string): Promise<Bridge> {
  const dir = await makeOwnedDir(tmpdir(), "lfs-docker-bk-", "the socket of a connection to a BuildKit daemon");
  const path = join(dir, "buildkit.sock");
  const open = new Set<Duplex>();
  let lastError: Error | undefined;
  const server: Server = createServer((local: Socket) => {
    open.add(local);
    local.on("close", () => open.delete(local));
    local.pause();
    dial().then(
      (upstream) => {
        if (local.destroyed) {
          upstream.destroy();
          return;
        }
        debug("bridge %s: upstream connected", label);
        lastError = undefined; // the daemon answers again: an old dial failure no longer explains anything
        open.add(upstream);
        upstream.on("close", () => {
          open.delete(upstream);
          local.destroy();
        });
        local.on("close", () => upstream.destroy());
        upstream.on("error", (err) => {
          debug("bridge %s: upstream error: %s", label, err.message);
          local.destroy();
        });
        local.on("error", () => upstream.destroy());
        local.pipe(upstream);
        upstream.pipe(local);
        local.resume();
      },
      (err: Error) => {
        debug("bridge %s: dial failed: %s", label, err.message);
        lastError = err;
        local.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    target: `unix://${path}`,
    get lastError() {
      return lastError;
    },
    close() {
      closed ??= (async () => {
        for (const s of open) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
