/**
 * Docker Engine's HTTP endpoints upgraded to h2c: `POST /grpc` (BuildKit's gRPC) and `POST /session`
 * (a session's own connection). The engine hijacks the connection and speaks HTTP/2 on it.
 */
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";

import createDebug from "debug";

import { BuildKitError } from "../errors.js";

const debug = createDebug("lfs-docker:buildkit");

/** `POST /grpc` with `Upgrade: h2c`: the engine hijacks the connection and serves BuildKit's gRPC on it. */
export function upgradeToGrpc(endpoint: { request: http.RequestOptions; tls: boolean }, extraHeaders: Record<string, string> = {}): Promise<Duplex> {
  return upgradeH2c(endpoint, "/grpc", extraHeaders);
}

/**
 * `POST /session` with `Upgrade: h2c` and the session's `X-Docker-Expose-Session-*` headers: the
 * engine hands the hijacked connection to BuildKit's session manager, which speaks HTTP/2 on it as
 * the client of our session services (what the docker CLI and buildx's docker driver use). One
 * HTTP/2 layer, where Control.Session over `/grpc` nests the session's connection in a gRPC stream.
 */
export function upgradeToSession(
  endpoint: { request: http.RequestOptions; tls: boolean },
  sessionHeaders: Record<string, string | string[]>,
  extraHeaders: Record<string, string> = {},
): Promise<Duplex> {
  return upgradeH2c(endpoint, "/session", { ...extraHeaders, ...sessionHeaders });
}

function upgradeH2c(endpoint: { request: http.RequestOptions; tls: boolean }, path: string, headers: Record<string, string | string[]>): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const req = (endpoint.tls ? https : http).request({
      ...endpoint.request,
      method: "POST",
      path,
      headers: { ...headers, Connection: "Upgrade", Upgrade: "h2c" },
    });
    req.on("upgrade", (res, socket, head) => {
      debug("POST %s upgraded: %d %s", path, res.statusCode, res.headers["upgrade"]);
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      resolve(socket);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8").trim();
        reject(
          new BuildKitError(
            "CONNECT",
            `Docker Engine refused POST ${path} (HTTP ${res.statusCode}): ${body || res.statusMessage || "no message"}` +
              (res.statusCode === 404 ? " (the engine is too old or BuildKit is disabled)" : ""),
          ),
        );
      });
    });
    req.on("error", (err) => reject(new BuildKitError("CONNECT", `cannot reach Docker Engine: ${err.message}`, { cause: err })));
    req.end();
  });
}
