/**
 * The session's wire code without a daemon: gRPC message framing from any chunking, the session's HTTP/2 servers against Node's HTTP/2 client (over a
 * socket and over a plain JS Duplex, as with an outer Control.Session stream), the hand-framed
 * session stream, and the DATA packet fast paths.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http2 from "node:http2";
import { connect as netConnect, createServer, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { DATA_HEADROOM, encodeDataPacketInPlace } from "../../src/buildkit/session/filesync.js";
import {
  CallError,
  GrpcMessageReader,
  encodeGrpcMessage,
  messageBytes,
  octetsToText,
  type GrpcMessage,
  type Handler,
  type ServerCall,
  type SessionServer,
} from "../../src/buildkit/session/call.js";
import { serveHttp2 } from "../../src/buildkit/session/http2-server.js";
import { serveGrpcJs } from "../../src/buildkit/session/grpcjs-server.js";
import { decodeBytesMessageParts, decodePacket } from "../../src/buildkit/session/packets.js";
import { BytesMessageReader, bytesMessageHeader } from "../../src/buildkit/session/rawstream.js";
import { wire } from "../../src/buildkit/wire/load.js";
import { PacketType } from "../../src/buildkit/wire/types.js";

const u32be = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** Splits a buffer at random places (as a network would). */
function splitRandomly(b: Buffer, maxPiece = 7): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < b.length;) {
    const n = 1 + Math.floor(Math.random() * maxPiece);
    out.push(b.subarray(o, o + n));
    o += n;
  }
  return out;
}

describe("gRPC message framing", () => {
  it("splits messages from any chunking, as slices of the chunks", () => {
    const msgs = [randomBytes(40_000), Buffer.alloc(0), randomBytes(3), randomBytes(70_000), Buffer.alloc(0)];
    const framed = Buffer.concat(msgs.flatMap((m) => [Buffer.from([0, ...u32be(m.length)]), m]));
    for (let round = 0; round < 20; round++) {
      const got: GrpcMessage[] = [];
      const r = new GrpcMessageReader((m) => got.push(m));
      const pieces = splitRandomly(framed, 1 + round * 4999);
      for (const piece of pieces) r.push(piece);
      assert.equal(r.midMessage, false);
      assert.deepEqual(got.map(messageBytes), msgs);
      assert.ok(
        got.every((m) => m.parts.every((p) => p.buffer === framed.buffer)),
        "messages are slices, not copies",
      );
    }
    const r = new GrpcMessageReader(() => {});
    r.push(Buffer.from([0, 0, 0, 0, 9, 1, 2]));
    assert.equal(r.midMessage, true);
  });

  it("refuses compressed messages", () => {
    const r = new GrpcMessageReader(() => {});
    assert.throws(
      () => r.push(Buffer.from([1, 0, 0, 0, 1, 7])),
      (e: unknown) => e instanceof CallError && e.code === 13 && /compressed/.test(e.message),
    );
  });

  it("percent-encodes grpc-message and reads header octets as UTF-8 text", () => {
    assert.equal(encodeGrpcMessage("no such thing: 100% ü\n"), "no such thing: 100%25 %C3%BC%0A");
    assert.equal(octetsToText(Buffer.from("x ü", "utf8").toString("latin1")), "x ü");
    assert.equal(octetsToText("\xff plain latin1"), "\xff plain latin1"); // not UTF-8: kept as is
  });
});

describe("session stream framing", () => {
  it("parses BytesMessages from any chunking, payloads as slices", () => {
    const payloads = [randomBytes(40_000), Buffer.alloc(0), randomBytes(3), randomBytes(200)];
    const wireBytes = Buffer.concat(payloads.flatMap((p) => [bytesMessageHeader(p.length), p]));
    for (let round = 0; round < 20; round++) {
      const got: Buffer[] = [];
      const r = new BytesMessageReader((b) => got.push(b));
      for (const piece of splitRandomly(wireBytes, 1 + round * 997)) r.push(piece);
      assert.deepEqual(Buffer.concat(got), Buffer.concat(payloads));
    }
    // The general path: a message with an unknown field before the data.
    const odd = Buffer.concat([Buffer.from([0x10, 0x01, 0x0a, 0x02]), Buffer.from("hi")]);
    const got: Buffer[] = [];
    const r = new BytesMessageReader((b) => got.push(b));
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, odd.length]), odd]);
    for (const piece of splitRandomly(framed, 2)) r.push(piece);
    assert.equal(Buffer.concat(got).toString(), "hi");
  });

  it("encodes BytesMessage headers as protobuf does", () => {
    const w = wire();
    for (const n of [1, 127, 128, 300_000]) {
      const data = randomBytes(n);
      const ours = Buffer.concat([bytesMessageHeader(n), data]);
      assert.deepEqual(ours.subarray(5), w.bytesMessage.encode({ data }));
      assert.equal(ours.readUInt32BE(1), ours.length - 5);
    }
  });
});

describe("DATA packets without copies", () => {
  it("encodes DATA in place exactly as protobuf does (ID > 0) and decodes from parts", () => {
    const w = wire();
    for (const [id, n] of [
      [1, 5],
      [200, 127],
      [70000, 128],
      [2 ** 32 - 1, 262144],
      [0, 10],
    ] as const) {
      const buf = Buffer.alloc(DATA_HEADROOM + n);
      randomBytes(n).copy(buf, DATA_HEADROOM);
      const data = buf.subarray(DATA_HEADROOM);
      const enc = encodeDataPacketInPlace(buf, id, n);
      if (id > 0) assert.deepEqual(enc, w.packet.encode({ type: PacketType.DATA, stat: null, ID: id, data }));
      const parts = splitRandomly(Buffer.from(enc), 4096);
      const p = decodePacket({ parts, length: enc.length });
      assert.equal(p.type, PacketType.DATA);
      assert.equal(p.ID, id);
      assert.deepEqual(Buffer.concat(p.dataParts ?? [p.data]), data);
    }
    // Other packets take the protobuf path.
    const stat = { path: "a", mode: 0o644, uid: 0, gid: 0, size: "1", modTime: "0", linkname: "", devmajor: "0", devminor: "0", xattrs: {} };
    const enc = w.packet.encode({ type: PacketType.STAT, stat, ID: 0, data: Buffer.alloc(0) });
    assert.equal(decodePacket({ parts: splitRandomly(enc), length: enc.length }).stat?.path, "a");
    const bm = w.bytesMessage.encode({ data: Buffer.from("tar bytes") });
    assert.equal(Buffer.concat(decodeBytesMessageParts({ parts: splitRandomly(bm, 3), length: bm.length })).toString(), "tar bytes");
  });
});

/** A session server under test: how to start it, and on what (a socket, or a plain JS Duplex). */
interface ServerCase {
  name: string;
  start: (io: Duplex, opts: { handlers: Map<string, Handler> }) => SessionServer;
  /** Serve on a JS Duplex wrapping the socket (as an outer Control.Session stream gives). */
  jsDuplex?: boolean;
  /** Keeps non-ASCII metadata values (grpc-js drops them). */
  utf8Metadata: boolean;
}
const SERVERS: ServerCase[] = [
  { name: "node:http2", start: serveHttp2, utf8Metadata: true },
  { name: "node:http2 on a JS Duplex", start: serveHttp2, jsDuplex: true, utf8Metadata: true },
  { name: "grpc-js", start: serveGrpcJs, utf8Metadata: false },
];

/** The socket's bytes as a Duplex that is not a socket. */
function plainDuplex(sock: Socket): Duplex {
  const d = new Duplex({
    read: () => sock.resume(),
    write: (chunk: Buffer, _enc, cb) => sock.write(chunk, cb),
    final: (cb) => sock.end(cb),
    destroy: (err, cb) => {
      sock.destroy();
      cb(err);
    },
  });
  sock.on("data", (c: Buffer) => {
    if (!d.push(c)) sock.pause();
  });
  sock.on("end", () => d.push(null));
  sock.on("close", () => d.destroy());
  return d;
}

/** A session server on one end of a unix socket, Node's HTTP/2 client on the other. */
async function serve(kind: ServerCase, handlers: Record<string, Handler>): Promise<{ client: http2.ClientHttp2Session; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "h2s-"));
  const path = join(dir, "s.sock");
  const conns: SessionServer[] = [];
  const server = createServer((sock: Socket) => {
    conns.push(kind.start(kind.jsDuplex ? plainDuplex(sock) : sock, { handlers: new Map(Object.entries(handlers)) }));
  });
  await new Promise<void>((r) => server.listen(path, r));
  const client = http2.connect("http://localhost", { createConnection: () => netConnect(path) });
  return {
    client,
    async close() {
      client.destroy();
      for (const c of conns) c.close();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function grpcFrame(msg: Buffer): Buffer {
  const p = Buffer.alloc(5);
  p.writeUInt32BE(msg.length, 1);
  return Buffer.concat([p, msg]);
}

/** One call with Node's client: sends messages, returns the response messages and the status. */
function call(
  client: http2.ClientHttp2Session,
  path: string,
  messages: Buffer[],
  headers: Record<string, string | string[]> = {},
): Promise<{ messages: Buffer[]; status: number; details: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    const chunks: Buffer[] = [];
    let status = -1;
    let details = "";
    const take = (h: http2.IncomingHttpHeaders): void => {
      if (h["grpc-status"] !== undefined) {
        status = Number(h["grpc-status"]);
        details = decodeURIComponent(String(h["grpc-message"] ?? ""));
      }
    };
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", reject);
    req.on("close", () => {
      const all = Buffer.concat(chunks);
      const out: Buffer[] = [];
      for (let o = 0; o < all.length;) {
        const n = all.readUInt32BE(o + 1);
        out.push(all.subarray(o + 5, o + 5 + n));
        o += 5 + n;
      }
      resolve({ messages: out, status, details });
    });
    for (const m of messages) req.write(grpcFrame(m));
    req.end();
  });
}

for (const kind of SERVERS)
  describe(`the session server (${kind.name}) against Node's HTTP/2 client`, () => {
    let s: Awaited<ReturnType<typeof serve>>;
    const seen: ServerCall[] = [];
    before(async () => {
      s = await serve(kind, {
        "/t.S/Echo": async (c) => {
          seen.push(c);
          for await (const m of c.messages) await c.send(messageBytes(m));
          c.finish(0);
        },
        "/t.S/Sum": async (c) => {
          let n = 0;
          let total = 0;
          for await (const m of c.messages) {
            n++;
            total += m.length;
          }
          await c.send(Buffer.from(`${n}:${total}`));
          c.finish(0);
        },
        "/t.S/Fail": (c) => c.finish(5, "no such thing: ünïcode"),
        "/t.S/Throw": () => {
          throw new Error("boom");
        },
        "/t.S/Big": async (c) => {
          for await (const _ of c.messages) break;
          for (let i = 0; i < 40; i++) await c.send(Buffer.alloc(512 * 1024, i));
          c.finish(0);
        },
      });
    });
    after(async () => s.close());

    it("serves unary and streaming calls with metadata", async () => {
      // Node's client sends strings as latin1 octets: UTF-8 text goes as its bytes.
      const nonAscii = kind.utf8Metadata ? Buffer.from("x ü", "utf8").toString("latin1") : "x u";
      const r = await call(s.client, "/t.S/Echo", [Buffer.from("a"), Buffer.alloc(0), Buffer.from("ccc")], {
        "dir-name": "context",
        followpaths: ["Dockerfile", nonAscii],
      });
      assert.equal(r.status, 0);
      assert.deepEqual(
        r.messages.map((m) => m.toString()),
        ["a", "", "ccc"],
      );
      const c = seen.at(-1)!;
      assert.deepEqual(c.metadata.get("dir-name"), ["context"]);
      assert.deepEqual(c.metadata.get("followpaths")?.join(", ").split(", "), ["Dockerfile", kind.utf8Metadata ? "x ü" : "x u"]);
      // Same headers again: now from the dynamic table.
      await call(s.client, "/t.S/Echo", [Buffer.from("x")], { "dir-name": "context" });
      assert.deepEqual(seen.at(-1)!.metadata.get("dir-name"), ["context"]);
    });

    it("takes 40 MiB in, beyond every flow-control window", async () => {
      const msgs = Array.from({ length: 80 }, (_, i) => Buffer.alloc(512 * 1024, i));
      const r = await call(s.client, "/t.S/Sum", msgs);
      assert.equal(r.status, 0);
      assert.equal(r.messages[0]!.toString(), `80:${80 * 512 * 1024}`);
    });

    it("sends 20 MiB out, respecting the client window", async () => {
      const r = await call(s.client, "/t.S/Big", [Buffer.from("go")]);
      assert.equal(r.status, 0);
      assert.equal(r.messages.length, 40);
      assert.ok(r.messages.every((m, i) => m.length === 512 * 1024 && m[0] === i && m[m.length - 1] === i));
    });

    it("ends calls with a status: errors, handler failures, unknown methods", async () => {
      const f = await call(s.client, "/t.S/Fail", []);
      assert.equal(f.status, 5);
      assert.equal(f.details, "no such thing: ünïcode");
      const t = await call(s.client, "/t.S/Throw", []);
      assert.equal(t.status, 13);
      assert.match(t.details, /boom/);
      const u = await call(s.client, "/t.S/Nope", [Buffer.from("x")]);
      assert.equal(u.status, 12);
    });

    it("tells a handler when the client resets its call", async () => {
      const req = s.client.request({ ":method": "POST", ":path": "/t.S/Echo", "content-type": "application/grpc" });
      req.write(grpcFrame(Buffer.from("one")));
      await new Promise((r) => req.once("data", r));
      const c = seen.at(-1)!;
      req.close(http2.constants.NGHTTP2_CANCEL);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(c.closed, true);
      await assert.rejects(c.send(Buffer.from("late")));
    });
  });

describe("Control.Session on a connection of its own (openRawSession)", () => {
  it("carries bytes both ways as BytesMessages and reports the status", async () => {
    const dir = await mkdtemp(join(tmpdir(), "raw-"));
    const path = join(dir, "d.sock");
    let seenHeaders: http2.IncomingHttpHeaders | undefined;
    const daemon = http2.createServer();
    daemon.on("stream", (stream, headers) => {
      seenHeaders = headers;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      // Echo the payloads back, re-framed in messages of another size.
      const r = new BytesMessageReader((b) => {
        for (let o = 0; o < b.length; o += 1000) {
          const piece = b.subarray(o, o + 1000);
          stream.write(Buffer.concat([bytesMessageHeader(piece.length), piece]));
        }
      });
      stream.on("data", (c: Buffer) => r.push(c));
      stream.on("end", () => stream.end());
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": headers["x-fail"] ? "9" : "0", "grpc-message": "not%20now" }));
    });
    const listener = createServer((sock) => daemon.emit("connection", sock));
    await new Promise<void>((r) => listener.listen(path, r));
    const { openRawSession } = await import("../../src/buildkit/session/rawstream.js");
    try {
      const sock = netConnect(path);
      await new Promise((r) => sock.once("connect", r));
      const call = openRawSession(sock, { "x-docker-expose-session-uuid": "abc", "x-docker-expose-session-grpc-method": ["/a/B", "/c/D"] });
      const sent = randomBytes(3 * 1024 * 1024 + 17);
      const got: Buffer[] = [];
      call.duplex.on("data", (c: Buffer) => got.push(c));
      const ended = new Promise((r) => call.duplex.once("end", r));
      for (const piece of splitRandomly(sent, 300_000)) call.duplex.write(piece);
      call.duplex.end();
      await ended;
      await call.done;
      assert.deepEqual(Buffer.concat(got), sent);
      assert.equal(seenHeaders?.[":path"], "/moby.buildkit.v1.Control/Session");
      assert.equal(seenHeaders?.["x-docker-expose-session-uuid"], "abc");
      assert.equal(String(seenHeaders?.["x-docker-expose-session-grpc-method"]), "/a/B, /c/D");

      const sock2 = netConnect(path);
      await new Promise((r) => sock2.once("connect", r));
      const failing = openRawSession(sock2, { "x-fail": "1" });
      failing.duplex.resume();
      failing.duplex.end();
      await assert.rejects(failing.done, (e: Error & { code?: number; details?: string }) => e.code === 9 && e.details === "not now");
    } finally {
      await new Promise<void>((r) => listener.close(() => r()));
      daemon.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
