/**
 * FileSync.DiffCopy, uploader side (fsutil's "send"): we list every entry as a STAT packet,
 * end the listing with an empty STAT, answer each REQ{ID} with DATA chunks and an empty DATA,
 * and answer the daemon's FIN with our FIN.
 */
import { open } from "node:fs/promises";

import createDebug from "debug";

import { PacketType, type WirePacket } from "../wire/types.js";
import type { Peer } from "./peer.js";
import { walkDir, type WalkEntry, type WalkOptions } from "./walk.js";

const debug = createDebug("lfs-docker:session");

export const DEFAULT_CHUNK_SIZE = 256 * 1024;

/** Files sent at the same time (fsutil's sender uses 4 workers too). */
export const FILES_IN_FLIGHT = 4;

/**
 * A packet already encoded (fsutil.types.Packet bytes): the session's serializer sends these
 * bytes as they are. File data is read into a buffer with room for the packet's header in front
 * of it, so a DATA packet costs no copy of the data to encode.
 */
export const PRE_ENCODED: unique symbol = Symbol("lfs-docker.preEncoded");
export type MaybeEncodedPacket = WirePacket & { [PRE_ENCODED]?: Buffer };

/** Room for a DATA packet's header: type (2) + ID (1 + 5) + data tag and length (1 + 5). */
export const DATA_HEADROOM = 16;

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(buf: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

/**
 * Encodes DATA{ID, data} in place: `buf` holds the data at [DATA_HEADROOM, DATA_HEADROOM + n);
 * the header is written just before it. Returns the packet's bytes (a view of `buf`).
 */
export function encodeDataPacketInPlace(buf: Buffer, id: number, n: number): Buffer {
  const hlen = 2 + (id > 0 ? 1 + varintLength(id) : 0) + 1 + varintLength(n);
  let at = DATA_HEADROOM - hlen;
  const start = at;
  buf[at++] = 0x08; // field 1 (type), varint
  buf[at++] = PacketType.DATA;
  if (id > 0) {
    buf[at++] = 0x18; // field 3 (ID), varint
    at = putVarint(buf, at, id);
  }
  buf[at++] = 0x22; // field 4 (data), length-delimited
  putVarint(buf, at, n);
  return buf.subarray(start, DATA_HEADROOM + n);
}

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
  const fh = await open(entry.abs, "r");
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const buf = Buffer.allocUnsafe(DATA_HEADROOM + chunkSize);
      const { bytesRead } = await fh.read(buf, DATA_HEADROOM, chunkSize, null);
      if (bytesRead === 0) break;
      stats.bytes += bytesRead;
      const p: MaybeEncodedPacket = packet(PacketType.DATA, { ID: id, data: buf.subarray(DATA_HEADROOM, DATA_HEADROOM + bytesRead) });
      p[PRE_ENCODED] = encodeDataPacketInPlace(buf, id, bytesRead);
      await peer.send(p);
      opts.onProgress?.(stats.bytes);
    }
  } finally {
    await fh.close();
  }
  stats.files++;
  await peer.send(packet(PacketType.DATA, { ID: id }));
}

/**
 * The files the daemon asked for, sent FILES_IN_FLIGHT at a time. Like fsutil's own sender: their
 * DATA packets interleave, since the daemon writes and hashes each file in its own goroutine, and
 * one file at a time would leave it waiting for the next file's first bytes after every file.
 */
class FileSender {
  private readonly wanted: Array<{ id: number; entry: WalkEntry }> = [];
  private running = 0;
  failure: unknown;
  private idle: (() => void) | undefined;

  constructor(private readonly send: (id: number, entry: WalkEntry) => Promise<void>) {}

  want(id: number, entry: WalkEntry): void {
    this.wanted.push({ id, entry });
    this.pump();
  }

  private pump(): void {
    while (this.running < FILES_IN_FLIGHT && this.wanted.length > 0 && this.failure === undefined) {
      const { id, entry } = this.wanted.shift()!;
      this.running++;
      this.send(id, entry).then(
        () => {
          this.running--;
          this.pump();
        },
        (err: unknown) => {
          this.running--;
          this.failure ??= err;
          this.pump();
        },
      );
    }
    if (this.running === 0 && (this.wanted.length === 0 || this.failure !== undefined)) this.idle?.();
  }

  /** Resolves when every requested file went out, or the first failed (see `failure`). */
  allSent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idle = () => {
        this.idle = undefined;
        resolve();
      };
      this.pump();
    });
  }
}

/** The entries to send; a failure to list them is sent to the daemon as ERR before it is thrown. */
async function listOrFail(peer: Peer<WirePacket>, root: string, opts: SendOptions): Promise<WalkEntry[]> {
  try {
    return await walkDir(root, opts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    await peer.send(packet(PacketType.ERR, { data: Buffer.from(msg) })).catch(() => {});
    peer.end();
    throw err;
  }
}

/** The daemon's side of the exchange: REQs for files, then FIN (answered once every file went out). */
async function answerRequests(peer: Peer<WirePacket>, entries: WalkEntry[], files: FileSender): Promise<void> {
  for await (const p of peer.messages) {
    switch (p.type) {
      case PacketType.REQ: {
        const entry = entries[p.ID];
        if (!entry || !entry.isFile) throw new Error(`invalid file request ${p.ID}`);
        files.want(p.ID, entry);
        break;
      }
      case PacketType.FIN:
        await files.allSent();
        if (files.failure !== undefined) throw files.failure;
        await peer.send(packet(PacketType.FIN));
        peer.end();
        return;
      case PacketType.ERR:
        throw new Error(`error from receiver: ${p.data.toString("utf8")}`);
      default:
        break;
    }
  }
  throw new Error("receiver closed the stream before FIN");
}

/** The listing: one STAT per entry, then an empty STAT. */
async function sendListing(peer: Peer<WirePacket>, entries: WalkEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i++) {
    await peer.send(packet(PacketType.STAT, { ID: i, stat: entries[i]!.stat }));
  }
  await peer.send(packet(PacketType.STAT));
}

/** Uploads `root` to the peer. Resolves after the FIN exchange. */
export async function sendDir(peer: Peer<WirePacket>, root: string, opts: SendOptions = {}): Promise<SendStats> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const stats: SendStats = { entries: 0, files: 0, bytes: 0 };
  const entries = await listOrFail(peer, root, opts);
  stats.entries = entries.length;
  debug("sending %s: %d entries", root, entries.length);
  const files = new FileSender((id, entry) => sendFile(peer, id, entry, chunkSize, stats, opts));
  // Requests may arrive while the listing is still going out: the reader runs concurrently.
  const reader = answerRequests(peer, entries, files);
  const lister = sendListing(peer, entries);
  await Promise.all([lister, reader]);
  debug("sent %s: %d files, %d bytes", root, stats.files, stats.bytes);
  return stats;
}
