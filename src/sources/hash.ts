import { createHash, type Hash } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { fileKind } from "../fs/safe-write.js";

/** MD5 and SHA-256 of a file, and its size. */
export interface Digests {
  readonly md5: string;
  readonly sha256: string;
  readonly size: number;
}

/** Both hashes fed at once, as the bytes go by. */
export class DigestPair {
  private readonly md5: Hash = createHash("md5");
  private readonly sha256: Hash = createHash("sha256");
  size = 0;
  update(chunk: Buffer): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.size += chunk.length;
  }
  digest(): Digests {
    return { md5: this.md5.digest("hex"), sha256: this.sha256.digest("hex"), size: this.size };
  }
}

/** A file that is not a regular one (a FIFO, a device, a directory): never read, it could hang or never end. */
export class NotRegularFile extends Error {
  /** EISDIR for a directory (as reading one would give), ENOTREGULAR for the others. */
  readonly code: string;
  constructor(readonly kind: string) {
    super(`${kind}, not a regular file`);
    this.name = "NotRegularFile";
    this.code = kind === "a directory" ? "EISDIR" : "ENOTREGULAR";
  }
}

/**
 * Feed the first `limit` bytes of a file (all of it when omitted) into `pair`. Only a regular file is
 * read (opened without blocking, then checked: a FIFO rejects with NotRegularFile at once). Rejects
 * with the raw fs error otherwise.
 */
export async function hashInto(pair: DigestPair, path: string, limit?: number, signal?: AbortSignal): Promise<void> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw new NotRegularFile(fileKind(s));
    if (limit === 0) return;
    const stream = fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false, ...(limit !== undefined && { end: limit - 1 }), ...(signal && { signal }) });
    for await (const chunk of stream) pair.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
}

/** MD5, SHA-256 and size of a file. Rejects with the raw fs error (ENOENT when it is missing). */
export async function hashFile(path: string, signal?: AbortSignal): Promise<Digests> {
  const pair = new DigestPair();
  await hashInto(pair, path, undefined, signal);
  return pair.digest();
}
