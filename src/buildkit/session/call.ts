/**
 * A gRPC call served in the session, as the session's handlers see it, whichever HTTP/2 server
 * carries it: messages arrive as slices of the chunks they came in (`GrpcMessage.parts`, decoded
 * without copies by ./packets.ts), answers go out as the handler's buffers.
 */

/** A gRPC message as it arrived: slices of the received chunks, in order. */
export interface GrpcMessage {
  parts: Buffer[];
  length: number;
}

/** The message's bytes in one buffer (copies only when it arrived in several parts). */
export function messageBytes(m: GrpcMessage): Buffer {
  return m.parts.length === 1 ? m.parts[0]! : Buffer.concat(m.parts, m.length);
}

/** A failure that ends a call with this gRPC status code. */
export class CallError extends Error {
  override readonly name = "CallError";
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(details);
  }
}

/** One incoming gRPC call, as handlers see it. */
export interface ServerCall {
  readonly path: string;
  /** Request headers other than pseudo-headers, lower-case names, every value in order. */
  readonly metadata: ReadonlyMap<string, string[]>;
  /** The client's messages; ends when it half-closes, throws when the call is reset or lost. */
  readonly messages: AsyncIterable<GrpcMessage>;
  /** Sends one message (its protobuf bytes, in one or more buffers); waits while too much is queued. */
  send(message: Buffer | Buffer[]): Promise<void>;
  /** Ends the call with a status (trailers). Further sends fail. */
  finish(code?: number, details?: string): void;
  /** True once the call ended either way. */
  readonly closed: boolean;
}

export type Handler = (call: ServerCall) => void | Promise<void>;

export interface SessionServerOptions {
  /** Handlers by `/package.Service/Method`. */
  handlers: ReadonlyMap<string, Handler>;
  /** Called when a handler throws or rejects (the call is ended with INTERNAL). */
  onHandlerError?: (path: string, err: unknown) => void;
}

/** The served connection. */
export interface SessionServer {
  /** Ends the connection (GOAWAY, then the transport). */
  close(): void;
}

/** Runs a handler on a call; a throw or rejection ends the call with its code, or INTERNAL. */
export function runHandler(handler: Handler, call: ServerCall, opts: SessionServerOptions): void {
  const failed = (err: unknown): void => {
    opts.onHandlerError?.(call.path, err);
    call.finish(err instanceof CallError ? err.code : 13, err instanceof Error ? err.message : String(err));
  };
  try {
    const result = handler(call);
    if (result && typeof result.then === "function") result.then(undefined, failed);
  } catch (err) {
    failed(err);
  }
}

/** grpc-message is percent-encoded (printable ASCII but `%` stays). */
export function encodeGrpcMessage(s: string): string {
  return Buffer.from(s, "utf8").reduce(
    (out, b) => out + (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`),
    "",
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A header value received as octets (one char per byte): UTF-8 text when it is valid UTF-8. */
export function octetsToText(latin1: string): string {
  if (/^[\x00-\x7f]*$/.test(latin1)) return latin1;
  try {
    return utf8.decode(Buffer.from(latin1, "latin1"));
  } catch {
    return latin1;
  }
}

/**
 * Splits a call's byte stream (DATA payloads, in order) into gRPC messages: 5-byte prefix
 * (compression flag, length), then the message, handed on as slices of the chunks.
 */
export class GrpcMessageReader {
  private readonly prefix = Buffer.alloc(5);
  private prefixLen = 0;
  private left = -1;
  private parts: Buffer[] = [];
  private length = 0;

  constructor(private readonly onMessage: (m: GrpcMessage) => void) {}

  /** True while a message has begun but not ended. */
  get midMessage(): boolean {
    return this.left >= 0 || this.prefixLen > 0;
  }

  /** Takes the next chunk; throws CallError on a compressed message. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.left < 0) {
        const take = Math.min(5 - this.prefixLen, chunk.length - pos);
        chunk.copy(this.prefix, this.prefixLen, pos, pos + take);
        this.prefixLen += take;
        pos += take;
        if (this.prefixLen < 5) return;
        if (this.prefix[0] !== 0) throw new CallError(13, "compressed gRPC messages are not supported");
        this.left = this.prefix.readUInt32BE(1);
        this.length = this.left;
        this.parts = [];
        this.prefixLen = 0;
        if (this.left === 0) this.complete();
        continue;
      }
      const take = Math.min(this.left, chunk.length - pos);
      this.parts.push(pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
      this.left -= take;
      pos += take;
      if (this.left === 0) this.complete();
    }
  }

  private complete(): void {
    const m = { parts: this.parts, length: this.length };
    this.parts = [];
    this.left = -1;
    this.onMessage(m);
  }
}

/** The 5-byte gRPC prefix of an uncompressed message of `length` bytes. */
export function grpcPrefix(length: number): Buffer {
  const p = Buffer.allocUnsafe(5);
  p[0] = 0;
  p.writeUInt32BE(length, 1);
  return p;
}
