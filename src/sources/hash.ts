import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

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

/** Feed the first `limit` bytes of a file (all of it when omitted) into `pair`. Rejects with the raw fs error. */
export async function hashInto(pair: DigestPair, path: string, limit?: number, signal?: AbortSignal): Promise<void> {
  if (limit === 0) return;
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(limit !== undefined && { end: limit - 1 }), ...(signal && { signal }) });
  for await (const chunk of stream) pair.update(chunk as Buffer);
}

/** MD5, SHA-256 and size of a file. Rejects with the raw fs error (ENOENT when it is missing). */
export async function hashFile(path: string, signal?: AbortSignal): Promise<Digests> {
  const pair = new DigestPair();
  await hashInto(pair, path, undefined, signal);
  return pair.digest();
}
