/**
 * HPACK (RFC 7541) for the session's own HTTP/2 server (./h2server.ts): a full decoder (static and
 * dynamic table, Huffman-coded strings) and a minimal encoder (literals that never touch the
 * peer's dynamic table, no Huffman), which is all a gRPC server's responses need.
 */

/** RFC 7541 Appendix A: the static table (index 1..61). */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ...[
    'accept-charset',
    'accept-encoding',
    'accept-language',
    'accept-ranges',
    'accept',
    'access-control-allow-origin',
    'age',
    'allow',
    'authorization',
    'cache-control',
    'content-disposition',
    'content-encoding',
    'content-language',
    'content-length',
    'content-location',
    'content-range',
    'content-type',
    'cookie',
    'date',
    'etag',
    'expect',
    'expires',
    'from',
    'host',
    'if-match',
    'if-modified-since',
    'if-none-match',
    'if-range',
    'if-unmodified-since',
    'last-modified',
    'link',
    'location',
    'max-forwards',
    'proxy-authenticate',
    'proxy-authorization',
    'range',
    'referer',
    'refresh',
    'retry-after',
    'server',
    'set-cookie',
    'strict-transport-security',
    'transfer-encoding',
    'user-agent',
    'vary',
    'via',
    'www-authenticate',
  ].map((n): readonly [string, string] => [n, n === 'accept-encoding' ? 'gzip, deflate' : '']),
];

/**
 * RFC 7541 Appendix B: code lengths in bits of symbols 0..255 and EOS (256). The code is
 * canonical (codes of one length are consecutive, in symbol order, shorter codes first), so the
 * lengths determine the codes; tests check them against the RFC's examples.
 */
const HUFFMAN_LENGTHS: readonly number[] = [
  [13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28],
  [28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  [6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6],
  [5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10],
  [13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7],
  [7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6],
  [15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5],
  [6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28],
  [20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23],
  [24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24],
  [22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23],
  [21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23],
  [26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25],
  [19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27],
  [20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23],
  [26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26],
  [30],
].flat();

export const EOS = 256;

/** Canonical codes from the lengths: [code, length] per symbol. */
export function huffmanCodes(): Array<[number, number]> {
  const order = HUFFMAN_LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const out: Array<[number, number]> = new Array(HUFFMAN_LENGTHS.length);
  let code = 0;
  let prev = order[0]!.len;
  for (const { len, sym } of order) {
    code *= 2 ** (len - prev);
    prev = len;
    out[sym] = [code, len];
    code++;
  }
  return out;
}

/** The decoding tree: node n has children tree[2n] (bit 0) and tree[2n+1] (bit 1); leaves are -(sym+1). */
let tree: Int32Array | undefined;
function huffmanTree(): Int32Array {
  if (tree) return tree;
  const t = new Int32Array(2 * 2 * HUFFMAN_LENGTHS.length).fill(0);
  let nodes = 1;
  huffmanCodes().forEach(([code, len], sym) => {
    let n = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) % 2;
      const slot = 2 * n + bit;
      if (i === 0) {
        t[slot] = -(sym + 1);
      } else {
        if (t[slot] === 0) t[slot] = nodes++;
        n = t[slot]!;
      }
    }
  });
  tree = t;
  return t;
}

export class HpackError extends Error {
  override readonly name = 'HpackError';
}

export function huffmanDecode(buf: Buffer): Buffer {
  const t = huffmanTree();
  const out: number[] = [];
  let n = 0;
  let depth = 0; // bits consumed since the last symbol
  let allOnes = true;
  for (const byte of buf) {
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >> i) & 1;
      const next = t[2 * n + bit]!;
      depth++;
      allOnes &&= bit === 1;
      if (next < 0) {
        const sym = -next - 1;
        if (sym === EOS) throw new HpackError('Huffman string contains EOS');
        out.push(sym);
        n = 0;
        depth = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new HpackError('invalid Huffman code');
      } else {
        n = next;
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (depth > 7 || !allOnes) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out);
}

export function huffmanEncode(s: Buffer): Buffer {
  const codes = huffmanCodes();
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of s) {
    const [code, len] = codes[b]!;
    for (let i = len - 1; i >= 0; i--) {
      acc = acc * 2 + (Math.floor(code / 2 ** i) % 2);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push((acc << (8 - bits)) | ((1 << (8 - bits)) - 1));
  return Buffer.from(out);
}

/** An HPACK integer with an N-bit prefix at buf[pos]; returns value and next position. */
export function decodeInt(buf: Buffer, pos: number, prefixBits: number): [number, number] {
  const max = (1 << prefixBits) - 1;
  if (pos >= buf.length) throw new HpackError('truncated integer');
  let v = buf[pos]! & max;
  pos++;
  if (v < max) return [v, pos];
  let m = 1;
  for (;;) {
    if (pos >= buf.length) throw new HpackError('truncated integer');
    const b = buf[pos++]!;
    v += (b & 0x7f) * m;
    if (v > 2 ** 32) throw new HpackError('integer too large');
    m *= 128;
    if ((b & 0x80) === 0) return [v, pos];
  }
}

export function encodeInt(value: number, prefixBits: number, firstByteFlags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByteFlags | value];
  const out = [firstByteFlags | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

export type HeaderList = Array<[string, string]>;

export class HpackDecoder {
  private dynamic: Array<[string, string]> = [];
  private size = 0;

  /** `maxSize`: our SETTINGS_HEADER_TABLE_SIZE (4096 unless we advertise otherwise). */
  constructor(private maxSize = 4096) {}

  private entry(index: number): [string, string] {
    if (index <= 0) throw new HpackError('header index 0');
    if (index <= STATIC.length) return STATIC[index - 1] as [string, string];
    const e = this.dynamic[index - STATIC.length - 1];
    if (!e) throw new HpackError(`header index ${index} out of range`);
    return e;
  }

  private add(name: string, value: string): void {
    const sz = name.length + value.length + 32;
    this.dynamic.unshift([name, value]);
    this.size += sz;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.dynamic.length > 0) {
      const [n, v] = this.dynamic.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }

  private str(buf: Buffer, pos: number): [string, number] {
    if (pos >= buf.length) throw new HpackError('truncated string');
    const huff = (buf[pos]! & 0x80) !== 0;
    const [len, p] = decodeInt(buf, pos, 7);
    if (p + len > buf.length) throw new HpackError('truncated string');
    const raw = buf.subarray(p, p + len);
    // Header names and values are octets; latin1 keeps each octet as one character.
    return [(huff ? huffmanDecode(raw) : raw).toString('latin1'), p + len];
  }

  /** Decodes one complete header block. */
  decode(block: Buffer): HeaderList {
    const out: HeaderList = [];
    let pos = 0;
    let sawField = false;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        const [index, p] = decodeInt(block, pos, 7);
        pos = p;
        out.push([...this.entry(index)]);
        sawField = true;
      } else if ((b & 0xe0) === 0x20) {
        if (sawField) throw new HpackError('table size update after a header field');
        const [size, p] = decodeInt(block, pos, 5);
        if (size > 4096) throw new HpackError('table size update above the advertised size');
        this.maxSize = size;
        this.evict();
        pos = p;
      } else {
        const indexing = (b & 0xc0) === 0x40;
        const [index, p0] = decodeInt(block, pos, indexing ? 6 : 4);
        let name: string;
        let p = p0;
        if (index === 0) [name, p] = this.str(block, p);
        else name = this.entry(index)[0];
        let value: string;
        [value, p] = this.str(block, p);
        pos = p;
        if (indexing) this.add(name, value);
        out.push([name, value]);
        sawField = true;
      }
    }
    return out;
  }
}

function encodeString(s: string): number[] {
  const bytes = Buffer.from(s, 'latin1');
  return [...encodeInt(bytes.length, 7, 0x00), ...bytes];
}

/** Encodes headers as literals without indexing (`:status: 200` as static index 8). */
export function encodeHeaders(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [name, value] of headers) {
    if (name === ':status' && value === '200') {
      out.push(0x88);
      continue;
    }
    const idx = STATIC.findIndex(([n]) => n === name);
    if (idx >= 0) out.push(...encodeInt(idx + 1, 4, 0x00));
    else out.push(0x00, ...encodeString(name));
    out.push(...encodeString(value));
  }
  return Buffer.from(out);
}
