/**
 * The session's own HTTP/2 + gRPC server, over the byte stream of Control.Session.
 *
 * Inside the session the daemon is the gRPC client and we serve a handful of methods. Every
 * uploaded and exported byte crosses this connection, so it is served here rather than by
 * grpc-js on Node's http2 module: that stack copies each byte into nghttp2 (through a JS stream
 * socket), out again into a new buffer per DATA frame, and once more to reassemble each message,
 * and the garbage of those buffers cost more CPU than the whole transfer. Here frames are parsed
 * from the incoming chunks in place: a message reaches its handler as slices of the chunks it
 * arrived in (`GrpcMessage.parts`), and outgoing messages are written as frame headers followed by
 * the caller's buffers. Only what a gRPC server needs of RFC 7540 is implemented: the connection
 * preface, SETTINGS, PING, GOAWAY, WINDOW_UPDATE/flow control in both directions, HEADERS +
 * CONTINUATION (HPACK, ./hpack.ts), DATA (with padding), RST_STREAM; PRIORITY and unknown frame
 * types are ignored. No server push, no stream priorities.
 */
import type { Duplex } from 'node:stream';

import createDebug from 'debug';

import { CallError, encodeGrpcMessage, grpcPrefix, octetsToText, type GrpcMessage, type ServerCall, type SessionServer, type SessionServerOptions } from './call.js';
import { HpackDecoder, encodeHeaders, type HeaderList } from './hpack.js';

export { CallError, messageBytes, type GrpcMessage, type Handler, type ServerCall } from './call.js';

const debug = createDebug('lfs-docker:session');

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5, MAX_HEADER_LIST_SIZE: 6 } as const;
const H2ERR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, FLOW_CONTROL_ERROR: 3, STREAM_CLOSED: 5, FRAME_SIZE_ERROR: 6, CANCEL: 8, COMPRESSION_ERROR: 9 } as const;

/** The largest frame we accept (the protocol's default; we do not ask for more). */
const MAX_FRAME = 16384;
/** Our receive window per stream, and for the connection. */
export const RECEIVE_WINDOW = 8 * 1024 * 1024;
/** Bytes a stream may hold unconsumed before we stop returning its flow-control credit. */
const STREAM_BUFFER = 8 * 1024 * 1024;
/** Credit is returned in updates of at least this much (far below RECEIVE_WINDOW: no sender waits). */
const CREDIT_STEP = 256 * 1024;
/** Bytes that may wait in a stream's send queue before send() makes its caller wait. */
const SEND_QUEUE = 1024 * 1024;

function u32(b: Buffer, o: number): number {
  return b.readUInt32BE(o);
}

function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const h = Buffer.allocUnsafe(9);
  h[0] = (length >>> 16) & 0xff;
  h[1] = (length >>> 8) & 0xff;
  h[2] = length & 0xff;
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return h;
}

class Stream implements ServerCall {
  readonly metadata = new Map<string, string[]>();
  path = '';
  sendWindow: number;
  /** Incoming: the message being assembled. */
  private prefix = Buffer.alloc(5);
  private prefixLen = 0;
  private msgLeft = -1;
  private msgParts: Buffer[] = [];
  private msgLen = 0;
  /** Complete messages not yet taken by the handler. */
  private queue: Array<{ m: GrpcMessage; wire: number }> = [];
  private queuedBytes = 0;
  private heldCredit = 0;
  private waiter: (() => void) | undefined;
  remoteEnded = false;
  private failure: Error | undefined;
  /** Outgoing. */
  headersSent = false;
  out: Buffer[] = [];
  outBytes = 0;
  finishing: { code: number; details: string } | undefined;
  localEnded = false;
  private sendWaiters: Array<() => void> = [];

  constructor(
    readonly id: number,
    private readonly conn: H2Connection,
    initialSendWindow: number,
  ) {
    this.sendWindow = initialSendWindow;
  }

  get closed(): boolean {
    return this.localEnded || this.failure !== undefined;
  }

  /** DATA payload (without padding) for this stream. */
  onData(parts: Buffer[], wireBytes: number): void {
    this.heldCredit += wireBytes;
    for (const part of parts) this.parse(part);
    this.credit();
  }

  private parse(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.msgLeft < 0) {
        const take = Math.min(5 - this.prefixLen, chunk.length - pos);
        chunk.copy(this.prefix, this.prefixLen, pos, pos + take);
        this.prefixLen += take;
        pos += take;
        if (this.prefixLen < 5) return;
        if (this.prefix[0] !== 0) throw new CallError(13, 'compressed gRPC messages are not supported');
        this.msgLeft = u32(this.prefix, 1);
        this.msgLen = this.msgLeft;
        this.msgParts = [];
        this.prefixLen = 0;
        if (this.msgLeft === 0) this.complete();
        continue;
      }
      const take = Math.min(this.msgLeft, chunk.length - pos);
      this.msgParts.push(pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
      this.msgLeft -= take;
      pos += take;
      if (this.msgLeft === 0) this.complete();
    }
  }

  private complete(): void {
    const m = { parts: this.msgParts, length: this.msgLen };
    this.queue.push({ m, wire: this.msgLen + 5 });
    this.queuedBytes += this.msgLen + 5;
    this.msgParts = [];
    this.msgLeft = -1;
    this.wake();
  }

  /**
   * Returns flow-control credit unless the handler is behind, in steps of CREDIT_STEP: the credit
   * held back is always far below the window (RECEIVE_WINDOW), so the sender never waits for it.
   * (Returning it whenever the queue was empty meant one WINDOW_UPDATE per 32 KiB packet of an
   * export, each one a message of the outer stream.)
   */
  private credit(): void {
    if (this.heldCredit === 0 || this.failure || this.remoteEnded) return;
    if (this.queuedBytes >= STREAM_BUFFER) return;
    if (this.heldCredit >= CREDIT_STEP) {
      this.conn.windowUpdate(this.id, this.heldCredit);
      this.heldCredit = 0;
    }
  }

  onRemoteEnd(): void {
    this.remoteEnded = true;
    if (this.msgLeft >= 0 || this.prefixLen > 0) this.fail(new CallError(13, 'call ended in the middle of a message'));
    this.wake();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.wake();
    for (const w of this.sendWaiters.splice(0)) w();
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
            const item = this.queue.shift();
            if (item) {
              this.queuedBytes -= item.wire;
              this.credit();
              return { value: item.m, done: false };
            }
            if (this.failure) throw this.failure;
            if (this.remoteEnded) return { value: undefined, done: true };
            await new Promise<void>((r) => (this.waiter = r));
          }
        },
      }),
    };
  }

  send(message: Buffer | Buffer[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.localEnded || this.finishing) return Promise.reject(new Error('call already finished'));
    const parts = Array.isArray(message) ? message : [message];
    const len = parts.reduce((n, p) => n + p.length, 0);
    this.out.push(grpcPrefix(len));
    for (const p of parts) if (p.length > 0) this.out.push(p);
    this.outBytes += len + 5;
    this.conn.flush(this);
    if (this.outBytes < SEND_QUEUE) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.sendWaiters.push(() => (this.failure ? reject(this.failure) : resolve()));
    });
  }

  /** Called by the connection after it wrote some of our queue. */
  drained(): void {
    if (this.outBytes < SEND_QUEUE || this.failure) for (const w of this.sendWaiters.splice(0)) w();
  }

  finish(code = 0, details = ''): void {
    if (this.finishing || this.localEnded || this.failure) return;
    this.finishing = { code, details };
    this.conn.flush(this);
  }
}

export type H2ServerOptions = SessionServerOptions;

/** One served HTTP/2 connection. */
export class H2Connection implements SessionServer {
  private chunks: Buffer[] = [];
  private avail = 0;
  private prefaceSeen = false;
  private readonly streams = new Map<number, Stream>();
  private lastStreamId = 0;
  private readonly decoder = new HpackDecoder();
  private headerBlock: { stream: number; flags: number; parts: Buffer[] } | undefined;
  private connSendWindow = 65535;
  private peerInitialWindow = 65535;
  private peerMaxFrame = 16384;
  private connCredit = 0;
  private closed = false;
  /** Streams with data or trailers waiting for window or transport room. */
  private readonly blocked = new Set<Stream>();

  constructor(
    private readonly io: Duplex,
    private readonly opts: H2ServerOptions,
  ) {
    io.on('data', (c: Buffer) => {
      try {
        this.onChunk(c);
      } catch (err) {
        this.connectionError(err instanceof ConnError ? err.code : H2ERR.PROTOCOL_ERROR, (err as Error).message);
      }
    });
    io.on('drain', () => this.flushAll());
    io.on('end', () => this.shutdown(new Error('session connection ended')));
    io.on('close', () => this.shutdown(new Error('session connection closed')));
    io.on('error', (err: Error) => this.shutdown(err));
    // Server preface: our SETTINGS, then a wider connection window.
    this.write([
      frameHeader(12, FRAME.SETTINGS, 0, 0),
      settingsPayload([
        [SETTING.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
        [SETTING.MAX_CONCURRENT_STREAMS, 1000],
      ]),
    ]);
    this.windowUpdate(0, RECEIVE_WINDOW - 65535);
  }

  private write(bufs: Buffer[]): void {
    if (this.closed || this.io.destroyed || this.io.writableEnded) return;
    if (bufs.length === 1) {
      this.io.write(bufs[0]);
      return;
    }
    this.io.cork();
    for (const b of bufs) this.io.write(b);
    this.io.uncork();
  }

  windowUpdate(stream: number, inc: number): void {
    if (inc <= 0) return;
    const p = Buffer.allocUnsafe(4);
    p.writeUInt32BE(inc & 0x7fffffff, 0);
    this.write([frameHeader(4, FRAME.WINDOW_UPDATE, 0, stream), p]);
  }

  private onChunk(c: Buffer): void {
    if (this.closed || c.length === 0) return;
    this.chunks.push(c);
    this.avail += c.length;
    if (!this.prefaceSeen) {
      if (this.avail < PREFACE.length) return;
      const p = this.take(PREFACE.length);
      if (!Buffer.concat(p).equals(PREFACE)) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'not an HTTP/2 client preface');
      this.prefaceSeen = true;
    }
    while (this.avail >= 9) {
      const h = this.peek(9);
      const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
      if (length > MAX_FRAME) throw new ConnError(H2ERR.FRAME_SIZE_ERROR, `frame of ${length} bytes`);
      if (this.avail < 9 + length) return;
      this.take(9);
      const payload = this.take(length);
      this.onFrame(h[3]!, h[4]!, u32(h, 5) & 0x7fffffff, payload, length);
    }
  }

  /** The first n bytes, contiguous (copied only when they span chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let o = 0;
    for (const c of this.chunks) {
      const t = Math.min(c.length, n - o);
      c.copy(out, o, 0, t);
      o += t;
      if (o === n) break;
    }
    return out;
  }

  /** Removes n bytes from the front, as slices of the chunks. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    this.avail -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) {
        out.push(c);
        this.chunks.shift();
        n -= c.length;
      } else {
        out.push(c.subarray(0, n));
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
    return out;
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer[], length: number): void {
    if (this.headerBlock && type !== FRAME.CONTINUATION) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'expected CONTINUATION');
    switch (type) {
      case FRAME.DATA:
        return this.onDataFrame(flags, id, payload, length);
      case FRAME.HEADERS: {
        if (id === 0) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'HEADERS on stream 0');
        let parts = payload;
        let body = Buffer.concat(parts, length);
        let pad = 0;
        let o = 0;
        if (flags & FLAG.PADDED) {
          pad = body[0] ?? 0;
          o = 1;
        }
        if (flags & FLAG.PRIORITY) o += 5;
        if (o + pad > body.length) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'bad HEADERS padding');
        body = body.subarray(o, body.length - pad);
        parts = [body];
        this.headerBlock = { stream: id, flags, parts };
        if (flags & FLAG.END_HEADERS) this.onHeaderBlock();
        return;
      }
      case FRAME.CONTINUATION:
        if (!this.headerBlock || this.headerBlock.stream !== id) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'unexpected CONTINUATION');
        this.headerBlock.parts.push(...payload);
        if (flags & FLAG.END_HEADERS) this.onHeaderBlock();
        return;
      case FRAME.PRIORITY:
        return;
      case FRAME.RST_STREAM: {
        const s = this.streams.get(id);
        if (s) {
          const code = length >= 4 ? u32(Buffer.concat(payload, length), 0) : 0;
          s.fail(new CallError(1, `call reset by the daemon (HTTP/2 error ${code})`));
          this.forget(s);
        }
        return;
      }
      case FRAME.SETTINGS: {
        if (id !== 0) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'SETTINGS on a stream');
        if (flags & FLAG.ACK) return;
        if (length % 6 !== 0) throw new ConnError(H2ERR.FRAME_SIZE_ERROR, 'bad SETTINGS length');
        const b = Buffer.concat(payload, length);
        for (let o = 0; o < length; o += 6) {
          const key = b.readUInt16BE(o);
          const value = u32(b, o + 2);
          if (key === SETTING.INITIAL_WINDOW_SIZE) {
            if (value > 0x7fffffff) throw new ConnError(H2ERR.FLOW_CONTROL_ERROR, 'initial window too large');
            const delta = value - this.peerInitialWindow;
            this.peerInitialWindow = value;
            for (const s of this.streams.values()) s.sendWindow += delta;
          } else if (key === SETTING.MAX_FRAME_SIZE) {
            if (value < 16384 || value > 16777215) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'bad MAX_FRAME_SIZE');
            this.peerMaxFrame = value;
          }
        }
        this.write([frameHeader(0, FRAME.SETTINGS, FLAG.ACK, 0)]);
        this.flushAll();
        return;
      }
      case FRAME.PING:
        if (length !== 8) throw new ConnError(H2ERR.FRAME_SIZE_ERROR, 'bad PING length');
        if (!(flags & FLAG.ACK)) this.write([frameHeader(8, FRAME.PING, FLAG.ACK, 0), Buffer.concat(payload, 8)]);
        return;
      case FRAME.GOAWAY:
        debug('session: the daemon sent GOAWAY');
        return;
      case FRAME.WINDOW_UPDATE: {
        if (length !== 4) throw new ConnError(H2ERR.FRAME_SIZE_ERROR, 'bad WINDOW_UPDATE length');
        const inc = u32(Buffer.concat(payload, 4), 0) & 0x7fffffff;
        if (id === 0) this.connSendWindow += inc;
        else {
          const s = this.streams.get(id);
          if (s) s.sendWindow += inc;
        }
        this.flushAll();
        return;
      }
      case FRAME.PUSH_PROMISE:
        throw new ConnError(H2ERR.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      default:
        return; // unknown frame types are ignored
    }
  }

  private onDataFrame(flags: number, id: number, payload: Buffer[], length: number): void {
    // Connection-level credit goes back at once: a slow handler holds back only its own stream.
    this.connCredit += length;
    if (this.connCredit >= CREDIT_STEP) {
      this.windowUpdate(0, this.connCredit);
      this.connCredit = 0;
    }
    const s = this.streams.get(id);
    if (!s || s.remoteEnded) return; // a stream we already closed: drop its data
    let parts = payload;
    if (flags & FLAG.PADDED) {
      const all = Buffer.concat(payload, length);
      const pad = all[0] ?? 0;
      if (1 + pad > length) throw new ConnError(H2ERR.PROTOCOL_ERROR, 'bad DATA padding');
      parts = [all.subarray(1, length - pad)];
    }
    try {
      s.onData(parts, length);
    } catch (err) {
      s.fail(err as Error);
      this.reset(s, H2ERR.PROTOCOL_ERROR);
      return;
    }
    if (flags & FLAG.END_STREAM) this.remoteEnd(s);
  }

  private onHeaderBlock(): void {
    const hb = this.headerBlock!;
    this.headerBlock = undefined;
    let headers: HeaderList;
    try {
      headers = this.decoder.decode(hb.parts.length === 1 ? hb.parts[0]! : Buffer.concat(hb.parts));
    } catch (err) {
      throw new ConnError(H2ERR.COMPRESSION_ERROR, (err as Error).message);
    }
    const existing = this.streams.get(hb.stream);
    if (existing) {
      // Trailers from the client: only END_STREAM matters.
      if (hb.flags & FLAG.END_STREAM) this.remoteEnd(existing);
      return;
    }
    if (hb.stream % 2 === 0 || hb.stream <= this.lastStreamId) throw new ConnError(H2ERR.PROTOCOL_ERROR, `bad stream id ${hb.stream}`);
    this.lastStreamId = hb.stream;
    const s = new Stream(hb.stream, this, this.peerInitialWindow);
    for (const [name, value] of headers) {
      if (name === ':path') s.path = value;
      else if (name.startsWith(':')) continue;
      else {
        // HPACK strings are octets (kept as latin1); metadata values are UTF-8 text when valid.
        const text = octetsToText(value);
        const v = s.metadata.get(name);
        if (v) v.push(text);
        else s.metadata.set(name, [text]);
      }
    }
    this.streams.set(s.id, s);
    if (hb.flags & FLAG.END_STREAM) s.onRemoteEnd();
    const handler = this.opts.handlers.get(s.path);
    if (!handler) {
      s.finish(12, `unknown method ${s.path}`);
      return;
    }
    let result: void | Promise<void>;
    try {
      result = handler(s);
    } catch (err) {
      this.handlerFailed(s, err);
      return;
    }
    if (result && typeof result.then === 'function') result.then(undefined, (err: unknown) => this.handlerFailed(s, err));
  }

  private handlerFailed(s: Stream, err: unknown): void {
    this.opts.onHandlerError?.(s.path, err);
    const code = err instanceof CallError ? err.code : 13;
    s.finish(code, err instanceof Error ? err.message : String(err));
  }

  private remoteEnd(s: Stream): void {
    s.onRemoteEnd();
    if (s.localEnded) this.forget(s);
  }

  private forget(s: Stream): void {
    this.streams.delete(s.id);
    this.blocked.delete(s);
  }

  private reset(s: Stream, code: number): void {
    const p = Buffer.allocUnsafe(4);
    p.writeUInt32BE(code, 0);
    this.write([frameHeader(4, FRAME.RST_STREAM, 0, s.id), p]);
    s.localEnded = true;
    this.forget(s);
  }

  /** The transport asked us to wait (write() returned false); 'drain' resumes. */
  private transportFull(): boolean {
    return this.io.writableNeedDrain;
  }

  /** Writes what the stream has queued, as far as windows and the transport allow. */
  flush(s: Stream): void {
    if (this.closed) {
      s.fail(new Error('session connection closed'));
      return;
    }
    if (s.localEnded) return;
    const frames: Buffer[] = [];
    if (!s.headersSent && (s.outBytes > 0 || s.finishing)) {
      if (s.outBytes === 0 && s.finishing) {
        // Trailers-only response.
        const block = encodeHeaders([
          [':status', '200'],
          ['content-type', 'application/grpc'],
          ['grpc-status', String(s.finishing.code)],
          ...(s.finishing.details ? ([['grpc-message', encodeGrpcMessage(s.finishing.details)]] as Array<[string, string]>) : []),
        ]);
        this.write([frameHeader(block.length, FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, s.id), block]);
        this.endLocal(s);
        return;
      }
      const block = encodeHeaders([
        [':status', '200'],
        ['content-type', 'application/grpc'],
      ]);
      frames.push(frameHeader(block.length, FRAME.HEADERS, FLAG.END_HEADERS, s.id), block);
      s.headersSent = true;
    }
    while (s.outBytes > 0 && !this.transportFull()) {
      const n = Math.min(s.outBytes, s.sendWindow, this.connSendWindow, this.peerMaxFrame);
      if (n <= 0) break;
      const parts: Buffer[] = [];
      let left = n;
      while (left > 0) {
        const b = s.out[0]!;
        if (b.length <= left) {
          parts.push(b);
          s.out.shift();
          left -= b.length;
        } else {
          parts.push(b.subarray(0, left));
          s.out[0] = b.subarray(left);
          left = 0;
        }
      }
      s.outBytes -= n;
      s.sendWindow -= n;
      this.connSendWindow -= n;
      frames.push(frameHeader(n, FRAME.DATA, 0, s.id), ...parts);
      if (frames.length > 64) {
        this.write(frames.splice(0));
      }
    }
    if (s.outBytes === 0 && s.finishing) {
      const block = encodeHeaders([
        ['grpc-status', String(s.finishing.code)],
        ...(s.finishing.details ? ([['grpc-message', encodeGrpcMessage(s.finishing.details)]] as Array<[string, string]>) : []),
      ]);
      frames.push(frameHeader(block.length, FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, s.id), block);
      this.write(frames);
      this.endLocal(s);
      return;
    }
    if (frames.length > 0) this.write(frames);
    if (s.outBytes > 0) this.blocked.add(s);
    else this.blocked.delete(s);
    s.drained();
  }

  private endLocal(s: Stream): void {
    s.localEnded = true;
    s.out = [];
    s.outBytes = 0;
    this.blocked.delete(s);
    s.drained();
    if (s.remoteEnded) this.forget(s);
    else {
      // We are done; the client's remaining messages do not matter. Like grpc-go, reset the
      // stream so the client stops sending (NO_ERROR keeps its outcome: our trailers).
      const p = Buffer.allocUnsafe(4);
      p.writeUInt32BE(H2ERR.NO_ERROR, 0);
      this.write([frameHeader(4, FRAME.RST_STREAM, 0, s.id), p]);
      s.onRemoteEnd();
      this.forget(s);
    }
  }

  private flushAll(): void {
    for (const s of [...this.blocked]) {
      if (this.transportFull()) return;
      this.flush(s);
    }
  }

  private connectionError(code: number, message: string): void {
    debug('session connection error: %s', message);
    if (!this.closed) {
      const p = Buffer.allocUnsafe(8);
      p.writeUInt32BE(this.lastStreamId, 0);
      p.writeUInt32BE(code, 4);
      const msg = Buffer.from(message);
      this.write([frameHeader(8 + msg.length, FRAME.GOAWAY, 0, 0), p, msg]);
    }
    this.shutdown(new Error(`session connection error: ${message}`));
    this.io.end();
  }

  private shutdown(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.fail(err);
    this.streams.clear();
    this.blocked.clear();
  }

  /** Closes the connection (GOAWAY, then the transport). */
  close(): void {
    if (!this.closed) {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(this.lastStreamId, 0);
      this.write([frameHeader(8, FRAME.GOAWAY, 0, 0), p]);
    }
    this.shutdown(new Error('session closed'));
    this.io.destroy();
  }
}

class ConnError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function settingsPayload(entries: Array<[number, number]>): Buffer {
  const b = Buffer.allocUnsafe(entries.length * 6);
  entries.forEach(([k, v], i) => {
    b.writeUInt16BE(k, i * 6);
    b.writeUInt32BE(v, i * 6 + 2);
  });
  return b;
}
