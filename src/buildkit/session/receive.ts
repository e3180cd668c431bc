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
import { constants as FS } from 'node:fs';
import { chmod, link, lutimes, mkdir, open, symlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import createDebug from 'debug';

import { PacketType, type WirePacket, type WireStat } from '../wire/types.js';
import { kindOfGoMode, posixPermFromGoMode, GoMode } from './fsmode.js';
import { Outbox, type Peer } from './peer.js';

const debug = createDebug('lfs-docker:session');

export class UnsafeExportError extends Error {
  override readonly name = 'UnsafeExportError';
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
export function assertSafeRelativePath(p: string, what = 'path'): void {
  if (typeof p !== 'string' || p === '') throw new UnsafeExportError(`export sent an empty ${what}`);
  if (p.includes('\0')) throw new UnsafeExportError(`export sent a ${what} with a NUL byte: ${JSON.stringify(p)}`);
  if (p.startsWith('/')) throw new UnsafeExportError(`export sent an absolute ${what}: ${JSON.stringify(p)}`);
  for (const seg of p.split('/')) {
    if (seg === '..') throw new UnsafeExportError(`export sent a ${what} with "..": ${JSON.stringify(p)}`);
    if (seg === '' || seg === '.') throw new UnsafeExportError(`export sent a non-normalized ${what}: ${JSON.stringify(p)}`);
  }
}

type Kind = 'dir' | 'file' | 'symlink';

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
 * Receives an export into `dir` (an existing, empty directory the caller created privately).
 * Resolves after the FIN exchange with all content written.
 */
export async function receiveDir(peer: Peer<WirePacket>, dir: string, opts: ReceiveOptions = {}): Promise<ReceiveStats> {
  const allowSetid = opts.allowSetid ?? false;
  const kinds = new Map<string, Kind>();
  const files = new Map<number, PendingFile>();
  const dirs: Array<{ path: string; stat: WireStat }> = [];
  const symlinks: Array<{ path: string; stat: WireStat }> = [];
  const stats: ReceiveStats = { entries: 0, files: 0, bytes: 0, skipped: 0 };
  let index = 0;
  let listingDone = false;
  let outstanding = 0;
  let finSent = false;
  const outbox = new Outbox(peer);
  const t0 = Date.now();
  // Writes run while the loop reads on (the disk and the stream overlap), at most WRITES_IN_FLIGHT
  // bytes of them; the first failure stops the export.
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let writeError: unknown;
  // A failed write also wakes the loop if it waits for a packet (the daemon, done sending, would
  // wait for our FIN forever).
  let failWrite: (err: unknown) => void = () => {};
  const writeFailed = new Promise<never>((_, reject) => {
    failWrite = reject;
  });
  writeFailed.catch(() => {});
  const track = (p: Promise<void>, bytes: number): void => {
    inFlight += bytes;
    const settled: Promise<void> = p
      .catch((err: unknown) => {
        writeError ??= err;
        failWrite(err);
      })
      .finally(() => {
        inFlight -= bytes;
        running.delete(settled);
      });
    running.add(settled);
  };
  const throttle = async (): Promise<void> => {
    while (inFlight > WRITES_IN_FLIGHT && running.size > 0) await Promise.race(running);
    if (writeError) throw writeError;
  };

  const warn = (m: string): void => {
    stats.skipped++;
    debug('receive: %s', m);
    opts.onWarning?.(m);
  };

  const checkParent = (p: string): void => {
    const slash = p.lastIndexOf('/');
    if (slash < 0) return;
    const parent = p.slice(0, slash);
    const k = kinds.get(parent);
    if (k !== 'dir') {
      throw new UnsafeExportError(
        k === undefined
          ? `export sent ${JSON.stringify(p)} before its parent directory`
          : `export sent ${JSON.stringify(p)} below a ${k}, refusing to write through it`,
      );
    }
  };

  const sendFinIfDone = (): void => {
    if (listingDone && outstanding === 0 && !finSent) {
      finSent = true;
      outbox.post({ type: PacketType.FIN, stat: null, ID: 0, data: Buffer.alloc(0) });
    }
  };

  const onStat = async (st: WireStat): Promise<void> => {
    const id = index++;
    const p = st.path;
    assertSafeRelativePath(p);
    if (kinds.has(p)) throw new UnsafeExportError(`export sent ${JSON.stringify(p)} twice`);
    checkParent(p);
    const abs = join(dir, p);
    const kind = kindOfGoMode(st.mode);
    stats.entries++;
    switch (kind) {
      case 'dir':
        await mkdir(abs, { mode: 0o700 });
        kinds.set(p, 'dir');
        dirs.push({ path: p, stat: st });
        return;
      case 'symlink':
        if (!st.linkname) throw new UnsafeExportError(`export sent symlink ${JSON.stringify(p)} without a target`);
        await symlink(st.linkname, abs);
        kinds.set(p, 'symlink');
        symlinks.push({ path: p, stat: st });
        return;
      case 'file': {
        if (st.linkname) {
          // A hard link to a file received earlier in this export.
          assertSafeRelativePath(st.linkname, 'hard link target');
          if (kinds.get(st.linkname) !== 'file') {
            throw new UnsafeExportError(`export sent hard link ${JSON.stringify(p)} to ${JSON.stringify(st.linkname)}, which is not a file of this export`);
          }
          await link(join(dir, st.linkname), abs);
          kinds.set(p, 'file');
          return;
        }
        const perm = posixPermFromGoMode(st.mode, allowSetid);
        if (!allowSetid && (st.mode >>> 0) & (GoMode.Setuid | GoMode.Setgid)) {
          debug('receive: dropping setuid/setgid bits of %s', p);
        }
        // Claim the name now (O_EXCL: nothing there yet, O_NOFOLLOW: not through a link); the
        // content is written when it arrives, with at most one descriptor per file in flight.
        await (await open(abs, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600)).close();
        kinds.set(p, 'file');
        files.set(id, { id, path: p, abs, stat: { ...st, mode: perm }, done: false, buffered: [], bufferedBytes: 0, writing: Promise.resolve() });
        outstanding++;
        // Not awaited: the daemon may stop reading REQs until we have read more of its DATA.
        outbox.post({ type: PacketType.REQ, stat: null, ID: id, data: Buffer.alloc(0) });
        return;
      }
      default:
        warn(`skipped ${kind} ${p} (not supported by the local exporter receiver)`);
        return;
    }
  };

  const onData = async (id: number, parts: readonly Buffer[]): Promise<void> => {
    const f = files.get(id);
    if (!f || f.done) throw new UnsafeExportError(`export sent data for unrequested entry ${id}`);
    let n = 0;
    for (const p of parts) {
      if (p.length === 0) continue;
      f.buffered.push(p);
      n += p.length;
    }
    if (n > 0) {
      f.bufferedBytes += n;
      if (f.bufferedBytes >= WRITE_BATCH) {
        const queued = flushFile(f); // before reading f.writing: it replaces it
        track(f.writing, queued);
        await throttle();
      }
      stats.bytes += n;
      opts.onProgress?.(stats.bytes);
      return;
    }
    // End of file: after its writes, permissions and time, then close.
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
      stats.files++;
      outstanding--;
      sendFinIfDone();
    });
    track(finished, queued);
    await throttle();
  };

  let gotFin = false;
  const packets = peer.messages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([packets.next(), writeFailed]);
      if (next.done) break;
      const pkt = next.value;
      switch (pkt.type) {
        case PacketType.STAT:
          if (listingDone) throw new UnsafeExportError('export sent a STAT after the end of the listing');
          if (!pkt.stat || pkt.stat.path === '') {
            listingDone = true;
            sendFinIfDone();
          } else {
            await onStat(pkt.stat);
          }
          break;
        case PacketType.DATA:
          // The session hands DATA over as slices of what it received (dataParts), never copied.
          await onData(pkt.ID, (pkt as WirePacket & { dataParts?: Buffer[] }).dataParts ?? [pkt.data]);
          break;
        case PacketType.FIN:
          gotFin = true;
          break;
        case PacketType.ERR:
          throw new Error(`error from the exporter: ${pkt.data.toString('utf8')}`);
        default:
          throw new UnsafeExportError(`export sent an unexpected packet type ${pkt.type}`);
      }
      // A failed send means the stream is gone; its incoming side ends too, but don't wait.
      if (outbox.failure) throw outbox.failure;
      if (writeError) throw writeError;
      if (gotFin) break;
    }
    await Promise.all(running);
    if (writeError) throw writeError;
    await outbox.flushed();
    if (!gotFin && !finSent) throw new Error('export stream ended before it was complete');
    if (outstanding !== 0) throw new Error(`export ended with ${outstanding} files incomplete`);
  } catch (err) {
    // Not awaited: with a next() pending, return() would wait for the daemon's next packet.
    packets.return?.().catch(() => {});
    throw err;
  } finally {
    await Promise.all(running);
    for (const f of files.values()) await f.fh?.close().catch(() => {});
  }
  peer.end();
  debug('receive: %d entries, %d files, %d bytes in %d ms', stats.entries, stats.files, stats.bytes, Date.now() - t0);

  // Directory permissions and times last, deepest first (writing inside changes a dir's mtime).
  for (const s of symlinks) {
    const t = nsToSeconds(s.stat.modTime);
    await lutimes(join(dir, s.path), t, t).catch(() => {});
  }
  for (const d of dirs.slice().reverse()) {
    const abs = join(dir, d.path);
    await chmod(abs, posixPermFromGoMode(d.stat.mode, allowSetid));
    const t = nsToSeconds(d.stat.modTime);
    await utimes(abs, t, t);
  }
  return stats;
}
