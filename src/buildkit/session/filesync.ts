/**
 * FileSync.DiffCopy, uploader side (fsutil's "send"): we list every entry as a STAT packet,
 * end the listing with an empty STAT, answer each REQ{ID} with DATA chunks and an empty DATA,
 * and answer the daemon's FIN with our FIN.
 */
import { open } from 'node:fs/promises';

import createDebug from 'debug';

import { PacketType, type WirePacket } from '../wire/types.js';
import type { Peer } from './peer.js';
import { walkDir, type WalkEntry, type WalkOptions } from './walk.js';

const debug = createDebug('lfs-docker:session');

export const DEFAULT_CHUNK_SIZE = 256 * 1024;

export interface SendStats {
  entries: number;
  files: number;
  bytes: number;
}

export interface SendOptions extends WalkOptions {
  chunkSize?: number;
  /** Called as file data goes out (bytes so far). */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

function packet(type: number, fields: Partial<WirePacket> = {}): WirePacket {
  return { type, stat: null, ID: 0, data: Buffer.alloc(0), ...fields };
}

async function sendFile(peer: Peer<WirePacket>, id: number, entry: WalkEntry, chunkSize: number, stats: SendStats, opts: SendOptions): Promise<void> {
  const fh = await open(entry.abs, 'r');
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      stats.bytes += bytesRead;
      await peer.send(packet(PacketType.DATA, { ID: id, data: buf.subarray(0, bytesRead) }));
      opts.onProgress?.(stats.bytes);
    }
  } finally {
    await fh.close();
  }
  stats.files++;
  await peer.send(packet(PacketType.DATA, { ID: id }));
}

/** Uploads `root` to the peer. Resolves after the FIN exchange. */
export async function sendDir(peer: Peer<WirePacket>, root: string, opts: SendOptions = {}): Promise<SendStats> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const stats: SendStats = { entries: 0, files: 0, bytes: 0 };
  let entries: WalkEntry[];
  try {
    entries = await walkDir(root, opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    await peer.send(packet(PacketType.ERR, { data: Buffer.from(msg) })).catch(() => {});
    peer.end();
    throw err;
  }
  stats.entries = entries.length;
  debug('sending %s: %d entries', root, entries.length);

  // Requests may arrive while the listing is still going out: the reader runs concurrently.
  let queue: Promise<void> = Promise.resolve();
  let failure: unknown;
  const reader = (async () => {
    for await (const p of peer.messages) {
      switch (p.type) {
        case PacketType.REQ: {
          const entry = entries[p.ID];
          if (!entry || !entry.isFile) throw new Error(`invalid file request ${p.ID}`);
          queue = queue.then(() => (failure === undefined ? sendFile(peer, p.ID, entry, chunkSize, stats, opts) : undefined));
          queue.catch((err: unknown) => {
            failure ??= err;
          });
          break;
        }
        case PacketType.FIN:
          await queue;
          if (failure !== undefined) throw failure;
          await peer.send(packet(PacketType.FIN));
          peer.end();
          return;
        case PacketType.ERR:
          throw new Error(`error from receiver: ${p.data.toString('utf8')}`);
        default:
          break;
      }
    }
    throw new Error('receiver closed the stream before FIN');
  })();

  const lister = (async () => {
    for (let i = 0; i < entries.length; i++) {
      await peer.send(packet(PacketType.STAT, { ID: i, stat: entries[i]!.stat }));
    }
    await peer.send(packet(PacketType.STAT));
  })();
  await Promise.all([lister, reader]);
  debug('sent %s: %d files, %d bytes', root, stats.files, stats.bytes);
  return stats;
}
