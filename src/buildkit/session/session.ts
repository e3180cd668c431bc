/**
 * A BuildKit session: we open Control.Session, then the roles flip and the bytes of that stream
 * are an HTTP/2 connection on which the daemon is the gRPC client and we are the (h2c) server.
 * The outer stream is hand-framed on a connection of its own when the transport can dial one
 * (./rawstream.ts), else a grpc-js call; the inner connection is served by Node's own HTTP/2
 * server (./http2-server.ts).
 *
 * Served: grpc.health.v1.Health (always; the daemon probes it), FileSync.DiffCopy (uploads of the
 * named local dirs), FileSend.DiffCopy (exports; `local` as fsutil packets, `tar` as byte
 * messages), Secrets.GetSecret, Auth.Credentials (registry credentials, e.g. from the docker
 * config: ../auth.ts; the daemon gets UNIMPLEMENTED for Auth's token methods and fetches registry
 * tokens itself with these credentials, or anonymously), and containerd's content service for the
 * content stores of `type=local` cache exports and imports (./content.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import type { Duplex } from "node:stream";

import * as grpc from "@grpc/grpc-js";
import createDebug from "debug";

import { wire, type ControlClient } from "../wire/load.js";
import type { WireBytesMessage, WirePacket } from "../wire/types.js";
import { PRE_ENCODED, sendDir, type MaybeEncodedPacket, type SendStats } from "./filesync.js";
import { CallError, messageBytes, type GrpcMessage, type Handler, type ServerCall, type SessionServer, type SessionServerOptions } from "./call.js";
import { serveHttp2 } from "./http2-server.js";
import { serveGrpcJs } from "./grpcjs-server.js";
import { decodeBytesMessageParts, decodePacket } from "./packets.js";
import { splitMetadataValues } from "./patterns.js";
import type { Peer } from "./peer.js";
import { openRawSession, type RawSessionCall } from "./rawstream.js";
import type { SecretSource, SessionTransport } from "../types.js";
import type { CredentialsProvider } from "../auth.js";
import { outerStreamDuplex } from "./duplex.js";
import { contentHandlers } from "./content.js";
import type { OciContentStore } from "./content-store.js";
import { DirTarget, StreamTarget, type ExportTarget } from "./targets.js";

const debug = createDebug("lfs-docker:session");

export interface SessionOptions {
  name?: string;
  /** Stable key that lets the daemon reuse earlier uploads of the same dirs. */
  sharedKey?: string;
  /** Local dirs the daemon may ask for, by name (`context`, `dockerfile`, named contexts). */
  localDirs?: Record<string, string>;
  /** Export targets, indexed like the solve's exporters. */
  exports?: Array<ExportTarget | undefined>;
  secrets?: Record<string, SecretSource>;
  /** Env to read `{env}` secrets from (default process.env). */
  env?: NodeJS.ProcessEnv;
  onUpload?: (dirName: string, stats: SendStats) => void;
  onWarning?: (message: string) => void;
  /** Bytes uploaded so far for a dir. */
  onUploadProgress?: (dirName: string, bytes: number) => void;
  /** Answers the daemon's registry credential requests (Auth.Credentials); none: anonymous. */
  credentials?: CredentialsProvider;
  /** Content stores for local cache exports and imports, by store id (`local:` + directory). */
  contentStores?: ReadonlyMap<string, OciContentStore>;
}

/** The largest BytesMessage we put on the Session stream. */
const MAX_SESSION_CHUNK = 1024 * 1024;

export function defaultSharedKey(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? "");
  }
  return createHash("sha256").update(`lfs-docker\0${hostname()}\0${user}`).digest("hex").slice(0, 32);
}

export function newSessionId(): string {
  return randomBytes(16).toString("hex");
}

/** The session stream (BytesMessage both ways) as a byte Duplex for the HTTP/2 server. */
export function bytesCallToDuplex(call: grpc.ClientDuplexStream<WireBytesMessage, WireBytesMessage>): Duplex {
  const send = (chunks: Buffer[], cb: (err?: Error | null) => void): void => {
    let ok = true;
    let batch: Buffer[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      ok = call.write({ data: batch.length === 1 ? batch[0]! : Buffer.concat(batch, size) });
      batch = [];
      size = 0;
    };
    for (const chunk of chunks) {
      for (let o = 0; o < chunk.length; o += MAX_SESSION_CHUNK) {
        const piece = chunk.subarray(o, o + MAX_SESSION_CHUNK);
        if (size + piece.length > MAX_SESSION_CHUNK) flush();
        batch.push(piece);
        size += piece.length;
      }
    }
    flush();
    if (ok) cb();
    else call.once("drain", () => cb());
  };
  const duplex = outerStreamDuplex({
    resume: () => call.resume(),
    send,
    end: () => call.end(),
    cancel: () => call.cancel(),
  });
  call.on("data", (m: WireBytesMessage) => {
    if (!duplex.push(m.data)) call.pause();
  });
  call.on("end", () => duplex.push(null));
  call.on("error", (err: Error) => duplex.destroy(err));
  return duplex;
}

const CODE = { OK: 0, CANCELLED: 1, NOT_FOUND: 5, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

function metadataValues(md: ReadonlyMap<string, string[]>, key: string): string[] {
  const raw = md.get(key) ?? [];
  const flag = md.get(`${key}-encoded`)?.[0];
  const encoded = flag !== undefined && /^(1|t|true)$/i.test(flag);
  return splitMetadataValues(raw, encoded);
}

/** A message peer over a served call. */
function peerFromCall<T>(call: ServerCall, decode: (m: GrpcMessage) => T, encode: (v: T) => Buffer | Buffer[]): Peer<T> {
  return {
    send: (msg) => call.send(encode(msg)),
    messages: {
      async *[Symbol.asyncIterator]() {
        for await (const m of call.messages) yield decode(m);
      },
    },
    end: () => call.finish(CODE.OK),
  };
}

export class Session {
  readonly id = newSessionId();
  readonly name: string;
  readonly sharedKey: string;
  private readonly handlers = new Map<string, Handler>();
  private connection: SessionServer | undefined;
  private call: grpc.ClientDuplexStream<WireBytesMessage, WireBytesMessage> | undefined;
  private rawCall: RawSessionCall | undefined;
  private engineSocket: Duplex | undefined;
  /** The path run() took (see run()). */
  transport: SessionTransport = "grpc-js";
  private readonly pending = new Set<Promise<unknown>>();
  private closing = false;
  private readonly served: string[] = [];
  /** The first failure of a handler (an unsafe export, an unreadable dir, ...). */
  failure: Error | undefined;
  /**
   * The first failure receiving an export. Unlike an upload (which the daemon may cancel on its
   * own when it no longer needs it), a failed export always fails the build.
   */
  exportFailure: Error | undefined;

  constructor(private readonly opts: SessionOptions = {}) {
    this.name = opts.name ?? "lfs-docker";
    this.sharedKey = opts.sharedKey ?? defaultSharedKey();
    this.handle("/grpc.health.v1.Health/Check", async (call) => {
      for await (const _ of call.messages) break;
      await call.send(Buffer.from([0x08, 0x01])); // status: SERVING
      call.finish(CODE.OK);
    });
    this.handle("/grpc.health.v1.Health/Watch", async (call) => {
      await call.send(Buffer.from([0x08, 0x01]));
      try {
        for await (const _ of call.messages) {
          // nothing to do until the daemon goes away
        }
      } catch {
        return;
      }
      call.finish(CODE.OK);
    });
    if (opts.localDirs && Object.keys(opts.localDirs).length > 0) {
      this.handle("/moby.filesync.v1.FileSync/DiffCopy", (call) => this.track(this.serveUpload(call), "upload"));
    }
    if (opts.exports?.some((e) => e !== undefined)) {
      this.handle("/moby.filesync.v1.FileSend/DiffCopy", (call) => this.track(this.serveExport(call), "export"));
    }
    if (opts.credentials) {
      this.handle("/moby.filesync.v1.Auth/Credentials", (call) => this.serveCredentials(call));
    }
    if (opts.contentStores && opts.contentStores.size > 0) {
      for (const [path, handler] of contentHandlers(opts.contentStores)) this.handle(path, handler);
    }
    if (opts.secrets && Object.keys(opts.secrets).length > 0) {
      const def = wire().Secrets["GetSecret"]!;
      this.handle("/moby.buildkit.secrets.v1.Secrets/GetSecret", async (call) => {
        let req: { ID: string } | undefined;
        for await (const m of call.messages) {
          req = def.requestDeserialize(messageBytes(m)) as { ID: string };
          break;
        }
        try {
          const data = await this.getSecret(req?.ID ?? "");
          await call.send(def.responseSerialize({ data }) as Buffer);
          call.finish(CODE.OK);
        } catch (err) {
          call.finish((err as { code?: number }).code ?? CODE.INTERNAL, (err as Error).message);
        }
      });
    }
  }

  /** Auth.Credentials: what the provider finds, or an empty answer (anonymous access). */
  private async serveCredentials(call: ServerCall): Promise<void> {
    const def = wire().Auth["Credentials"]!;
    let host = "";
    for await (const m of call.messages) {
      host = (def.requestDeserialize(messageBytes(m)) as { Host: string }).Host;
      break;
    }
    try {
      const creds = await this.opts.credentials?.(host);
      debug("credentials for %s: %s", host, creds ? `user ${JSON.stringify(creds.username)}` : "anonymous");
      await call.send(def.responseSerialize(creds ? { Username: creds.username, Secret: creds.secret } : {}) as Buffer);
      call.finish(CODE.OK);
    } catch (err) {
      // The daemon fails the pull with this message, and the build shows it.
      const msg = `registry credentials for ${host}: ${(err as Error).message}`;
      this.failure ??= new Error(msg, { cause: err });
      call.finish(CODE.INTERNAL, msg);
    }
  }

  /** gRPC methods we serve, as advertised in `x-docker-expose-session-grpc-method`. */
  get methods(): readonly string[] {
    return this.served;
  }

  private handle(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
    this.served.push(path);
  }

  private track(p: Promise<void>, kind: "upload" | "export"): void {
    const t = p.catch((err: Error) => {
      this.failure ??= err;
      if (kind === "export") this.exportFailure ??= err;
      debug("session handler failed: %s", err.message);
    });
    this.pending.add(t);
    void t.finally(() => this.pending.delete(t));
  }

  /** Waits until every running handler (uploads, exports) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async serveUpload(call: ServerCall): Promise<void> {
    const md = call.metadata;
    const dirName = metadataValues(md, "dir-name")[0] ?? "";
    const root = this.opts.localDirs?.[dirName];
    if (root === undefined) {
      call.finish(CODE.NOT_FOUND, `no local directory named ${JSON.stringify(dirName)} in this session`);
      return;
    }
    const includePatterns = metadataValues(md, "include-patterns");
    const excludePatterns = metadataValues(md, "exclude-patterns");
    const followPaths = metadataValues(md, "followpaths");
    debug("upload %s (%s): include %o exclude %o follow %o", dirName, root, includePatterns, excludePatterns, followPaths);
    const w = wire();
    const peer = peerFromCall<WirePacket>(call, decodePacket, (p) => (p as MaybeEncodedPacket)[PRE_ENCODED] ?? w.packet.encode(p));
    try {
      const stats = await sendDir(peer, root, {
        includePatterns,
        excludePatterns,
        followPaths,
        onProgress: (b) => this.opts.onUploadProgress?.(dirName, b),
      });
      this.opts.onUpload?.(dirName, stats);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      call.finish(err instanceof CallError ? err.code : CODE.INTERNAL, `uploading ${dirName}: ${msg}`);
      throw new Error(`uploading local dir ${dirName} (${root}): ${msg}`, { cause: err });
    }
  }

  private async serveExport(call: ServerCall): Promise<void> {
    const idRaw = call.metadata.get("buildkit-attachable-exporter-id")?.[0];
    const id = idRaw === undefined ? 0 : Number(idRaw);
    const target = this.opts.exports?.[id];
    if (!target) {
      call.finish(CODE.NOT_FOUND, `no export target for exporter ${id}`);
      return;
    }
    const w = wire();
    try {
      if (target instanceof DirTarget) {
        await target.receive(peerFromCall<WirePacket>(call, decodePacket, (p) => w.packet.encode(p)));
      } else if (target instanceof StreamTarget) {
        target.begin();
        for await (const m of call.messages) {
          for (const part of decodeBytesMessageParts(m)) await target.write(part);
        }
        call.finish(CODE.OK);
      } else {
        throw new Error(`exporter ${id} has no receiver`);
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      call.finish(CODE.INTERNAL, `receiving export: ${msg}`);
      throw err instanceof Error ? err : new Error(msg);
    }
  }

  private async getSecret(id: string): Promise<Buffer> {
    const src = this.opts.secrets?.[id];
    const notFound = Object.assign(new Error(`secret ${id} not found`), { code: grpc.status.NOT_FOUND });
    if (src === undefined) throw notFound;
    if (typeof src === "string") return readFile(src);
    if ("file" in src) return readFile(src.file);
    if ("env" in src) {
      const v = (this.opts.env ?? process.env)[src.env];
      if (v === undefined) throw notFound;
      return Buffer.from(v);
    }
    return Buffer.isBuffer(src.value) ? src.value : Buffer.from(src.value);
  }

  /** Metadata for Control.Session. */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set("x-docker-expose-session-uuid", this.id);
    md.set("x-docker-expose-session-sharedkey", this.sharedKey);
    md.set("x-docker-expose-session-name", this.name);
    for (const m of this.served) md.add("x-docker-expose-session-grpc-method", m);
    return md;
  }

  /** The metadata as HTTP/2 headers (repeated values as arrays). */
  headers(): Record<string, string | string[]> {
    return {
      "x-docker-expose-session-uuid": this.id,
      "x-docker-expose-session-sharedkey": this.sharedKey,
      "x-docker-expose-session-name": this.name,
      "x-docker-expose-session-grpc-method": [...this.served],
    };
  }

  private serve(duplex: Duplex): void {
    const opts: SessionServerOptions = {
      handlers: this.handlers,
      onHandlerError: (path, err) => debug("session handler %s failed: %s", path, (err as Error).message),
    };
    // LFS_DOCKER_SESSION_SERVER=grpc-js: for bench/session-server.mjs only (grpc-js drops
    // metadata values that are not ASCII, and is slower: see the bench).
    const grpcJs = process.env["LFS_DOCKER_SESSION_SERVER"] === "grpc-js";
    this.connection = grpcJs ? serveGrpcJs(duplex, opts) : serveHttp2(duplex, opts);
    debug("session %s opened (%s server), serving %o", this.id, grpcJs ? "grpc-js" : "node:http2", this.served);
  }

  /**
   * Opens the session, on the leanest path the transport offers:
   * - `engine` (Docker Engine): the engine's `POST /session`, whose hijacked socket is the session's
   *   HTTP/2 connection itself;
   * - `raw` (`dial`, a fresh connection to the daemon's gRPC endpoint): Control.Session on a
   *   connection of its own with hand-framed messages (./rawstream.ts);
   * - `grpc-js`: Control.Session as a call on the Control client.
   * LFS_DOCKER_SESSION_TRANSPORT=engine|raw|grpc-js picks one (when the transport has it).
   * Resolves when the session ends; rejects when it fails (unless close() was called).
   */
  run(control: ControlClient, dial?: () => Promise<Duplex>, engine?: (headers: Record<string, string | string[]>) => Promise<Duplex>): Promise<void> {
    const forced = process.env["LFS_DOCKER_SESSION_TRANSPORT"];
    if (engine && (forced === undefined || forced === "" || forced === "engine")) {
      this.transport = "engine";
      return this.runEngine(engine);
    }
    if (dial && forced !== "grpc-js") {
      this.transport = "raw";
      return this.runRaw(dial);
    }
    this.transport = "grpc-js";
    const call = control.Session(this.metadata());
    this.call = call;
    this.serve(bytesCallToDuplex(call));
    return new Promise<void>((resolve, reject) => {
      call.on("status", (s: grpc.StatusObject) => {
        if (s.code === grpc.status.OK || this.closing) resolve();
        else reject(Object.assign(new Error(`session stream: ${s.details}`), { code: s.code, details: s.details }));
      });
      call.on("error", (err: grpc.ServiceError) => {
        if (this.closing || err.code === grpc.status.CANCELLED) resolve();
        else reject(err);
      });
    });
  }

  private async runEngine(open: (headers: Record<string, string | string[]>) => Promise<Duplex>): Promise<void> {
    const socket = await open(this.headers());
    if (this.closing) {
      socket.destroy();
      return;
    }
    const ended = new Promise<void>((resolve, reject) => {
      socket.once("error", (err: Error) => (this.closing ? resolve() : reject(err)));
      socket.once("close", () => resolve());
    });
    this.engineSocket = socket;
    this.serve(socket);
    await ended;
  }

  private async runRaw(dial: () => Promise<Duplex>): Promise<void> {
    const socket = await dial();
    if (this.closing) {
      socket.destroy();
      return;
    }
    const call = openRawSession(socket, this.headers());
    this.rawCall = call;
    this.serve(call.duplex);
    try {
      await call.done;
    } catch (err) {
      if (this.closing || (err as { code?: number }).code === grpc.status.CANCELLED) return;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    debug("session %s closing", this.id);
    this.connection?.close();
    this.call?.cancel();
    this.rawCall?.cancel();
    this.engineSocket?.destroy();
  }
}
