/**
 * Reading a file a user or a book names, safely: a regular file only (never a device, a FIFO or a
 * directory, which would hang or exhaust memory), opened without following a final symbolic link when
 * asked, and never more than a given size.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Why a file cannot be read: `code` is the errno code or one of NOT_REGULAR, TOO_BIG. */
export class ReadRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReadRefused";
    this.code = code;
  }
}

export interface BoundedReadOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** Refuse a symbolic link as the file itself (O_NOFOLLOW). */
  noFollow?: boolean;
}

const kindOf = (s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }) =>
  s.isDirectory()
    ? "a directory"
    : s.isFIFO()
      ? "a FIFO"
      : s.isCharacterDevice()
        ? "a character device"
        : s.isBlockDevice()
          ? "a block device"
          : s.isSocket()
            ? "a socket"
            : "not a regular file";

/** The bytes of a regular file of at most `maxBytes`; throws ReadRefused otherwise. */
export function readBounded(path: string, o: BoundedReadOptions): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (o.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    throw new ReadRefused(code, code === "ELOOP" ? "a symbolic link, not a regular file" : code, { cause: err });
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new ReadRefused("NOT_REGULAR", kindOf(s));
    if (s.size > o.maxBytes) throw new ReadRefused("TOO_BIG", `larger than ${o.maxBytes} bytes`);
    const buf = Buffer.alloc(s.size + 1);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    if (n > s.size) throw new ReadRefused("TOO_BIG", "it grew while being read");
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** `readBounded` as UTF-8 text. */
export function readBoundedText(path: string, o: BoundedReadOptions): string {
  return readBounded(path, o).toString("utf8");
}
