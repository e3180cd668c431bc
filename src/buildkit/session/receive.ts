/**
 * Receiving a `local` export (FileSend.DiffCopy carrying fsutil packets; the daemon sends STATs,
 * we REQ the files, it sends DATA, we send FIN when every file is complete).
 *
 * The daemon is not trusted with the caller's filesystem:
 *  - paths must be relative and normalized: no `..`, no `.`, no empty segments, no leading `/`;
 *  - every parent of an entry must be a directory this receiver created in this export, so no
 *    write can pass through a symlink (ours or pre-existing); files are opened O_EXCL|O_NOFOLLOW;
 *  - hard links may only point at regular files received in this export;
 *  - setuid/setgid bits are dropped unless the caller opts in; ownership is the caller's;
 *  - device nodes, fifos and sockets are skipped (reported as warnings);
 *  - everything lands in a fresh temporary directory; ./targets.ts renames it into place only
 *    after the whole solve succeeded, so a partial export is never presented as complete.
 *
 * Flow control: the loop reading the daemon's packets never waits for our own sends. REQs and
 * FIN go through an Outbox (./peer.ts explains the deadlock that waiting on them causes).
 */
import { constants as FS } from "node:fs";
import { chmod, link, lutimes, mkdir, open, symlink, utimes, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

import createDebug from "debug";

import { LfsDockerError } from "../../errors.js";
import { PacketType, type WirePacket, type WireStat } from "../wire/types.js";
import { kindOfGoMode, posixPermFromGoMode, GoMode } from "./fsmode.js";
import { Outbox, type Peer } from "./peer.js";

const debug = createDebug("lfs-docker:session");

/** The daemon sent an export that would write outside its directory or through a link: refused. */
export class UnsafeExportError extends LfsDockerError {
  override readonly name = "UnsafeExportError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_EXPORT_UNSAFE", message, options);
  }
}

export interface ReceiveOptions {
  /** Apply setuid/setgid bits from the export (default false: they are dropped). */
  allowSetid?: boolean;
  onWarning?: (message: string) => void;
  /** Called as file data comes in (bytes so far). */
  onProgress?: (bytes: number) => void;
}

export interface ReceiveStats {
  entries: number;
  files: number;
  bytes: number;
  skipped: number;
}

/** Throws unless `p` is a clean relative path (the only kind an export may contain). */
export function assertSafeRelativePath(p: string, what = "path"): void {
  if (typeof p !== "string" || p === "") throw new UnsafeExportError(`export sent an empty ${what}`);
  if (p.includes("\0")) throw new UnsafeExportError(`export sent a ${what} with a NUL byte: ${JSON.stringify(p)}`);
  if (p.startsWith("/")) throw new UnsafeExportError(`export sent an absolute ${what}: ${JSON.stringify(p)}`);
  for (const seg of p.split("/")) {
    if (seg === "..") throw new UnsafeExportError(`export sent a ${what} with "..": ${JSON.stringify(p)}`);
    if (seg === "" || seg === ".") throw new UnsafeExportError(`export sent a non-normalized ${what}: ${JSON.stringify(p)}`);
  }
}

type Kind = "dir" | "file" | "symlink";

interface PendingFile {
  id: number;
  path: string;
  abs: string;
  stat: WireStat;
  fh?: FileHandle;
  done: boolean;
  /** Data not written yet (written in batches: the daemon sends 32 KiB packets). */
  buffered: Buffer[];
  bufferedBytes: number;
  /** The file's writes, one after the other (the loop reading packets does not wait for them). */
  writing: Promise<void>;
}

const WRITE_BATCH = 1024 * 1024;
/** Bytes handed to the file system and not written yet; past this the packet loop waits. */
const WRITES_IN_FLIGHT = 16 * 1024 * 1024;

/** Opens a file this receiver created (never following a symlink); one fd per file in flight. */
async function openFile(f: PendingFile): Promise<FileHandle> {
  f.fh ??= await open(f.abs, FS.O_WRONLY | FS.O_NOFOLLOW);
  return f.fh;
}

/** Queues the file's buffered data behind its earlier writes; returns the bytes queued. */
function flushFile(f: PendingFile): number {
  if (f.buffered.length === 0) return 0;
  const bufs = f.buffered;
  const n = f.bufferedBytes;
  f.buffered = [];
  f.bufferedBytes = 0;
  f.writing = f.writing.then(async () => {
    await (await openFile(f)).writev(bufs);
  });
  return n;
}

function nsToSeconds(ns: string | number): number {
  const n = BigInt(ns);
  return Number(n / 1000n) / 1e6;
}

/**
 * File writes running while the packet loop reads on (the disk and the stream overlap), at most
 * WRITES_IN_FLIGHT bytes of them; the first failure stops the export.
 */
class WriteQueue {
  private readonly running = new Set<Promise<void>>();
  private inFlight = 0;
  error: unknown;
  /** Rejects with the first failure: wakes the loop if it waits for a packet (the daemon, done
   *  sending, would wait for our FIN forever). */
  readonly failed: Promise<never>;
  private reject: (err: unknown) => void = () => {};

  constructor() {
    this.failed = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.failed.catch(() => {});
  }

  track(p: Promise<void>, bytes: number): void {
    this.inFlight += bytes;
    const settled: Promise<void> = p
      .catch((err: unknown) => {
        this.error ??= err;
        this.reject(err);
      })
      .finally(() => {
        this.inFlight -= bytes;
        this.running.delete(settled);
      });
    this.running.add(settled);
  }

  /** Waits while too much is in flight; throws the first failure. */
  async throttle(): Promise<void> {
    while (this.inFlight > WRITES_IN_FLIGHT && this.running.size > 0) await Promise.race(this.running);
    if (this.error) throw this.error;
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}

/**
 * The receiver as a state machine over the daemon's packets:
 *   listing   STAT packets: each entry created (dirs, links, empty files claimed) and its file REQ'd;
 *             an empty STAT ends the listing
 *   data      DATA packets for the REQ'd files (their content, then an empty DATA: the file's end);
 *             FIN goes out once the listing ended and every file is complete
 *   finished  the daemon's FIN: directory and link times and modes set last (finish())
 */
class DirReceiver {
  phase: "listing" | "data" | "finished" = "listing";
  readonly stats: ReceiveStats = { entries: 0, files: 0, bytes: 0, skipped: 0 };
  private readonly kinds = new Map<string, Kind>();
  private readonly files = new Map<number, PendingFile>();
  private readonly dirs: Array<{ path: string; stat: WireStat }> = [];
  private readonly symlinks: Array<{ path: string; stat: WireStat }> = [];
  private readonly allowSetid: boolean;
  private index = 0;
  private outstanding = 0;
  private finSent = false;
  readonly outbox: Outbox<WirePacket>;
  readonly writes = new WriteQueue();

  constructor(
    peer: Peer<WirePacket>,
    private readonly dir: string,
    private readonly opts: ReceiveOptions,
  ) {
    this.allowSetid = opts.allowSetid ?? false;
    this.outbox = new Outbox(peer);
  }

  /** One packet from the daemon. */
  async packet(pkt: WirePacket): Promise<void> {
    switch (pkt.type) {
      case PacketType.STAT:
        if (this.phase !== "listing") throw new UnsafeExportError("export sent a STAT after the end of the listing");
        if (!pkt.stat || pkt.stat.path === "") {
          this.phase = "data";
          this.sendFinIfDone();
        } else {
          await this.stat(pkt.stat);
        }
        break;
      case PacketType.DATA:
        // The session hands DATA over as slices of what it received (dataParts), never copied.
        await this.data(pkt.ID, (pkt as WirePacket & { dataParts?: Buffer[] }).dataParts ?? [pkt.data]);
        break;
      case PacketType.FIN:
        this.phase = "finished";
        break;
      case PacketType.ERR:
        throw new Error(`error from the exporter: ${pkt.data.toString("utf8")}`);
      default:
        throw new UnsafeExportError(`export sent an unexpected packet type ${pkt.type}`);
    }
    // A failed send means the stream is gone; its incoming side ends too, but don't wait.
    if (this.outbox.failure) throw this.outbox.failure;
    if (this.writes.error) throw this.writes.error;
  }

  private warn(m: string): void {
    this.stats.skipped++;
    debug("receive: %s", m);
    this.opts.onWarning?.(m);
  }

  private checkParent(p: string): void {
    const slash = p.lastIndexOf("/");
    if (slash < 0) return;
    const parent = p.slice(0, slash);
    const k = this.kinds.get(parent);
    if (k !== "dir") {
      throw new UnsafeExportError(
        k === undefined
          ? `export sent ${JSON.stringify(p)} before its parent directory`
          : `export sent ${JSON.stringify(p)} below a ${k}, refusing to write through it`,
      );
    }
  }

  private sendFinIfDone(): void {
    if (this.phase !== "listing" && this.outstanding === 0 && !this.finSent) {
      this.finSent = true;
      this.outbox.post({ type: PacketType.FIN, stat: null, ID: 0, data: Buffer.alloc(0) });
    }
  }

  /** listing: one entry. */
  private async stat(st: WireStat): Promise<void> {
    const id = this.index++;
    const p = st.path;
    assertSafeRelativePath(p);
    if (this.kinds.has(p)) throw new UnsafeExportError(`export sent ${JSON.stringify(p)} twice`);
    this.checkParent(p);
    const abs = join(this.dir, p);
    const kind = kindOfGoMode(st.mode);
    this.stats.entries++;
    switch (kind) {
      case "dir":
        await mkdir(abs, { mode: 0o700 });
        this.kinds.set(p, "dir");
        this.dirs.push({ path: p, stat: st });
        return;
      case "symlink":
        if (!st.linkname) throw new UnsafeExportError(`export sent symlink ${JSON.stringify(p)} without a target`);
        await symlink(st.linkname, abs);
        this.kinds.set(p, "symlink");
        this.symlinks.push({ path: p, stat: st });
        return;
      case "file":
        if (st.linkname) await this.hardLink(p, abs, st.linkname);
        else await this.claimFile(id, p, abs, st);
        return;
      default:
        this.warn(`skipped ${kind} ${p} (not supported by the local exporter receiver)`);
        return;
    }
  }

  /** A hard link to a file received earlier in this export. */
  private async hardLink(p: string, abs: string, target: string): Promise<void> {
    assertSafeRelativePath(target, "hard link target");
    if (this.kinds.get(target) !== "file") {
      throw new UnsafeExportError(`export sent hard link ${JSON.stringify(p)} to ${JSON.stringify(target)}, which is not a file of this export`);
    }
    await link(join(this.dir, target), abs);
    this.kinds.set(p, "file");
  }

  /** A regular file: its name claimed now, its content asked for (REQ). */
  private async claimFile(id: number, p: string, abs: string, st: WireStat): Promise<void> {
    const perm = posixPermFromGoMode(st.mode, this.allowSetid);
    if (!this.allowSetid && (st.mode >>> 0) & (GoMode.Setuid | GoMode.Setgid)) {
      debug("receive: dropping setuid/setgid bits of %s", p);
    }
    // Claim the name now (O_EXCL: nothing there yet, O_NOFOLLOW: not through a link); the
    // content is written when it arrives, with at most one descriptor per file in flight.
    await (await open(abs, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600)).close();
    this.kinds.set(p, "file");
    this.files.set(id, { id, path: p, abs, stat: { ...st, mode: perm }, done: false, buffered: [], bufferedBytes: 0, writing: Promise.resolve() });
    this.outstanding++;
    // Not awaited: the daemon may stop reading REQs until we have read more of its DATA.
    this.outbox.post({ type: PacketType.REQ, stat: null, ID: id, data: Buffer.alloc(0) });
  }

  /** data: a piece of a file, or (no bytes) its end. */
  private async data(id: number, parts: readonly Buffer[]): Promise<void> {
    const f = this.files.get(id);
    if (!f || f.done) throw new UnsafeExportError(`export sent data for unrequested entry ${id}`);
    let n = 0;
    for (const p of parts) {
      if (p.length === 0) continue;
      f.buffered.push(p);
      n += p.length;
    }
    if (n === 0) return this.endOfFile(f);
    f.bufferedBytes += n;
    if (f.bufferedBytes >= WRITE_BATCH) {
      const queued = flushFile(f); // before reading f.writing: it replaces it
      this.writes.track(f.writing, queued);
      await this.writes.throttle();
    }
    this.stats.bytes += n;
    this.opts.onProgress?.(this.stats.bytes);
  }

  /** End of file: after its writes, permissions and time, then close. */
  private async endOfFile(f: PendingFile): Promise<void> {
    const queued = flushFile(f);
    f.done = true;
    const finished = f.writing.then(async () => {
      const fh = await openFile(f);
      delete f.fh;
      try {
        await fh.chmod(f.stat.mode);
        const t = nsToSeconds(f.stat.modTime);
        await fh.utimes(t, t);
      } finally {
        await fh.close();
      }
      this.stats.files++;
      this.outstanding--;
      this.sendFinIfDone();
    });
    this.writes.track(finished, queued);
    await this.writes.throttle();
  }

  /** After the stream: every write done, the FIN exchange complete, every file whole. */
  async settle(): Promise<void> {
    await this.writes.drain();
    if (this.writes.error) throw this.writes.error;
    await this.outbox.flushed();
    if (this.phase !== "finished" && !this.finSent) throw new Error("export stream ended before it was complete");
    if (this.outstanding !== 0) throw new Error(`export ended with ${this.outstanding} files incomplete`);
  }

  /** Releases what is still open, whatever happened. */
  async release(): Promise<void> {
    await this.writes.drain();
    for (const f of this.files.values()) await f.fh?.close().catch(() => {});
  }

  /** finished: link times, then directory modes and times, deepest first (writing inside changes a dir's mtime). */
  async finish(): Promise<void> {
    for (const s of this.symlinks) {
      const t = nsToSeconds(s.stat.modTime);
      await lutimes(join(this.dir, s.path), t, t).catch(() => {});
    }
    for (const d of this.dirs.slice().reverse()) {
      const abs = join(this.dir, d.path);
      await chmod(abs, posixPermFromGoMode(d.stat.mode, this.allowSetid));
      const t = nsToSeconds(d.stat.modTime);
      await utimes(abs, t, t);
    }
  }
}

/**
 * Receives an export into `dir` (an existing, empty directory the caller created privately).
 * Resolves after the FIN exchange with all content written.
 */
export async function receiveDir(peer: Peer<WirePacket>, dir: string, opts: ReceiveOptions = {}): Promise<ReceiveStats> {
  const r = new DirReceiver(peer, dir, opts);
  const t0 = Date.now();
  const packets = peer.messages[Symbol.asyncIterator]();
  try {
    while (r.phase !== "finished") {
      const next = await Promise.race([packets.next(), r.writes.failed]);
      if (next.done) break;
      await r.packet(next.value);
    }
    await r.settle();
  } catch (err) {
    // Not awaited: with a next() pending, return() would wait for the daemon's next packet.
    packets.return?.().catch(() => {});
    throw err;
  } finally {
    await r.release();
  }
  peer.end();
  const { stats } = r;
  debug("receive: %d entries, %d files, %d bytes in %d ms", stats.entries, stats.files, stats.bytes, Date.now() - t0);
  await r.finish();
  return stats;
}
