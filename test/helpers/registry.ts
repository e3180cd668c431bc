/**
 * A small OCI registry (distribution API v2, read-only) on 127.0.0.1 that demands HTTP Basic
 * credentials, serving one image: a single uncompressed layer with the files given. Enough for a
 * real daemon to pull `127.0.0.1:PORT/NAME:TAG` (127.0.0.0/8 is an insecure registry by default:
 * plain HTTP). It records the Authorization headers it saw.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import tar from "tar-stream";

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `host/name:tag` of the image. */
  image: string;
  /** Requests answered 401 (no or wrong credentials). */
  unauthorized: number;
  /** Requests that carried the right credentials. */
  authorized: number;
  close(): Promise<void>;
}

const sha = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function layerTar(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function startTestRegistry(opts: {
  username: string;
  password: string;
  name: string;
  tag: string;
  files: Record<string, string>;
  architecture?: string;
}): Promise<TestRegistry> {
  const layer = await layerTar(opts.files);
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.architecture ?? "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [sha(layer)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(layer), size: layer.length }],
    }),
  );
  const blobs = new Map([
    [sha(config), config],
    [sha(layer), layer],
  ]);
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
  const prefix = `/v2/${opts.name}/`;

  const reg = { unauthorized: 0, authorized: 0 };
  const server = http.createServer((req, res) => {
    const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}): void => {
      const b = typeof body === "string" ? Buffer.from(body) : body;
      res.writeHead(status, { "Content-Length": String(b.length), "Docker-Distribution-API-Version": "registry/2.0", ...headers });
      res.end(req.method === "HEAD" ? undefined : b);
    };
    if (req.headers.authorization !== expected) {
      reg.unauthorized++;
      send(401, JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), {
        "Content-Type": "application/json",
        "WWW-Authenticate": 'Basic realm="lfs-docker test registry"',
      });
      return;
    }
    reg.authorized++;
    const url = (req.url ?? "").split("?")[0]!;
    if (url === "/v2/" || url === "/v2") return send(200, "{}", { "Content-Type": "application/json" });
    if (url.startsWith(`${prefix}manifests/`)) {
      const ref = url.slice(`${prefix}manifests/`.length);
      if (ref !== opts.tag && ref !== sha(manifest)) return send(404, JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
      return send(200, manifest, { "Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": sha(manifest) });
    }
    if (url.startsWith(`${prefix}blobs/`)) {
      const blob = blobs.get(url.slice(`${prefix}blobs/`.length));
      if (!blob) return send(404, JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN" }] }));
      return send(200, blob, { "Content-Type": "application/octet-stream", "Docker-Content-Digest": sha(blob) });
    }
    send(404, JSON.stringify({ errors: [{ code: "NAME_UNKNOWN" }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(reg, {
    host,
    image: `${host}/${opts.name}:${opts.tag}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
