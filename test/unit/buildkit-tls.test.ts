/**
 * tcp:// with mutual TLS against a fake buildkitd (certificates made with the openssl CLI).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import * as grpc from "@grpc/grpc-js";

import { BuildKitError, connect } from "../../src/buildkit/index.js";
import { wire } from "../../src/buildkit/wire/load.js";

const run = promisify(execFile);

async function makeCerts(dir: string): Promise<void> {
  const ossl = (...args: string[]) => run("openssl", args, { cwd: dir });
  await ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem");
  await writeFile(join(dir, "server.ext"), "subjectAltName=DNS:buildkitd\n");
  await ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=buildkitd", "-keyout", "server.key", "-out", "server.csr");
  await ossl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  );
  await ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=client", "-keyout", "client.key", "-out", "client.csr");
  await ossl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", "client.pem");
}

describe("tcp:// with mTLS (fake buildkitd)", () => {
  let dir: string;
  let server: grpc.Server;
  let port: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bk-tls-"));
    await makeCerts(dir);
    server = new grpc.Server();
    server.addService(wire().Control.service, {
      ListWorkers: (_c: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { record: [{ ID: "tls-worker", platforms: [{ OS: "linux", Architecture: "arm64" }] }] }),
    });
    const creds = grpc.ServerCredentials.createSsl(
      await readFile(join(dir, "ca.pem")),
      [{ cert_chain: await readFile(join(dir, "server.pem")), private_key: await readFile(join(dir, "server.key")) }],
      true,
    );
    port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", creds, (e, p) => (e ? rej(e) : res(p))));
  });
  after(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it("connects with CA, client certificate and server name (file paths)", async () => {
    await using client = await connect(`tcp://127.0.0.1:${port}`, {
      tls: { ca: join(dir, "ca.pem"), cert: join(dir, "client.pem"), key: join(dir, "client.key"), servername: "buildkitd" },
    });
    const [w] = await client.workers();
    assert.equal(w!.id, "tls-worker");
    assert.deepEqual(w!.platforms, ["linux/arm64"]);
  });

  it("accepts PEM contents as well as paths", async () => {
    await using client = await connect(`tcp://127.0.0.1:${port}`, {
      tls: {
        ca: await readFile(join(dir, "ca.pem")),
        cert: (await readFile(join(dir, "client.pem"))).toString(),
        key: await readFile(join(dir, "client.key")),
        servername: "buildkitd",
      },
    });
    assert.equal((await client.workers()).length, 1);
  });

  it("fails without the client certificate", async () => {
    await assert.rejects(
      connect(`tcp://127.0.0.1:${port}`, { tls: { ca: join(dir, "ca.pem"), servername: "buildkitd" }, connectTimeoutMs: 2000 }).then(async (c) => {
        try {
          await c.workers();
        } finally {
          await c.close();
        }
      }),
      (e: unknown) => e instanceof BuildKitError && (e.code === "CONNECT" || e.code === "RPC"),
    );
  });
});
