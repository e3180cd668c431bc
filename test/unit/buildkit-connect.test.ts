/**
 * Connection helpers and the Control API against fake daemons (no Docker needed):
 * a grpc-js Control server on a unix socket, and a fake Docker Engine that upgrades `POST /grpc`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { BuildKitError, connect, connectionHelperSchemes, resolveAddress } from "../../src/buildkit/index.js";
import { wire } from "../../src/buildkit/wire/load.js";

const WORKER = {
  ID: "w1",
  Labels: { "org.mobyproject.buildkit.worker.executor": "oci" },
  platforms: [
    { Architecture: "amd64", OS: "linux", Variant: "" },
    { Architecture: "arm", OS: "linux", Variant: "v7" },
  ],
  GCPolicy: [{ all: false, keepDuration: String(48 * 3600 * 1e9), keepBytes: "1000", filters: [] }],
  BuildkitVersion: { package: "github.com/moby/buildkit", version: "v0.13.2", revision: "abc" },
};

function fakeControl(): grpc.UntypedServiceImplementation {
  return {
    ListWorkers: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { record: [WORKER] }),
    DiskUsage: (c: grpc.ServerUnaryCall<{ filter: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      if (c.request.filter.includes("deny")) {
        cb({ code: grpc.status.PERMISSION_DENIED, details: "the daemon says no" });
        return;
      }
      cb(null, {
        record: [
          { ID: "r1", Size: "4096", InUse: false, Mutable: true, CreatedAt: { seconds: "1700000000", nanos: 0 }, Description: "mount", RecordType: "regular" },
        ],
      });
    },
    Prune: (c: grpc.ServerWritableStream<{ all: boolean; keepBytes: string }, unknown>) => {
      assert.equal(c.request.all, true);
      assert.equal(c.request.keepBytes, "100");
      c.write({ ID: "a", Size: "10" });
      c.write({ ID: "b", Size: "32" });
      c.end();
    },
    Info: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { buildkitVersion: { package: "p", version: "v0.13.2", revision: "r" } }),
  };
}

describe("addresses", () => {
  it("defaults to BUILDKIT_HOST, then Docker Engine", () => {
    assert.equal(resolveAddress(undefined, {}), "docker://");
    assert.equal(resolveAddress(undefined, { BUILDKIT_HOST: "tcp://b:1234" }), "tcp://b:1234");
    assert.equal(resolveAddress("unix:///x", { BUILDKIT_HOST: "tcp://b:1234" }), "unix:///x");
  });
  it("knows the schemes", () => {
    assert.deepEqual(connectionHelperSchemes(), ["docker", "docker-container", "tcp", "unix"]);
  });
  it("rejects unknown schemes and bad addresses", async () => {
    await assert.rejects(connect("ssh://host"), (e: BuildKitError) => e.code === "UNSUPPORTED_ADDRESS" && /ssh/.test(e.message));
    await assert.rejects(connect("not a url"), (e: BuildKitError) => e.code === "UNSUPPORTED_ADDRESS");
    await assert.rejects(connect("tcp://nohostport"), /host:port/);
  });
});

describe("unix:// buildkitd (fake)", () => {
  let dir: string;
  let server: grpc.Server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bk-fake-"));
    server = new grpc.Server();
    server.addService(wire().Control.service, fakeControl());
    await new Promise<void>((res, rej) =>
      server.bindAsync(`unix://${join(dir, "bk.sock")}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())),
    );
  });
  after(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists workers with platforms and version", async () => {
    await using client = await connect(`unix://${join(dir, "bk.sock")}`);
    const [w] = await client.workers();
    assert.deepEqual(w!.platforms, ["linux/amd64", "linux/arm/v7"]);
    assert.equal(w!.buildkitVersion?.version, "v0.13.2");
    assert.equal(w!.gcPolicy[0]!.keepDurationMs, 48 * 3600 * 1000);
    assert.equal((await client.version())?.version, "v0.13.2");
  });

  it("reports disk usage and prunes", async () => {
    await using client = await connect(`unix://${join(dir, "bk.sock")}`);
    const du = await client.diskUsage();
    assert.equal(du[0]!.size, 4096);
    assert.equal(du[0]!.createdAt?.getTime(), 1_700_000_000_000);
    const seen: string[] = [];
    const res = await client.prune({ all: true, keepBytes: 100, onRecord: (r) => seen.push(r.id) });
    assert.deepEqual(seen, ["a", "b"]);
    assert.equal(res.reclaimedBytes, 42);
  });

  it("passes the gRPC code and the daemon's message on", async () => {
    await using client = await connect(`unix://${join(dir, "bk.sock")}`);
    await assert.rejects(client.diskUsage(["deny"]), (e: BuildKitError) => {
      assert.equal(e.grpcCode, grpc.status.PERMISSION_DENIED);
      assert.equal(e.details, "the daemon says no");
      assert.match(e.message, /PERMISSION_DENIED: the daemon says no/);
      assert.ok(e.cause);
      return true;
    });
  });

  it("fails to connect to a missing socket with the reason", async () => {
    await assert.rejects(connect(`unix://${join(dir, "missing.sock")}`, { connectTimeoutMs: 1000 }), (e: BuildKitError) => e.code === "CONNECT");
  });

  it("reports ENOENT for a missing socket promptly, not a deadline after the connect timeout", async () => {
    const t0 = Date.now();
    await assert.rejects(connect("unix:///nonexistent.sock", { connectTimeoutMs: 20_000 }), (e: BuildKitError) => {
      assert.equal(e.code, "CONNECT");
      assert.match(e.message, /unix:\/\/\/nonexistent\.sock/);
      assert.match(e.message, /ENOENT/);
      assert.doesNotMatch(e.message, /deadline/i);
      assert.equal((e.cause as NodeJS.ErrnoException).code, "ENOENT");
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  });
});

describe("docker:// (fake engine upgrading POST /grpc to h2c)", () => {
  let dir: string;
  let engine: http.Server;
  let grpcServer: grpc.Server;
  const seen: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "engine-fake-"));
    grpcServer = new grpc.Server();
    grpcServer.addService(wire().Control.service, fakeControl());
    const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    engine = http.createServer((req, res) => {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"page not found"}');
    });
    engine.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      seen.push(`${req.method} ${req.url} ${req.headers["upgrade"]}`);
      if (req.url !== "/grpc" || req.headers["upgrade"] !== "h2c") {
        socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return;
      }
      socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
      if (head.length) socket.unshift(head);
      injector.injectConnection(socket);
    });
    await new Promise<void>((res) => engine.listen(join(dir, "docker.sock"), res));
  });
  after(async () => {
    grpcServer.forceShutdown();
    engine.closeAllConnections();
    await new Promise((r) => engine.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("reaches BuildKit through the upgraded connection", async () => {
    await using client = await connect(`docker://${join(dir, "docker.sock")}`);
    assert.equal(client.dockerEngine, true);
    const ws = await client.workers();
    assert.equal(ws[0]!.id, "w1");
    assert.ok(seen.includes("POST /grpc h2c"));
  });

  it("uses DOCKER_HOST through an injected dockerode-like default", async () => {
    const Docker = (await import("dockerode")).default;
    await using client = await connect("docker://", { docker: new Docker({ socketPath: join(dir, "docker.sock") }) });
    assert.equal((await client.workers()).length, 1);
  });

  it("explains an engine that refuses the upgrade", async () => {
    const refusing = http.createServer((_req, res) => res.writeHead(404).end("page not found"));
    const sock = join(dir, "old.sock");
    await new Promise<void>((res) => refusing.listen(sock, res));
    try {
      await assert.rejects(connect(`docker://${sock}`, { connectTimeoutMs: 3000 }), (e: BuildKitError) => {
        assert.equal(e.code, "CONNECT");
        assert.match(e.message, /HTTP 404/);
        return true;
      });
    } finally {
      refusing.closeAllConnections();
      await new Promise((r) => refusing.close(r));
    }
  });

  it("fails fast when the engine socket is missing", async () => {
    const t0 = Date.now();
    await assert.rejects(connect(`docker://${join(dir, "nope.sock")}`), /ENOENT/);
    assert.ok(Date.now() - t0 < 5000);
  });
});
