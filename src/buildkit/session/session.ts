/**
 * A BuildKit session: we open Control.Session, then the roles flip and the bytes of that stream
 * are an HTTP/2 connection on which the daemon is the gRPC client and we are the (h2c) server.
 * grpc-js serves it through `createConnectionInjector(...).injectConnection(duplex)`.
 *
 * Served: grpc.health.v1.Health (always; the daemon probes it), FileSync.DiffCopy (uploads of the
 * named local dirs), FileSend.DiffCopy (exports; `local` as fsutil packets, `tar` as byte
 * messages), Secrets.GetSecret. Auth is not served: the daemon gets UNIMPLEMENTED and pulls
 * anonymously.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import type { Http2Session } from 'node:http2';
import { Duplex } from 'node:stream';

import * as grpc from '@grpc/grpc-js';
import createDebug from 'debug';

import { wire } from '../wire/load.js';
import type { WireBytesMessage, WirePacket } from '../wire/types.js';
import { sendDir, type SendStats } from './filesync.js';
import { splitMetadataValues } from './patterns.js';
import { peerFromStream } from './peer.js';
import { DirTarget, StreamTarget, type ExportTarget } from './targets.js';

const debug = createDebug('lfs-docker:session');

/** Where a secret's value comes from. A plain string is a file path. */
export type SecretSource = string | { file: string } | { env: string } | { value: string | Buffer };

export interface SessionOptions {
  name?: string;
  /** Stable key that lets the daemon reuse earlier uploads of the same dirs. */
  sharedKey?: string;
  /** Local dirs the daemon may ask for, by name (`context`, `dockerfile`, named contexts). */
  localDirs?: Record<string, string>;
  /** Export targets, indexed like the solve's exporters. */
  exports?: Array<ExportTarget | undefined>;
  secrets?: Record<string, SecretSource>;
  /** Env to read `{env}` secrets from (default process.env). */
  env?: NodeJS.ProcessEnv;
  onUpload?: (dirName: string, stats: SendStats) => void;
  onWarning?: (message: string) => void;
  /** Bytes uploaded so far for a dir. */
  onUploadProgress?: (dirName: string, bytes: number) => void;
}

/** The largest BytesMessage we put on the Session stream. */
const MAX_SESSION_CHUNK = 1024 * 1024;

const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

export function defaultSharedKey(): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? '');
  }
  return createHash('sha256').update(`lfs-docker\0${hostname()}\0${user}`).digest('hex').slice(0, 32);
}

export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

/** FileSend's raw definition: messages stay bytes and are decoded per exporter kind. */
function rawFileSend(): grpc.ServiceDefinition {
  const id = (b: Buffer): Buffer => b;
  return {
    DiffCopy: {
      path: '/moby.filesync.v1.FileSend/DiffCopy',
      requestStream: true,
      responseStream: true,
      requestSerialize: id,
      requestDeserialize: id,
      responseSerialize: id,
      responseDeserialize: id,
    },
  };
}

/** The session stream (BytesMessage both ways) as a byte Duplex for the HTTP/2 server. */
export function bytesCallToDuplex(call: grpc.ClientDuplexStream<WireBytesMessage, WireBytesMessage>): Duplex {
  const send = (chunks: Buffer[], cb: (err?: Error | null) => void): void => {
    let ok = true;
    let batch: Buffer[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      ok = call.write({ data: batch.length === 1 ? batch[0]! : Buffer.concat(batch, size) });
      batch = [];
      size = 0;
    };
    for (const chunk of chunks) {
      for (let o = 0; o < chunk.length; o += MAX_SESSION_CHUNK) {
        const piece = chunk.subarray(o, o + MAX_SESSION_CHUNK);
        if (size + piece.length > MAX_SESSION_CHUNK) flush();
        batch.push(piece);
        size += piece.length;
      }
    }
    flush();
    if (ok) cb();
    else call.once('drain', () => cb());
  };
  const duplex = new Duplex({
    // Big buffers: the default 16 KiB would pause the session stream after every message.
    readableHighWaterMark: 8 * 1024 * 1024,
    writableHighWaterMark: 8 * 1024 * 1024,
    read() {
      call.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      send([chunk], cb);
    },
    // HTTP/2 writes come in corked batches of small frames: one message per batch, not per frame.
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      send(
        chunks.map((c) => c.chunk),
        cb,
      );
    },
    final(cb) {
      call.end();
      cb();
    },
    destroy(err, cb) {
      call.cancel();
      cb(err);
    },
  });
  call.on('data', (m: WireBytesMessage) => {
    if (!duplex.push(m.data)) call.pause();
  });
  call.on('end', () => duplex.push(null));
  call.on('error', (err: Error) => duplex.destroy(err));
  return duplex;
}

/** HTTP/2 receive windows for the session connection (exports flow from the daemon to us). */
export const SESSION_WINDOW = 16 * 1024 * 1024;

/**
 * grpc-js has no server option for HTTP/2 flow-control windows, and with the 64 KiB default an
 * export crawls: every window's worth waits for a WINDOW_UPDATE to travel back through the
 * session stream, the engine and the bridge. The injector's HTTP/2 server is reached through
 * grpc-js's private `http2Servers` map; if that ever changes, we only lose the speed-up.
 */
function widenReceiveWindows(server: grpc.Server): void {
  const servers = (server as unknown as { http2Servers?: Map<unknown, unknown> }).http2Servers;
  if (!(servers instanceof Map)) {
    debug('cannot widen HTTP/2 windows: grpc-js internals changed');
    return;
  }
  for (const h2 of servers.keys()) {
    const em = h2 as { on?: (ev: string, fn: (s: Http2Session) => void) => void; __lfsWidened?: boolean };
    if (typeof em.on !== 'function' || em.__lfsWidened) continue;
    em.__lfsWidened = true;
    em.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(SESSION_WINDOW);
        session.settings({ initialWindowSize: SESSION_WINDOW });
      } catch (err) {
        debug('cannot widen HTTP/2 windows: %s', (err as Error).message);
      }
    });
  }
}

function metadataValues(md: grpc.Metadata, key: string): string[] {
  const raw = md.get(key).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  const flag = md.get(`${key}-encoded`)[0];
  const encoded = flag !== undefined && /^(1|t|true)$/i.test(String(flag));
  return splitMetadataValues(raw, encoded);
}

function statusError(code: grpc.status, details: string): Partial<grpc.StatusObject> & Error {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

export class Session {
  readonly id = newSessionId();
  readonly name: string;
  readonly sharedKey: string;
  private readonly server = new grpc.Server(SERVER_OPTIONS);
  private injector: grpc.ConnectionInjector | undefined;
  private call: grpc.ClientDuplexStream<WireBytesMessage, WireBytesMessage> | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private closing = false;
  private readonly served: string[] = [];
  /** The first failure of a handler (an unsafe export, an unreadable dir, ...). */
  failure: Error | undefined;
  /**
   * The first failure receiving an export. Unlike an upload (which the daemon may cancel on its
   * own when it no longer needs it), a failed export always fails the build.
   */
  exportFailure: Error | undefined;

  constructor(private readonly opts: SessionOptions = {}) {
    this.name = opts.name ?? 'lfs-docker';
    this.sharedKey = opts.sharedKey ?? defaultSharedKey();
    const w = wire();
    this.addService(w.Health, {
      Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { status: 1 }),
      Watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.write({ status: 1 });
      },
    });
    if (opts.localDirs && Object.keys(opts.localDirs).length > 0) {
      this.addService(w.FileSync, {
        DiffCopy: (call: grpc.ServerDuplexStream<WirePacket, WirePacket>) => this.track(this.serveUpload(call), 'upload'),
        TarStream: (call: grpc.ServerDuplexStream<WirePacket, WirePacket>) =>
          call.emit('error', statusError(grpc.status.UNIMPLEMENTED, 'TarStream is not supported')),
      }, ['DiffCopy']);
    }
    if (opts.exports?.some((e) => e !== undefined)) {
      this.addService(rawFileSend(), {
        DiffCopy: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.track(this.serveExport(call), 'export'),
      });
    }
    if (opts.secrets && Object.keys(opts.secrets).length > 0) {
      this.addService(w.Secrets, {
        GetSecret: (call: grpc.ServerUnaryCall<{ ID: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
          this.getSecret(call.request.ID).then(
            (data) => cb(null, { data }),
            (err: Error & { code?: number }) => cb(statusError(err.code ?? grpc.status.INTERNAL, err.message)),
          );
        },
      });
    }
  }

  /** gRPC methods we serve, as advertised in `x-docker-expose-session-grpc-method`. */
  get methods(): readonly string[] {
    return this.served;
  }

  private addService(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation, advertise?: string[]): void {
    this.server.addService(def, impl);
    for (const [name, m] of Object.entries(def)) {
      if (advertise && !advertise.includes(name)) continue;
      this.served.push(m.path);
    }
  }

  private track(p: Promise<void>, kind: 'upload' | 'export'): void {
    const t = p.catch((err: Error) => {
      this.failure ??= err;
      if (kind === 'export') this.exportFailure ??= err;
      debug('session handler failed: %s', err.message);
    });
    this.pending.add(t);
    void t.finally(() => this.pending.delete(t));
  }

  /** Waits until every running handler (uploads, exports) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async serveUpload(call: grpc.ServerDuplexStream<WirePacket, WirePacket>): Promise<void> {
    const md = call.metadata;
    const dirName = metadataValues(md, 'dir-name')[0] ?? '';
    const root = this.opts.localDirs?.[dirName];
    if (root === undefined) {
      call.emit('error', statusError(grpc.status.NOT_FOUND, `no local directory named ${JSON.stringify(dirName)} in this session`));
      return;
    }
    const includePatterns = metadataValues(md, 'include-patterns');
    const excludePatterns = metadataValues(md, 'exclude-patterns');
    const followPaths = metadataValues(md, 'followpaths');
    debug('upload %s (%s): include %o exclude %o follow %o', dirName, root, includePatterns, excludePatterns, followPaths);
    const peer = peerFromStream<WirePacket, WirePacket>(call as unknown as Duplex, (p) => p, (p) => p);
    try {
      const stats = await sendDir(peer, root, {
        includePatterns,
        excludePatterns,
        followPaths,
        onProgress: (b) => this.opts.onUploadProgress?.(dirName, b),
      });
      this.opts.onUpload?.(dirName, stats);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      call.emit('error', statusError(grpc.status.INTERNAL, `uploading ${dirName}: ${msg}`));
      throw new Error(`uploading local dir ${dirName} (${root}): ${msg}`, { cause: err });
    }
  }

  private async serveExport(call: grpc.ServerDuplexStream<Buffer, Buffer>): Promise<void> {
    const idRaw = call.metadata.get('buildkit-attachable-exporter-id')[0];
    const id = idRaw === undefined ? 0 : Number(String(idRaw));
    const target = this.opts.exports?.[id];
    if (!target) {
      call.emit('error', statusError(grpc.status.NOT_FOUND, `no export target for exporter ${id}`));
      return;
    }
    const w = wire();
    try {
      if (target instanceof DirTarget) {
        const peer = peerFromStream<Buffer, WirePacket>(call as unknown as Duplex, w.packet.decode, w.packet.encode);
        await target.receive(peer);
      } else if (target instanceof StreamTarget) {
        const peer = peerFromStream<Buffer, WireBytesMessage>(call as unknown as Duplex, w.bytesMessage.decode, w.bytesMessage.encode);
        for await (const m of peer.messages) await target.write(m.data);
        call.end();
      } else {
        throw new Error(`exporter ${id} has no receiver`);
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      call.emit('error', statusError(grpc.status.INTERNAL, `receiving export: ${msg}`));
      throw err instanceof Error ? err : new Error(msg);
    }
  }

  private async getSecret(id: string): Promise<Buffer> {
    const src = this.opts.secrets?.[id];
    const notFound = Object.assign(new Error(`secret ${id} not found`), { code: grpc.status.NOT_FOUND });
    if (src === undefined) throw notFound;
    if (typeof src === 'string') return readFile(src);
    if ('file' in src) return readFile(src.file);
    if ('env' in src) {
      const v = (this.opts.env ?? process.env)[src.env];
      if (v === undefined) throw notFound;
      return Buffer.from(v);
    }
    return Buffer.isBuffer(src.value) ? src.value : Buffer.from(src.value);
  }

  /** Metadata for Control.Session. */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('x-docker-expose-session-uuid', this.id);
    md.set('x-docker-expose-session-sharedkey', this.sharedKey);
    md.set('x-docker-expose-session-name', this.name);
    for (const m of this.served) md.add('x-docker-expose-session-grpc-method', m);
    return md;
  }

  /**
   * Opens the session on a Control client. Resolves when the stream ends; rejects when it fails
   * (unless close() was called).
   */
  run(control: grpc.Client): Promise<void> {
    const open = (control as unknown as Record<string, (md: grpc.Metadata) => grpc.ClientDuplexStream<WireBytesMessage, WireBytesMessage>>)['Session']!;
    const call = open.call(control, this.metadata());
    this.call = call;
    this.injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    widenReceiveWindows(this.server);
    const duplex = bytesCallToDuplex(call);
    this.injector.injectConnection(duplex);
    debug('session %s opened, serving %o', this.id, this.served);
    return new Promise<void>((resolve, reject) => {
      call.on('status', (s: grpc.StatusObject) => {
        if (s.code === grpc.status.OK || this.closing) resolve();
        else reject(Object.assign(new Error(`session stream: ${s.details}`), { code: s.code, details: s.details }));
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (this.closing || err.code === grpc.status.CANCELLED) resolve();
        else reject(err);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    debug('session %s closing', this.id);
    this.call?.cancel();
    this.injector?.destroy();
    this.server.forceShutdown();
  }
}
