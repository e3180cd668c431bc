/**
 * The byte Duplex the session's HTTP/2 server runs on, when the session's connection travels as
 * BytesMessages of an outer stream (Control.Session through grpc-js or ./rawstream.ts).
 */
import { Duplex } from "node:stream";

export interface OuterStream {
  /** Reading resumes (the Duplex wants more). */
  resume(): void;
  /** Sends these bytes (as one or more messages); `cb` when the caller may write again. */
  send(bufs: Buffer[], cb: (err?: Error | null) => void): void;
  /** No more bytes from us. */
  end(): void;
  /** The Duplex was destroyed: cancel the stream. */
  cancel(): void;
}

/**
 * Big buffers both ways (the default 16 KiB would pause the outer stream after every message);
 * the HTTP/2 server's writes come in corked batches of small frames, sent as one message per batch
 * rather than one per frame.
 */
export function outerStreamDuplex(outer: OuterStream): Duplex {
  return new Duplex({
    readableHighWaterMark: 8 * 1024 * 1024,
    writableHighWaterMark: 8 * 1024 * 1024,
    read() {
      outer.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      outer.send([chunk], cb);
    },
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      outer.send(
        chunks.map((c) => c.chunk),
        cb,
      );
    },
    final(cb) {
      outer.end();
      cb();
    },
    destroy(err, cb) {
      outer.cancel();
      cb(err);
    },
  });
}
