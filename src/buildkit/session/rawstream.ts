/**
 * Control.Session on a connection of its own, with Node's HTTP/2 client and hand-written gRPC
 * framing, instead of a grpc-js call through the bridge.
 *
 * The session stream carries every byte of uploads and exports. Through grpc-js each byte was
 * copied by the bridge (socket → unix socket), reassembled into whole messages by grpc-js's
 * decoder, decoded by protobufjs, and on the way out encoded and framed again. Here the HTTP/2
 * session sits directly on the daemon connection (a `POST /grpc` upgraded socket, a unix or TCP
 * socket, ...), and `BytesMessage{bytes data = 1}` is framed and unframed by hand: incoming
 * payloads are passed on as slices of the received chunks (no reassembly), outgoing ones are
 * written as [gRPC prefix + protobuf tag/length] followed by the caller's buffers (no copy).
 *
 * The result is the same as bytesCallToDuplex(grpc-js call): a byte Duplex of the inner HTTP/2
 * connection (on which the daemon is the client and we serve), plus the call's outcome.
 */
import http2 from "node:http2";
import type { Duplex } from "node:stream";

import createDebug from "debug";

import { outerStreamDuplex } from "./duplex.js";

const debug = createDebug("lfs-docker:session");

export const SESSION_PATH = "/moby.buildkit.v1.Control/Session";

/** HTTP/2 receive window (stream and connection) of the session connection. */
export const RAW_SESSION_WINDOW = 16 * 1024 * 1024;

/** The largest BytesMessage we send (the daemon's default gRPC receive limit is 4 MiB). */
const MAX_OUT_MESSAGE = 1024 * 1024;

/** How much may wait in the HTTP/2 stream's buffer before our writer waits for it to drain. */
const OUT_BUFFER = 8 * 1024 * 1024;

export interface RawSessionCall {
  /** The inner connection's bytes, both ways. */
  duplex: Duplex;
  /** Settles when the call ends: OK, or an error with the gRPC status. */
  done: Promise<void>;
  /** Cancels the call and closes the connection. */
  cancel(): void;
}

export class RawSessionError extends Error {
  override readonly name = "RawSessionError";
  constructor(
    message: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(message);
  }
}

/** The gRPC prefix and the protobuf header of a BytesMessage whose data is `len` bytes long. */
export function bytesMessageHeader(len: number): Buffer {
  // field 1, wire type 2 (0x0a), varint length; an empty message for empty data.
  let vlen = 1;
  for (let v = len; v >= 0x80; v = Math.floor(v / 128)) vlen++;
  const pb = len === 0 ? 0 : 1 + vlen;
  const h = Buffer.allocUnsafe(5 + pb);
  h[0] = 0;
  h.writeUInt32BE(pb + len, 1);
  if (len > 0) {
    h[5] = 0x0a;
    let o = 6;
    let v = len;
    while (v >= 0x80) {
      h[o++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    h[o] = v;
  }
  return h;
}

function readVarint(buf: Buffer, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = pos; i < end && i < pos + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    mul *= 128;
  }
  return undefined;
}

/** Fields 1 of a whole BytesMessage (the general path; normally never taken). */
export function decodeBytesMessage(msg: Buffer): Buffer {
  let pos = 0;
  let data: Buffer = Buffer.alloc(0);
  while (pos < msg.length) {
    const tag = readVarint(msg, pos, msg.length);
    if (!tag) throw new Error("malformed BytesMessage");
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wt = tag.value & 7;
    if (wt === 2) {
      const l = readVarint(msg, pos, msg.length);
      if (!l || l.next + l.value > msg.length) throw new Error("malformed BytesMessage");
      if (field === 1) data = msg.subarray(l.next, l.next + l.value);
      pos = l.next + l.value;
    } else if (wt === 0) {
      const v = readVarint(msg, pos, msg.length);
      if (!v) throw new Error("malformed BytesMessage");
      pos = v.next;
    } else if (wt === 1) pos += 8;
    else if (wt === 5) pos += 4;
    else throw new Error(`malformed BytesMessage (wire type ${wt})`);
  }
  return data;
}

/**
 * Incremental parser of a gRPC response body made of BytesMessages: calls `onData` with the
 * payload bytes, as slices of the incoming chunks whenever a message has the usual shape
 * (one field 1), so large payloads are never reassembled.
 */
export class BytesMessageReader {
  private head = Buffer.alloc(16);
  private headLen = 0;
  /** Bytes of the current message still to come, when streaming its payload. */
  private bodyLeft = 0;
  /** Whole-message fallback: the message's bytes collected so far. */
  private whole: Buffer[] | undefined;
  private wholeLeft = 0;

  constructor(private readonly onData: (b: Buffer) => void) {}

  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, n - pos);
        this.onData(chunk.subarray(pos, pos + take));
        this.bodyLeft -= take;
        pos += take;
        continue;
      }
      if (this.whole) {
        const take = Math.min(this.wholeLeft, n - pos);
        this.whole.push(chunk.subarray(pos, pos + take));
        this.wholeLeft -= take;
        pos += take;
        if (this.wholeLeft === 0) this.finishWhole();
        continue;
      }
      // Collect the gRPC prefix (5 bytes) and as much of the protobuf header as we need.
      const want = Math.min(this.head.length - this.headLen, n - pos);
      chunk.copy(this.head, this.headLen, pos, pos + want);
      const before = this.headLen;
      this.headLen += want;
      const used = this.parseHead();
      if (used < 0) {
        pos += want; // need more bytes
        continue;
      }
      pos += used - before;
      this.headLen = 0;
    }
  }

  /** Parses the collected head; returns how many of its bytes belong to it, or -1 for "more". */
  private parseHead(): number {
    const h = this.head;
    if (this.headLen < 5) return -1;
    if (h[0] !== 0) throw new Error(`compressed or unknown gRPC message flag ${h[0]}`);
    const msgLen = h.readUInt32BE(1);
    if (msgLen === 0) return 5;
    const avail = Math.min(this.headLen, 5 + msgLen); // bytes of this message collected
    if (avail < 6) return -1;
    if (h[5] === 0x0a) {
      const v = readVarint(h, 6, avail);
      if (!v) {
        if (avail < Math.min(h.length, 5 + msgLen)) return -1;
      } else if (v.next - 5 + v.value === msgLen) {
        // The usual shape: the payload follows; it is passed on straight from the chunks.
        this.bodyLeft = v.value;
        return v.next;
      }
    }
    // Anything else: collect the whole message and decode it properly.
    this.whole = [Buffer.from(h.subarray(5, avail))];
    this.wholeLeft = msgLen - (avail - 5);
    if (this.wholeLeft === 0) this.finishWhole();
    return avail;
  }

  private finishWhole(): void {
    const data = decodeBytesMessage(Buffer.concat(this.whole ?? []));
    this.whole = undefined;
    if (data.length > 0) this.onData(data);
  }
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Node's HTTP/2 client on `socket`, its connection window widened to RAW_SESSION_WINDOW. */
function connectH2(socket: Duplex, authority: string): http2.ClientHttp2Session {
  const h2 = http2.connect(`http://${authority}`, {
    createConnection: () => socket,
    settings: { initialWindowSize: RAW_SESSION_WINDOW, enablePush: false },
    maxSessionMemory: Number.MAX_SAFE_INTEGER,
  });
  h2.on("error", (err) => debug("session connection error: %s", err.message));
  const widen = (): void => {
    try {
      h2.setLocalWindowSize(RAW_SESSION_WINDOW);
    } catch (err) {
      debug("cannot widen the session connection window: %s", (err as Error).message);
    }
  };
  if (h2.connecting) h2.once("connect", widen);
  else widen();
  return h2;
}

/** Writes `bufs` as BytesMessages of up to MAX_OUT_MESSAGE bytes each, without copying them. */
function sendMessages(req: http2.ClientHttp2Stream, bufs: Buffer[], cb: (err?: Error | null) => void): void {
  if (req.destroyed || req.writableEnded) {
    cb(new Error("session stream closed"));
    return;
  }
  let ok = true;
  req.cork();
  let i = 0;
  while (i < bufs.length) {
    // One message per up to MAX_OUT_MESSAGE bytes of buffers, written without copying.
    const parts: Buffer[] = [];
    let size = 0;
    while (i < bufs.length) {
      const b = bufs[i]!;
      if (b.length === 0) {
        i++;
        continue;
      }
      if (size > 0 && size + b.length > MAX_OUT_MESSAGE) break;
      if (b.length > MAX_OUT_MESSAGE) {
        parts.push(b.subarray(0, MAX_OUT_MESSAGE));
        bufs[i] = b.subarray(MAX_OUT_MESSAGE);
        size += MAX_OUT_MESSAGE;
        break;
      }
      parts.push(b);
      size += b.length;
      i++;
    }
    if (size === 0) continue;
    ok = req.write(bytesMessageHeader(size)) && ok;
    for (const p of parts) ok = req.write(p) && ok;
  }
  req.uncork();
  // An HTTP/2 stream's buffer is 16 KiB, so write() says "wait" after nearly every message;
  // waiting each time would leave the connection idle between messages. Keep up to
  // OUT_BUFFER bytes queued instead (as grpc-js does with its 16-message call buffer).
  if (ok || req.writableLength < OUT_BUFFER) cb();
  else req.once("drain", () => cb());
}

/**
 * The call's end: resolves on gRPC status 0, rejects with the status the daemon sent (headers or
 * trailers), or with what ended the stream without one. Incoming data goes through `reader`.
 */
function callOutcome(req: http2.ClientHttp2Stream, reader: BytesMessageReader, duplex: Duplex, isClosed: () => boolean, close: () => void): Promise<void> {
  let status: { code: number; details: string } | undefined;
  const takeStatus = (headers: http2.IncomingHttpHeaders): void => {
    const code = headers["grpc-status"];
    if (code === undefined || status) return;
    const msg = headers["grpc-message"];
    status = { code: Number(code), details: percentDecode(Array.isArray(msg) ? msg.join(", ") : (msg ?? "")) };
  };
  return new Promise<void>((resolve, reject) => {
    req.on("response", (headers) => {
      const st = Number(headers[":status"]);
      if (st !== 200) {
        status ??= { code: 13, details: `HTTP status ${st} from the daemon` };
      }
      takeStatus(headers); // a trailers-only answer
    });
    req.on("trailers", takeStatus);
    req.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        status ??= { code: 13, details: `bad session message: ${(err as Error).message}` };
        close();
      }
    });
    req.on("end", () => duplex.push(null));
    req.on("error", (err) => {
      status ??= { code: 14, details: err.message };
    });
    req.on("close", () => {
      const s = status ?? (isClosed() ? { code: 1, details: "cancelled" } : { code: 14, details: `session stream closed (${req.rstCode ?? "no status"})` });
      if (!duplex.readableEnded) duplex.push(null);
      close();
      if (s.code === 0) resolve();
      else reject(new RawSessionError(`session stream: ${s.details}`, s.code, s.details));
    });
  });
}

/**
 * Opens Control.Session on `socket` (a fresh connection to the daemon's gRPC endpoint) with the
 * given metadata (lower-case keys; arrays for repeated values).
 */
export function openRawSession(socket: Duplex, metadata: Record<string, string | string[]>, authority = "localhost"): RawSessionCall {
  const h2 = connectH2(socket, authority);
  const req = h2.request(
    {
      ":method": "POST",
      ":path": SESSION_PATH,
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": "lfs-docker",
      ...metadata,
    },
    { endStream: false },
  );
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (!req.destroyed) req.close(http2.constants.NGHTTP2_CANCEL);
    if (!h2.destroyed) h2.destroy();
    socket.destroy();
  };
  const reader = new BytesMessageReader((b) => {
    if (!duplex.push(b)) req.pause();
  });
  const duplex = outerStreamDuplex({
    resume: () => req.resume(),
    send: (bufs, cb) => sendMessages(req, bufs, cb),
    end: () => {
      if (!req.destroyed) req.end();
    },
    cancel: () => close(),
  });
  const done = callOutcome(req, reader, duplex, () => closed, close);
  done.catch(() => {});
  return { duplex, done, cancel: close };
}
