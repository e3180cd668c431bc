/**
 * A content store on disk in the OCI image layout (`blobs/sha256/<hex>`): what BuildKit's `local`
 * cache exporter writes and its importer reads, through the session (./content.ts serves it as
 * containerd's content service). Blobs are written into a fresh file under `ingest/`, hashed as they
 * arrive, checked against the size and digest the daemon declared, and linked into place under their
 * digest: a blob is never written through a link, never over an existing file, and never under a name
 * other than its own digest. Reads open blobs without following links.
 */
import { createHash, randomBytes, type Hash } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { link, lstat, mkdir, open, readdir, rmdir, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

import { fileKind } from "../../fs/safe-write.js";

/** The only digests accepted: they name files, so nothing else may reach a path. */
export const BLOB_DIGEST = /^sha256:([a-f0-9]{64})$/;

/** gRPC status codes of the store's refusals (as containerd's content service answers them). */
export const StoreCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export class ContentStoreError extends Error {
  override readonly name = "ContentStoreError";
  constructor(
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BlobInfo {
  digest: string;
  size: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface IngestStatus {
  ref: string;
  offset: number;
  total: number;
  expected: string;
  startedAt: Date;
  updatedAt: Date;
}

/** Bytes per Read answer. */
const READ_CHUNK = 1024 * 1024;

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** A directory of the layout: must be a real directory (a link is refused); made when `create`. */
async function layoutDir(path: string, create: boolean): Promise<void> {
  let s: Stats;
  try {
    s = await lstat(path);
  } catch (err) {
    if (errnoOf(err) !== "ENOENT" || !create)
      throw new ContentStoreError(StoreCode.NOT_FOUND, `${path}: ${errnoOf(err) ?? (err as Error).message}`, { cause: err });
    await mkdir(path, { recursive: true, mode: 0o755 });
    s = await lstat(path);
  }
  if (!s.isDirectory()) throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `${path} is ${fileKind(s)}, not a directory: refused`);
}

export class OciContentStore {
  private readonly ingests = new Map<string, Ingest>();

  /** `writable`: the daemon may add blobs (a cache export); else it only reads (a cache import). */
  constructor(
    readonly dir: string,
    readonly writable: boolean,
  ) {}

  /** Checks the layout's directories (never links); a writable store creates what is missing. */
  async prepare(): Promise<void> {
    for (const p of [this.dir, join(this.dir, "blobs"), join(this.dir, "blobs", "sha256")]) await layoutDir(p, this.writable);
  }

  /** The blob's path; throws for anything but a sha256 digest. */
  blobPath(digest: string): string {
    const m = BLOB_DIGEST.exec(digest);
    if (!m) throw new ContentStoreError(StoreCode.INVALID_ARGUMENT, `invalid digest ${JSON.stringify(digest.slice(0, 80))}: accepted: sha256:<64 hex digits>`);
    return join(this.dir, "blobs", "sha256", m[1]!);
  }

  async info(digest: string): Promise<BlobInfo> {
    const path = this.blobPath(digest);
    let s: Stats;
    try {
      s = await lstat(path);
    } catch (err) {
      if (errnoOf(err) === "ENOENT") throw new ContentStoreError(StoreCode.NOT_FOUND, `content ${digest}: not found in ${this.dir}`);
      throw new ContentStoreError(StoreCode.INTERNAL, `${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!s.isFile()) throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `${path} is ${fileKind(s)}, not a blob: refused`);
    return { digest, size: s.size, createdAt: s.birthtimeMs > 0 ? s.birthtime : s.mtime, updatedAt: s.mtime };
  }

  /** The blob's bytes from `offset`, `size` of them (0: to the end), in chunks. */
  async *read(digest: string, offset: number, size: number): AsyncGenerator<{ offset: number; data: Buffer }> {
    const path = this.blobPath(digest);
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      const code = errnoOf(err) === "ENOENT" ? StoreCode.NOT_FOUND : errnoOf(err) === "ELOOP" ? StoreCode.FAILED_PRECONDITION : StoreCode.INTERNAL;
      throw new ContentStoreError(code, `content ${digest} in ${this.dir}: ${errnoOf(err) === "ELOOP" ? "a symbolic link, refused" : (err as Error).message}`, {
        cause: err,
      });
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `${path} is ${fileKind(st)}, not a blob: refused`);
      let pos = Math.max(0, offset);
      if (pos > st.size) throw new ContentStoreError(StoreCode.OUT_OF_RANGE, `read past object length ${st.size} bytes`);
      const end = size <= 0 || pos + size > st.size ? st.size : pos + size;
      while (pos < end) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - pos));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        yield { offset: pos, data: buf.subarray(0, bytesRead) };
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }

  async list(): Promise<BlobInfo[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, "blobs", "sha256"));
    } catch (err) {
      if (errnoOf(err) === "ENOENT") return [];
      throw err;
    }
    const out: BlobInfo[] = [];
    for (const name of names.filter((n) => /^[a-f0-9]{64}$/.test(n)).sort()) {
      const info = await this.info(`sha256:${name}`).catch(() => undefined);
      if (info) out.push(info);
    }
    return out;
  }

  /** Throws ALREADY_EXISTS when the blob is there (what a writer checks before and while writing). */
  async refuseExisting(digest: string): Promise<void> {
    try {
      await this.info(digest);
    } catch (err) {
      if (err instanceof ContentStoreError && err.code === StoreCode.NOT_FOUND) return;
      throw err;
    }
    throw new ContentStoreError(StoreCode.ALREADY_EXISTS, `content ${digest}: already exists`);
  }

  /** Starts the write of `ref` (one writer per ref at a time). */
  async begin(ref: string, total: number, expected: string): Promise<Ingest> {
    if (!this.writable) throw new ContentStoreError(StoreCode.PERMISSION_DENIED, `${this.dir} is a cache source (cache-from): nothing is written there`);
    if (!ref) throw new ContentStoreError(StoreCode.INVALID_ARGUMENT, "first message must have a reference");
    if (expected) await this.refuseExisting(expected);
    if (this.ingests.has(ref)) throw new ContentStoreError(StoreCode.UNAVAILABLE, `ref ${ref} locked: another write is under way`);
    const dir = join(this.dir, "ingest");
    await layoutDir(dir, true);
    const tmp = join(dir, randomBytes(16).toString("hex"));
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    const ingest = new Ingest(this, ref, total, expected, fh, tmp);
    this.ingests.set(ref, ingest);
    return ingest;
  }

  status(ref: string): IngestStatus {
    const i = this.ingests.get(ref);
    if (!i) throw new ContentStoreError(StoreCode.NOT_FOUND, `no write under way for ref ${ref}`);
    return i.status();
  }

  statuses(): IngestStatus[] {
    return [...this.ingests.values()].map((i) => i.status());
  }

  async abort(ref: string): Promise<void> {
    const i = this.ingests.get(ref);
    if (!i) throw new ContentStoreError(StoreCode.NOT_FOUND, `no write under way for ref ${ref}`);
    await i.abort();
  }

  /** @internal An ingest ended (committed or aborted). */
  release(ingest: Ingest): void {
    if (this.ingests.get(ingest.ref) === ingest) this.ingests.delete(ingest.ref);
  }

  /** Aborts unfinished writes and removes the `ingest` directory when nothing is left in it. */
  async close(): Promise<void> {
    await Promise.all([...this.ingests.values()].map((i) => i.abort()));
    if (this.writable) await rmdir(join(this.dir, "ingest")).catch(() => undefined);
  }
}

/** One blob being written: a fresh file, hashed as it grows, linked into place on commit. */
export class Ingest {
  offset = 0;
  readonly startedAt = new Date();
  updatedAt = this.startedAt;
  private hash: Hash = createHash("sha256");
  private ended = false;

  constructor(
    private readonly store: OciContentStore,
    readonly ref: string,
    public total: number,
    public expected: string,
    private readonly fh: FileHandle,
    private readonly tmp: string,
  ) {}

  /** The digest of what was written so far. */
  get digest(): string {
    return `sha256:${this.hash.copy().digest("hex")}`;
  }

  status(): IngestStatus {
    return { ref: this.ref, offset: this.offset, total: this.total, expected: this.expected, startedAt: this.startedAt, updatedAt: this.updatedAt };
  }

  /** Appends `data` at `offset` (0 starts over; anything else must be the current offset). */
  async write(offset: number, data: Buffer): Promise<void> {
    if (this.ended) throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `ref ${this.ref}: the write has ended`);
    if (offset > 0 && offset !== this.offset)
      throw new ContentStoreError(StoreCode.OUT_OF_RANGE, `write @${offset} must occur at current offset ${this.offset}`);
    if (offset === 0 && this.offset > 0) {
      await this.fh.truncate(0);
      this.offset = 0;
      this.hash = createHash("sha256");
    }
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.offset + done);
      done += bytesWritten;
    }
    this.hash.update(data);
    this.offset += data.length;
    this.updatedAt = new Date();
  }

  /** Checks size and digest, then links the file into place under its digest; returns the digest. */
  async commit(): Promise<string> {
    if (this.ended) throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `ref ${this.ref}: the write has ended`);
    const digest = this.digest;
    try {
      if (this.total > 0 && this.offset !== this.total) {
        throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `unexpected commit size ${this.offset}, expected ${this.total}`);
      }
      if (this.expected && this.expected !== digest) {
        throw new ContentStoreError(StoreCode.FAILED_PRECONDITION, `unexpected commit digest ${digest}, expected ${this.expected}`);
      }
      await this.fh.datasync();
      const final = this.store.blobPath(digest);
      try {
        await link(this.tmp, final); // never over an existing name, never through a link planted there
      } catch (err) {
        if (errnoOf(err) === "EEXIST") throw new ContentStoreError(StoreCode.ALREADY_EXISTS, `content ${digest}: already exists`);
        throw new ContentStoreError(StoreCode.INTERNAL, `cannot store ${digest} in ${this.store.dir}: ${(err as Error).message}`, { cause: err });
      }
      return digest;
    } finally {
      await this.end();
    }
  }

  async abort(): Promise<void> {
    await this.end();
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.store.release(this);
    await this.fh.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }
}
