/**
 * Decoding of the session's hot messages straight from the parts they arrived in (see
 * GrpcMessage in ./call.ts): fsutil DATA packets and BytesMessages carry file content, which
 * is handed on as slices of those parts, never copied into one buffer. Everything else (STAT,
 * REQ, FIN, ERR packets: small) goes through the protobuf decoder as before.
 */
import { wire } from "../wire/load.js";
import { PacketType, type WirePacket } from "../wire/types.js";
import { messageBytes, type GrpcMessage } from "./call.js";

/** A packet whose data may come in several slices (`dataParts`; `data` is then empty). */
export type PartsPacket = WirePacket & { dataParts?: Buffer[] };

/** A cursor over a message's parts. */
class Cursor {
  private i = 0;
  private off = 0;
  pos = 0;
  constructor(
    private readonly parts: Buffer[],
    readonly length: number,
  ) {}

  byte(): number {
    for (;;) {
      const p = this.parts[this.i];
      if (!p) throw new Error("truncated message");
      if (this.off < p.length) {
        this.pos++;
        return p[this.off++]!;
      }
      this.i++;
      this.off = 0;
    }
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let n = 0; n < 10; n++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    throw new Error("malformed varint");
  }

  /** The next n bytes as slices of the parts. */
  slices(n: number): Buffer[] {
    if (this.pos + n > this.length) throw new Error("truncated message");
    const out: Buffer[] = [];
    this.pos += n;
    while (n > 0) {
      const p = this.parts[this.i]!;
      const take = Math.min(p.length - this.off, n);
      if (take > 0) out.push(take === p.length ? p : p.subarray(this.off, this.off + take));
      this.off += take;
      n -= take;
      if (this.off >= p.length) {
        this.i++;
        this.off = 0;
      }
    }
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.slices(8);
    else if (wireType === 2) this.slices(this.varint());
    else if (wireType === 5) this.slices(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function firstByte(m: GrpcMessage): number | undefined {
  for (const p of m.parts) if (p.length > 0) return p[0];
  return undefined;
}

function secondByte(m: GrpcMessage): number | undefined {
  let seen = 0;
  for (const p of m.parts) {
    if (seen + p.length > 1) return p[1 - seen];
    seen += p.length;
  }
  return undefined;
}

/** fsutil.types.Packet from a received message; DATA keeps its content in slices. */
export function decodePacket(m: GrpcMessage): PartsPacket {
  // A DATA packet starts with its type field (0x08 0x02) whenever its encoder follows field order
  // (Go's and ours do); anything else takes the general path.
  if (firstByte(m) === 0x08 && secondByte(m) === PacketType.DATA) {
    const c = new Cursor(m.parts, m.length);
    const out: PartsPacket = { type: PacketType.DATA, stat: null, ID: 0, data: Buffer.alloc(0) };
    let stat = false;
    while (c.pos < m.length) {
      const tag = c.varint();
      const field = Math.floor(tag / 8);
      const wt = tag & 7;
      if (field === 1 && wt === 0) out.type = c.varint();
      else if (field === 3 && wt === 0) out.ID = c.varint() >>> 0;
      else if (field === 4 && wt === 2) out.dataParts = c.slices(c.varint());
      else if (field === 2) {
        stat = true;
        break;
      } else c.skip(wt);
    }
    if (!stat && out.type === PacketType.DATA) return out;
  }
  return wire().packet.decode(messageBytes(m));
}

/** The data of a moby.filesync.v1.BytesMessage, as slices. */
export function decodeBytesMessageParts(m: GrpcMessage): Buffer[] {
  const c = new Cursor(m.parts, m.length);
  let data: Buffer[] = [];
  while (c.pos < m.length) {
    const tag = c.varint();
    if (tag === 0x0a) data = c.slices(c.varint());
    else c.skip(tag & 7);
  }
  return data;
}
