/**
 * The session against a fake daemon: a Control server whose Session handler turns the stream
 * around and calls our services as the real daemon does (health, FileSync upload, FileSend
 * export, secrets). No Docker needed.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { GoMode } from "../../src/buildkit/session/fsmode.js";
import { peerFromStream } from "../../src/buildkit/session/peer.js";
import { receiveDir } from "../../src/buildkit/session/receive.js";
import { Session } from "../../src/buildkit/session/session.js";
import { DirTarget, StreamTarget } from "../../src/buildkit/session/targets.js";
import { wire } from "../../src/buildkit/wire/load.js";
import { PacketType, type WirePacket } from "../../src/buildkit/wire/types.js";
import { fakeDaemon, type FakeDaemon } from "../helpers/fake-daemon.js";

const pkt = (type: number, f: Partial<WirePacket> = {}): WirePacket => ({ type, stat: null, ID: 0, data: Buffer.alloc(0), ...f });
const ident = (b: Buffer) => b;

function unary(client: grpc.Client, path: string, req: Buffer): Promise<Buffer> {
  return new Promise((res, rej) => client.makeUnaryRequest(path, ident, ident, req, (e, v) => (e ? rej(e) : res(v!))));
}

describe("session served to a (fake) daemon", () => {
  let base: string;
  let daemon: FakeDaemon;
  let session: Session;
  let run: Promise<void>;
  let exportDir: DirTarget;
  let tarOut: StreamTarget;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "sess-"));
    await mkdir(join(base, "ctx/sub"), { recursive: true });
    await writeFile(join(base, "ctx/keep.txt"), "keep");
    await writeFile(join(base, "ctx/skip.log"), "skip");
    await writeFile(join(base, "ctx/sub/a"), "a");
    await writeFile(join(base, "secret.txt"), "s3cret");
    await mkdir(join(base, "outside"));
    daemon = await fakeDaemon(base);
    exportDir = new DirTarget(join(base, "export"));
    tarOut = new StreamTarget(join(base, "out.tar"));
    await exportDir.prepare();
    await tarOut.prepare();
    session = new Session({
      localDirs: { context: join(base, "ctx") },
      exports: [exportDir, tarOut],
      secrets: { tok: join(base, "secret.txt"), envtok: { env: "FAKE_TOKEN" } },
      env: { FAKE_TOKEN: "from-env" },
    });
    run = session.run(daemon.control);
  });
  after(async () => {
    await session.close();
    await run;
    await daemon.close();
    await rm(base, { recursive: true, force: true });
  });

  it("opens Control.Session with the session headers and advertised methods", async () => {
    const { metadata } = await daemon.session();
    assert.equal(metadata.get("x-docker-expose-session-uuid")[0], session.id);
    assert.ok(!session.id.includes(":"));
    assert.equal(metadata.get("x-docker-expose-session-name")[0], "lfs-docker");
    const methods = String(metadata.get("x-docker-expose-session-grpc-method").join(", ")).split(", ");
    for (const m of [
      "/grpc.health.v1.Health/Check",
      "/moby.filesync.v1.FileSync/DiffCopy",
      "/moby.filesync.v1.FileSend/DiffCopy",
      "/moby.buildkit.secrets.v1.Secrets/GetSecret",
    ]) {
      assert.ok(methods.includes(m), m);
    }
    assert.ok(!methods.some((m) => m.includes("Auth")));
  });

  it("answers health checks", async () => {
    const { client } = await daemon.session();
    const res = await unary(client, "/grpc.health.v1.Health/Check", Buffer.alloc(0));
    assert.deepEqual([...res], [0x08, 0x01]); // status: SERVING
  });

  it("answers Auth with UNIMPLEMENTED (anonymous pulls)", async () => {
    const { client } = await daemon.session();
    await assert.rejects(unary(client, "/moby.filesync.v1.Auth/Credentials", Buffer.alloc(0)), (e: grpc.ServiceError) => e.code === grpc.status.UNIMPLEMENTED);
  });

  it("serves secrets and NotFound for unknown ones", async () => {
    const { client } = await daemon.session();
    const req = (id: string) => Buffer.concat([Buffer.from([0x0a, id.length]), Buffer.from(id)]);
    const res = await unary(client, "/moby.buildkit.secrets.v1.Secrets/GetSecret", req("tok"));
    assert.equal(res.subarray(2).toString(), "s3cret");
    const env = await unary(client, "/moby.buildkit.secrets.v1.Secrets/GetSecret", req("envtok"));
    assert.equal(env.subarray(2).toString(), "from-env");
    await assert.rejects(unary(client, "/moby.buildkit.secrets.v1.Secrets/GetSecret", req("nope")), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  });

  it("uploads a local dir with the exclude patterns the daemon sends", async () => {
    const { client } = await daemon.session();
    const md = new grpc.Metadata();
    md.set("dir-name", "context");
    md.add("exclude-patterns", "*.log");
    md.add("exclude-patterns", "nothing");
    const w = wire();
    const call = client.makeBidiStreamRequest("/moby.filesync.v1.FileSync/DiffCopy", w.packet.encode, w.packet.decode, md);
    const got = join(base, "received");
    await mkdir(got);
    const stats = await receiveDir(
      peerFromStream<WirePacket, WirePacket>(
        call as unknown as Duplex,
        (p) => p,
        (p) => p,
      ),
      got,
    );
    assert.equal(stats.files, 2);
    assert.deepEqual((await readdir(got)).sort(), ["keep.txt", "sub"]);
    assert.equal(await readFile(join(got, "sub/a"), "utf8"), "a");
  });

  it("refuses an unknown dir name with NotFound", async () => {
    const { client } = await daemon.session();
    const md = new grpc.Metadata();
    md.set("dir-name", "elsewhere");
    const w = wire();
    const call = client.makeBidiStreamRequest("/moby.filesync.v1.FileSync/DiffCopy", w.packet.encode, w.packet.decode, md);
    await assert.rejects(
      new Promise((res, rej) => {
        call.on("data", () => {});
        call.on("error", rej);
        call.on("end", res);
      }),
      (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && /elsewhere/.test(e.details),
    );
  });

  it("receives a tar export by exporter id", async () => {
    const { client } = await daemon.session();
    const md = new grpc.Metadata();
    md.set("buildkit-attachable-exporter-id", "1");
    const w = wire();
    const call = client.makeBidiStreamRequest("/moby.filesync.v1.FileSend/DiffCopy", w.bytesMessage.encode, w.bytesMessage.decode, md);
    call.write({ data: Buffer.from("tar-part-1|") });
    call.write({ data: Buffer.from("tar-part-2") });
    call.end();
    await new Promise((res, rej) => {
      call.on("data", () => {});
      call.on("end", res);
      call.on("error", rej);
    });
    await session.settled();
    await tarOut.commit();
    assert.equal(await readFile(join(base, "out.tar"), "utf8"), "tar-part-1|tar-part-2");
  });

  it("refuses a hostile local export and reports it as the session failure", async () => {
    const { client } = await daemon.session();
    const md = new grpc.Metadata(); // exporter id missing = 0 (the local export)
    const w = wire();
    const call = client.makeBidiStreamRequest("/moby.filesync.v1.FileSend/DiffCopy", ident, ident, md);
    const failed = new Promise<grpc.ServiceError>((res) => {
      call.on("data", () => {});
      call.on("error", res);
    });
    call.write(
      w.packet.encode(
        pkt(PacketType.STAT, {
          stat: {
            path: "ok",
            mode: (GoMode.Dir | 0o755) >>> 0,
            uid: 0,
            gid: 0,
            size: "0",
            modTime: "0",
            linkname: "",
            devmajor: "0",
            devminor: "0",
            xattrs: {},
          },
        }),
      ),
    );
    call.write(
      w.packet.encode(
        pkt(PacketType.STAT, {
          stat: { path: "../outside/pwned", mode: 0o644, uid: 0, gid: 0, size: "1", modTime: "0", linkname: "", devmajor: "0", devminor: "0", xattrs: {} },
        }),
      ),
    );
    const err = await failed;
    assert.equal(err.code, grpc.status.INTERNAL);
    assert.match(err.details, /\.\./);
    await session.settled();
    assert.match(session.failure?.message ?? "", /"\.\."/);
    await exportDir.abort();
    assert.deepEqual(await readdir(join(base, "outside")), []);
    assert.ok(!(await readdir(base)).some((n) => n.startsWith(".export.partial")));
  });
});
