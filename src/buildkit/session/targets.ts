/**
 * Export targets on our side of the session: where a `local` export's tree or a `tar` export's
 * stream goes. Each is prepared before the solve (so bad destinations fail before anything is
 * sent), receives into a temporary place next to the destination, and is committed (renamed
 * into place) only when the whole solve succeeded, or aborted (removed) otherwise.
 *
 * The temporary place is a directory `.NAME.partial-XXXXXX` beside the destination NAME, holding an
 * owner file (../../fs/owned-dir.ts): when this process is killed before it can remove it, the next
 * build into the same place finds it and removes it (sweepLeftovers).
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Writable } from "node:stream";

import createDebug from "debug";

import { makeOwnedDir } from "../../fs/owned-dir.js";
import { LfsDockerError } from "../../errors.js";
import type { WirePacket } from "../wire/types.js";
import type { Peer } from "./peer.js";
import { receiveDir, type ReceiveOptions, type ReceiveStats } from "./receive.js";

const debug = createDebug("lfs-docker:session");

export interface ExportTarget {
  readonly kind: "dir" | "stream";
  /** The daemon started sending this export. */
  readonly received: boolean;
  prepare(): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

function currentUmask(): number {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}

async function isNonEmptyDir(p: string): Promise<boolean | undefined> {
  try {
    const st = await stat(p);
    if (!st.isDirectory()) return true;
    return (await readdir(p)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The disk filled up (ENOSPC) or the quota ran out (EDQUOT) while an export was written. */
export class ExportSpaceError extends LfsDockerError {
  override readonly name = "ExportSpaceError";
  declare readonly code: "ENOSPC" | "EDQUOT";
  constructor(
    code: "ENOSPC" | "EDQUOT",
    /** Where the export was going. */
    readonly dest: string,
    /** Bytes of the export written before it failed. */
    readonly bytes: number,
    options?: { cause?: unknown },
  ) {
    super(code, `no space left on the device of ${dest} (${code}) after ${bytes} bytes of the export were written`, options);
  }
}

/** `err` as an ExportSpaceError when it is a full disk or quota, else undefined. */
function noSpace(err: unknown, dest: string, bytes: number): ExportSpaceError | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" ? new ExportSpaceError(code, dest, bytes, { cause: err }) : undefined;
}

export interface DirTargetOptions extends ReceiveOptions {
  /** Replace an existing non-empty destination (default false: refuse up front). */
  overwrite?: boolean;
}

/** A `local` export into a directory. */
export class DirTarget implements ExportTarget {
  readonly kind = "dir";
  readonly dest: string;
  /** The owned directory beside the destination; the tree is received into `tmp`, inside it. */
  private partial: string | undefined;
  private tmp: string | undefined;
  received = false;
  stats: ReceiveStats | undefined;

  constructor(
    dest: string,
    private readonly opts: DirTargetOptions = {},
  ) {
    this.dest = resolve(dest);
  }

  async prepare(): Promise<void> {
    const state = await isNonEmptyDir(this.dest);
    if (state === true && !this.opts.overwrite) {
      throw new Error(`export destination ${this.dest} exists and is not an empty directory (set overwrite to replace it)`);
    }
    await mkdir(dirname(this.dest), { recursive: true });
    this.partial = await makeOwnedDir(dirname(this.dest), `.${basename(this.dest)}.partial-`, `an export into ${this.dest} being received`);
    this.tmp = join(this.partial, "tree");
    // The finished directory gets the usual 0777 & ~umask, like mkdir.
    await mkdir(this.tmp, { mode: 0o777 & ~currentUmask() });
    debug("local export to %s via %s", this.dest, this.tmp);
  }

  async receive(peer: Peer<WirePacket>): Promise<ReceiveStats> {
    if (!this.tmp) throw new Error("export target not prepared");
    if (this.received) throw new Error(`export to ${this.dest} was sent twice`);
    this.received = true;
    let bytes = 0;
    try {
      this.stats = await receiveDir(peer, this.tmp, {
        ...this.opts,
        onProgress: (b) => {
          bytes = b;
          this.opts.onProgress?.(b);
        },
      });
    } catch (err) {
      throw noSpace(err, this.dest, bytes) ?? err;
    }
    return this.stats;
  }

  async commit(): Promise<void> {
    if (!this.tmp || !this.partial) return;
    const tmp = this.tmp;
    const partial = this.partial;
    this.tmp = undefined;
    this.partial = undefined;
    const state = await isNonEmptyDir(this.dest);
    if (state === undefined) {
      await rename(tmp, this.dest);
    } else if (state === false) {
      await rmdir(this.dest);
      await rename(tmp, this.dest);
    } else {
      // The old tree goes into the owned directory, removed with it.
      await rename(this.dest, join(partial, "old"));
      await rename(tmp, this.dest);
    }
    await rm(partial, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    if (!this.partial) return;
    const partial = this.partial;
    this.tmp = undefined;
    this.partial = undefined;
    await rm(partial, { recursive: true, force: true });
  }
}

/** A `tar` (or oci/docker) export: one byte stream, to a file or a caller's Writable. */
export class StreamTarget implements ExportTarget {
  readonly kind = "stream";
  private tmpFile: string | undefined;
  private out: Writable | undefined;
  bytes = 0;
  received = false;

  constructor(
    private readonly dest: string | Writable,
    private readonly opts: { overwrite?: boolean } = {},
  ) {}

  get description(): string {
    return typeof this.dest === "string" ? resolve(this.dest) : "stream";
  }

  async prepare(): Promise<void> {
    if (typeof this.dest !== "string") {
      this.out = this.dest;
      return;
    }
    const dest = resolve(this.dest);
    try {
      const st = await stat(dest);
      if (st.isDirectory()) throw new Error(`export destination ${dest} is a directory`);
      if (!this.opts.overwrite) throw new Error(`export destination ${dest} exists (set overwrite to replace it)`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    await mkdir(dirname(dest), { recursive: true });
    const dir = await makeOwnedDir(dirname(dest), `.${basename(dest)}.partial-`, `a tar export into ${dest} being written`);
    this.tmpFile = join(dir, "export.tar");
    this.out = createWriteStream(this.tmpFile, { flags: "wx", mode: 0o644 });
  }

  /** The daemon opened the export stream (once per export). */
  begin(): void {
    if (this.received) throw new Error(`export to ${this.description} was sent twice`);
    this.received = true;
  }

  /** Writes one chunk with backpressure. */
  write(chunk: Buffer): Promise<void> {
    const out = this.out;
    if (!out) return Promise.reject(new Error("export target not prepared"));
    const before = this.bytes;
    this.bytes += chunk.length;
    return new Promise((res, rej) => {
      out.write(chunk, (err) => (err ? rej(noSpace(err, this.description, before) ?? err) : res()));
    });
  }

  async commit(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (!out) return;
    if (out === process.stdout || out === process.stderr) return;
    await new Promise<void>((res, rej) => {
      out.once("error", rej);
      out.end(() => res());
    });
    if (this.tmpFile && typeof this.dest === "string") {
      await rename(this.tmpFile, resolve(this.dest));
      await rm(dirname(this.tmpFile), { recursive: true, force: true });
      this.tmpFile = undefined;
    }
  }

  async abort(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    if (this.tmpFile) {
      (out as WriteStream | undefined)?.destroy();
      await unlink(this.tmpFile).catch(() => {});
      await rm(dirname(this.tmpFile), { recursive: true, force: true });
      this.tmpFile = undefined;
    }
  }
}
