/**
 * The session's gRPC services on grpc-js's server, over the session's connection through its
 * connection injector (`Server.createConnectionInjector`, grpc-js >= 1.10): every handler is
 * registered as a bidi method with identity (de)serializers and sees each message as one buffer.
 */
import type { Duplex } from "node:stream";

import * as grpc from "@grpc/grpc-js";

import { octetsToText, runHandler, type GrpcMessage, type ServerCall, type SessionServer, type SessionServerOptions } from "./call.js";

/** Bytes that may wait in a call's send buffer before send() makes its caller wait. */
const SEND_QUEUE = 1024 * 1024;

type BytesCall = grpc.ServerDuplexStream<Buffer, Buffer>;

class GrpcJsCall implements ServerCall {
  readonly metadata = new Map<string, string[]>();
  private finished = false;
  private cancelled = false;

  constructor(
    readonly path: string,
    private readonly call: BytesCall,
  ) {
    for (const [name, value] of Object.entries(call.metadata.toHttp2Headers())) {
      const values = (Array.isArray(value) ? value : [value]).map((v) => octetsToText(String(v)));
      this.metadata.set(name, values);
    }
    call.on("cancelled", () => (this.cancelled = true));
    call.on("error", () => {});
  }

  get closed(): boolean {
    return this.finished || this.cancelled || this.call.destroyed;
  }

  get messages(): AsyncIterable<GrpcMessage> {
    const call = this.call;
    const cancelled = () => this.cancelled;
    return {
      async *[Symbol.asyncIterator]() {
        // Not call[Symbol.asyncIterator]: that destroys the call when the reading ends, before our answer.
        const it = call.iterator({ destroyOnReturn: false });
        for (;;) {
          if (cancelled()) throw new Error("call reset by the daemon");
          const r = (await it.next()) as IteratorResult<Buffer>;
          if (r.done) {
            if (cancelled()) throw new Error("call reset by the daemon");
            return;
          }
          yield { parts: [r.value], length: r.value.length };
        }
      },
    };
  }

  send(message: Buffer | Buffer[]): Promise<void> {
    if (this.finished) return Promise.reject(new Error("call already finished"));
    if (this.closed) return Promise.reject(new Error("call reset by the daemon"));
    const buf = Array.isArray(message) ? (message.length === 1 ? message[0]! : Buffer.concat(message)) : message;
    this.call.write(buf);
    if (this.call.writableLength < SEND_QUEUE) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.call.off("drain", done);
        this.call.off("cancelled", done);
        if (this.cancelled) reject(new Error("call reset by the daemon"));
        else resolve();
      };
      this.call.on("drain", done);
      this.call.on("cancelled", done);
    });
  }

  finish(code = 0, details = ""): void {
    if (this.finished || this.cancelled) return;
    this.finished = true;
    if (code === 0) this.call.end();
    else this.call.emit("error", { code, details } satisfies Partial<grpc.ServiceError>);
  }
}

const identity = (b: Buffer): Buffer => b;

/** Serves the handlers on the HTTP/2 connection whose server side `io` is. */
export function serveGrpcJs(io: Duplex, opts: SessionServerOptions): SessionServer {
  const server = new grpc.Server({ "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
  for (const [path, handler] of opts.handlers) {
    server.register<Buffer, Buffer>(path, (call: BytesCall) => runHandler(handler, new GrpcJsCall(path, call), opts), identity, identity, "bidi");
  }
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  injector.injectConnection(io);
  return {
    close(): void {
      injector.destroy();
      io.destroy();
    },
  };
}
