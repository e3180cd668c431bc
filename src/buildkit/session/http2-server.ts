/**
 * The session's gRPC services on Node's own HTTP/2 server (`node:http2`), over the session's
 * connection (the engine's hijacked socket, or the byte Duplex of an outer Control.Session
 * stream): `http2.createServer()` + `emit('connection', duplex)`, as grpc-js's connection injector
 * does, with the gRPC layer kept thin so messages still reach the handlers as slices of the DATA
 * payloads they arrived in (./call.ts). Windows are widened to 8 MiB (with Node's default of
 * 64 KiB the daemon would wait for a WINDOW_UPDATE every four 16 KiB frames of an export).
 */
import http2 from "node:http2";
import type { Duplex } from "node:stream";

import createDebug from "debug";

import {
  CallError,
  GrpcMessageReader,
  encodeGrpcMessage,
  grpcPrefix,
  octetsToText,
  runHandler,
  type GrpcMessage,
  type ServerCall,
  type SessionServer,
  type SessionServerOptions,
} from "./call.js";

const debug = createDebug("lfs-docker:session");

/** Our receive window per stream, and for the connection. */
export const RECEIVE_WINDOW = 8 * 1024 * 1024;
/** Bytes of complete messages a call may hold unread before we stop reading its stream. */
const STREAM_BUFFER = 8 * 1024 * 1024;
/** Bytes that may wait in a call's send buffer before send() makes its caller wait. */
const SEND_QUEUE = 1024 * 1024;

type Trailers = Record<string, string>;

class Http2Call implements ServerCall {
  readonly metadata = new Map<string, string[]>();
  private readonly queue: GrpcMessage[] = [];
  private queued = 0;
  private waiter: (() => void) | undefined;
  private remoteEnded = false;
  private failure: Error | undefined;
  private finished = false;
  private trailers: Trailers = { "grpc-status": "0" };
  private readonly reader = new GrpcMessageReader((m) => this.enqueue(m));

  constructor(
    readonly path: string,
    private readonly stream: http2.ServerHttp2Stream,
    rawHeaders: string[],
  ) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      if (name.startsWith(":")) continue;
      // Node reads header values as latin1 (one char per octet); metadata is UTF-8 text.
      const value = octetsToText(rawHeaders[i + 1]!);
      const values = this.metadata.get(name);
      if (values) values.push(value);
      else this.metadata.set(name, [value]);
    }
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("end", () => {
      this.remoteEnded = true;
      if (this.reader.midMessage) this.fail(new CallError(13, "call ended in the middle of a message"));
      this.wake();
    });
    stream.on("wantTrailers", () => stream.sendTrailers(this.trailers));
    stream.on("error", (err: Error) => this.fail(err));
    stream.on("close", () => {
      if (!this.remoteEnded) this.fail(new CallError(1, `call reset by the daemon (HTTP/2 error ${stream.rstCode})`));
      this.wake();
    });
  }

  get closed(): boolean {
    return this.finished || this.failure !== undefined || this.stream.closed || this.stream.destroyed;
  }

  private onData(chunk: Buffer): void {
    if (this.finished || this.failure) return; // the answer is given: the rest does not matter
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      this.finish((err as CallError).code ?? 13, (err as Error).message);
    }
  }

  private enqueue(m: GrpcMessage): void {
    this.queue.push(m);
    this.queued += m.length + 5;
    if (this.queued >= STREAM_BUFFER) this.stream.pause();
    this.wake();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  get messages(): AsyncIterable<GrpcMessage> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<GrpcMessage>> => {
          for (;;) {
            const m = this.queue.shift();
            if (m) {
              this.queued -= m.length + 5;
              if (this.queued < STREAM_BUFFER / 2 && this.stream.isPaused()) this.stream.resume();
              return { value: m, done: false };
            }
            if (this.failure) throw this.failure;
            if (this.remoteEnded) return { value: undefined, done: true };
            await new Promise<void>((r) => (this.waiter = r));
          }
        },
      }),
    };
  }

  private respond(extra: Trailers = {}, endStream = false): void {
    this.stream.respond({ ":status": 200, "content-type": "application/grpc", ...extra }, endStream ? { endStream: true } : { waitForTrailers: true });
  }

  send(message: Buffer | Buffer[]): Promise<void> {
    if (this.finished) return Promise.reject(new Error("call already finished"));
    if (this.stream.closed || this.stream.destroyed) return Promise.reject(this.failure ?? new Error("call closed"));
    if (!this.stream.headersSent) this.respond();
    const parts = Array.isArray(message) ? message : [message];
    const s = this.stream;
    s.cork();
    s.write(grpcPrefix(parts.reduce((n, p) => n + p.length, 0)));
    for (const p of parts) if (p.length > 0) s.write(p);
    s.uncork();
    if (s.writableLength < SEND_QUEUE) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        s.off("drain", done);
        s.off("close", done);
        if (s.writableLength > 0 && (s.closed || s.destroyed)) reject(this.failure ?? new Error("call closed"));
        else resolve();
      };
      s.on("drain", done);
      s.on("close", done);
    });
  }

  finish(code = 0, details = ""): void {
    if (this.finished || this.stream.closed || this.stream.destroyed) return;
    this.finished = true;
    this.trailers = { "grpc-status": String(code), ...(details ? { "grpc-message": encodeGrpcMessage(details) } : {}) };
    if (!this.stream.headersSent)
      this.respond(this.trailers, true); // trailers-only
    else this.stream.end(); // then 'wantTrailers'
    if (this.stream.isPaused()) this.stream.resume();
    this.wake();
  }
}

/** Serves the handlers on the HTTP/2 connection whose server side `io` is. */
export function serveHttp2(io: Duplex, opts: SessionServerOptions): SessionServer {
  const server = http2.createServer({
    settings: { initialWindowSize: RECEIVE_WINDOW, maxConcurrentStreams: 1000 },
    // Megabytes of buffered frames before Node refuses more (default 10): above our windows.
    maxSessionMemory: 256,
  });
  server.setTimeout(0);
  let session: http2.ServerHttp2Session | undefined;
  server.on("session", (s: http2.ServerHttp2Session) => {
    session = s;
    s.on("error", (err: Error) => debug("session connection error: %s", err.message));
    s.on("goaway", () => debug("session: the daemon sent GOAWAY"));
    const widen = (): void => s.setLocalWindowSize(RECEIVE_WINDOW);
    if (s.connecting) s.once("connect", widen);
    else widen();
  });
  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const call = new Http2Call(String(headers[":path"] ?? ""), stream, rawHeaders);
    const handler = opts.handlers.get(call.path);
    if (!handler) call.finish(12, `unknown method ${call.path}`);
    else runHandler(handler, call, opts);
  });
  server.emit("connection", io);
  return {
    close(): void {
      session?.close();
      session?.destroy();
      io.destroy();
    },
  };
}
