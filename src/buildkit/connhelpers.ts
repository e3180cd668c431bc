/**
 * Connection helpers: a registry keyed by URL scheme, as BuildKit's and buildx's connhelper
 * packages do. Each helper turns an address into a grpc-js target (+ credentials and options).
 *
 *   unix:///run/buildkit/buildkitd.sock      buildkitd's own socket
 *   tcp://host:1234                          buildkitd over TCP, optionally with (m)TLS
 *   docker://  docker:///path/to/docker.sock docker://host:2375
 *                                            the BuildKit inside Docker Engine, via `POST /grpc`
 *                                            upgraded to h2c (bridged, see ./bridge.ts)
 *   docker-container://NAME                  buildkitd in a container: `buildctl dial-stdio`
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createConnection, type Socket } from 'node:net';
import tls from 'node:tls';
import { Duplex, PassThrough } from 'node:stream';

import * as grpc from '@grpc/grpc-js';
import createDebug from 'debug';
import Docker from 'dockerode';

import { startBridge, type Dialer } from './bridge.js';
import type { EngineInfo } from './capabilities.js';
import { imageStoreFromInfo, type EngineImageStore } from './cache-export-support.js';
import { BuildKitError } from './errors.js';

const debug = createDebug('lfs-docker:buildkit');

export interface TlsOptions {
  /** CA certificate(s): PEM contents, or a path to a PEM file. */
  ca?: Buffer | string;
  /** Client certificate for mTLS: PEM contents or a path. */
  cert?: Buffer | string;
  /** Client key for mTLS: PEM contents or a path. */
  key?: Buffer | string;
  /** Server name to verify (and send as SNI/authority) instead of the host name. */
  servername?: string;
}

export interface ConnectOptions {
  /** TLS settings for `tcp://` addresses (TLS is used when any of these is set). */
  tls?: TlsOptions;
  /** Dockerode instance for `docker://` and `docker-container://` (default: from DOCKER_HOST). */
  docker?: Docker;
  /** How long to wait for the daemon to answer (default 20 s). */
  connectTimeoutMs?: number;
  /** Environment to read BUILDKIT_HOST / DOCKER_HOST from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What a helper produces: something grpc-js can dial. */
export interface Transport {
  target: string;
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  /** Human-readable description for messages (`docker engine at unix:///var/run/docker.sock`). */
  description: string;
  /** Last failure of the underlying dialer, when grpc-js cannot know it. */
  lastError(): Error | undefined;
  /**
   * A fresh raw connection to the daemon's gRPC endpoint (HTTP/2 not started). When present, the
   * session runs on a connection of its own with Node's HTTP/2 client (./session/rawstream.ts)
   * instead of a grpc-js call: fewer copies of every uploaded and exported byte.
   */
  dialSession?(): Promise<Duplex>;
  /**
   * Docker Engine only: the session's own connection through the engine's `POST /session`
   * (see upgradeToSession); the returned socket is the session's HTTP/2 connection, served as is.
   */
  openEngineSession?(sessionHeaders: Record<string, string | string[]>): Promise<Duplex>;
  /** Docker Engine's own version, for BuildKit inside Docker Engine (`docker://`). */
  engine?(): Promise<EngineInfo | undefined>;
  /** Docker Engine's image store (`GET /info`): whether its BuildKit can export a cache. */
  imageStore?(): Promise<EngineImageStore>;
  close(): Promise<void>;
}

export type ConnectionHelper = (address: URL, options: ConnectOptions) => Promise<Transport>;

const helpers = new Map<string, ConnectionHelper>();

/** Registers a helper for `scheme://` addresses (scheme without the colon). */
export function registerConnectionHelper(scheme: string, helper: ConnectionHelper): void {
  helpers.set(scheme.replace(/:$/, ''), helper);
}

export function connectionHelperSchemes(): string[] {
  return [...helpers.keys()].sort();
}

/** Picks the address to use: the argument, then BUILDKIT_HOST, then Docker Engine. */
export function resolveAddress(address: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (address && address.trim() !== '') return address.trim();
  const fromEnv = env['BUILDKIT_HOST'];
  if (fromEnv && fromEnv.trim() !== '') return fromEnv.trim();
  return 'docker://';
}

/** Parses an address into a URL, with friendly errors. */
export function parseAddress(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch (err) {
    throw new BuildKitError('UNSUPPORTED_ADDRESS', `invalid BuildKit address ${JSON.stringify(address)}`, {
      cause: err,
    });
  }
  return url;
}

export async function openTransport(address: string, options: ConnectOptions): Promise<Transport> {
  const url = parseAddress(address);
  const scheme = url.protocol.replace(/:$/, '');
  const helper = helpers.get(scheme);
  if (!helper) {
    throw new BuildKitError(
      'UNSUPPORTED_ADDRESS',
      `unsupported BuildKit address scheme ${JSON.stringify(scheme)} in ${address} (supported: ${connectionHelperSchemes().join(', ')})`,
    );
  }
  return helper(url, options);
}

/** Channel options shared by all transports. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  // Larger HTTP/2 receive windows: exports and logs stream from the daemon to us, and the
  // 64 KiB default stalls them behind round trips through the bridge.
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_permit_without_calls': 0,
};

function pem(v: Buffer | string | undefined): Buffer | null {
  if (v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (v.includes('-----BEGIN')) return Buffer.from(v);
  return readFileSync(v);
}

// ---------------------------------------------------------------- unix://, tcp://

/**
 * Opens and closes one connection to a unix socket: grpc-js only reports "failed to connect
 * before the deadline" after waiting out the whole connect timeout, while the socket itself says
 * at once why it cannot be reached (ENOENT, ECONNREFUSED, EACCES, ENOTSOCK...).
 */
export function probeUnixSocket(path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sock = createConnection({ path });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', (err) => {
      sock.destroy();
      reject(err);
    });
  });
}

/** Resolves with the socket once it is connected (or TLS-established). */
function connected<S extends Socket>(sock: S, event: 'connect' | 'secureConnect' = 'connect'): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    sock.once(event, () => {
      sock.off('error', reject);
      sock.setNoDelay?.(true);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

registerConnectionHelper('unix', async (url) => {
  const path = decodeURIComponent(url.pathname);
  if (!path) throw new BuildKitError('UNSUPPORTED_ADDRESS', `unix address without a path: ${url.href}`);
  try {
    await probeUnixSocket(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such socket' : e.code === 'ECONNREFUSED' ? 'nothing is listening' : e.code === 'EACCES' ? 'permission denied' : 'cannot connect';
    throw new BuildKitError('CONNECT', `cannot connect to buildkitd at unix://${path}: ${why} (${e.code ?? e.message})`, { cause: err });
  }
  return {
    target: `unix://${path}`,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS },
    description: `buildkitd at unix://${path}`,
    lastError: () => undefined,
    dialSession: () => connected(createConnection({ path })),
    close: async () => {},
  };
});

registerConnectionHelper('tcp', async (url, options) => {
  if (!url.hostname || !url.port) {
    throw new BuildKitError('UNSUPPORTED_ADDRESS', `tcp address needs host:port: ${url.href}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const target = `${url.hostname}:${url.port}`;
  const tls_ = options.tls ?? {};
  const useTls = tls_.ca !== undefined || tls_.cert !== undefined || tls_.key !== undefined || tls_.servername !== undefined;
  const channelOptions: grpc.ChannelOptions = { ...CHANNEL_OPTIONS };
  let credentials = grpc.credentials.createInsecure();
  if (useTls) {
    credentials = grpc.credentials.createSsl(pem(tls_.ca), pem(tls_.key), pem(tls_.cert));
    if (tls_.servername) {
      channelOptions['grpc.ssl_target_name_override'] = tls_.servername;
      channelOptions['grpc.default_authority'] = tls_.servername;
    }
  }
  const port = Number(url.port);
  return {
    target,
    credentials,
    channelOptions,
    description: `buildkitd at tcp://${host}:${url.port}${useTls ? ' (TLS)' : ''}`,
    lastError: () => undefined,
    dialSession: () =>
      useTls
        ? connected(
            tls.connect({
              host,
              port,
              ALPNProtocols: ['h2'],
              servername: tls_.servername ?? host,
              ...(pem(tls_.ca) ? { ca: pem(tls_.ca)! } : {}),
              ...(pem(tls_.cert) ? { cert: pem(tls_.cert)! } : {}),
              ...(pem(tls_.key) ? { key: pem(tls_.key)! } : {}),
            }),
            'secureConnect',
          )
        : connected(createConnection({ host, port })),
    close: async () => {},
  };
});

// ---------------------------------------------------------------- docker://

interface ModemLike {
  socketPath?: unknown;
  host?: string;
  port?: string | number;
  protocol?: string;
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, string>;
  getSocketPath?: () => Promise<string> | undefined;
}

function dockerFor(url: URL, options: ConnectOptions): Docker {
  if (url.host) {
    return new Docker({ host: url.hostname, port: url.port || 2375, protocol: 'http' });
  }
  if (url.pathname && url.pathname !== '/') return new Docker({ socketPath: decodeURIComponent(url.pathname) });
  return options.docker ?? new Docker();
}

async function engineEndpoint(modem: ModemLike): Promise<{ description: string; request: http.RequestOptions; tls: boolean }> {
  const socketPath = modem.getSocketPath ? await modem.getSocketPath() : undefined;
  if (typeof socketPath === 'string' && socketPath) {
    return { description: `unix://${socketPath}`, request: { socketPath }, tls: false };
  }
  if (modem.protocol === 'ssh') {
    throw new BuildKitError('UNSUPPORTED_ADDRESS', 'ssh:// Docker hosts are not supported; use a unix or tcp DOCKER_HOST');
  }
  const tls = modem.protocol === 'https';
  const request: https.RequestOptions = { host: modem.host, port: modem.port };
  if (tls) {
    if (modem.ca !== undefined) request.ca = modem.ca as https.RequestOptions['ca'];
    if (modem.cert !== undefined) request.cert = modem.cert;
    if (modem.key !== undefined) request.key = modem.key;
  }
  return { description: `${tls ? 'https' : 'tcp'}://${modem.host}:${modem.port}`, request, tls };
}

/** `POST /grpc` with `Upgrade: h2c`: the engine hijacks the connection and serves BuildKit's gRPC on it. */
export function upgradeToGrpc(
  endpoint: { request: http.RequestOptions; tls: boolean },
  extraHeaders: Record<string, string> = {},
): Promise<Duplex> {
  return upgradeH2c(endpoint, '/grpc', extraHeaders);
}

/**
 * `POST /session` with `Upgrade: h2c` and the session's `X-Docker-Expose-Session-*` headers: the
 * engine hands the hijacked connection to BuildKit's session manager, which speaks HTTP/2 on it as
 * the client of our session services (what the docker CLI and buildx's docker driver use). One
 * HTTP/2 layer, where Control.Session over `/grpc` nests the session's connection in a gRPC stream.
 */
export function upgradeToSession(
  endpoint: { request: http.RequestOptions; tls: boolean },
  sessionHeaders: Record<string, string | string[]>,
  extraHeaders: Record<string, string> = {},
): Promise<Duplex> {
  return upgradeH2c(endpoint, '/session', { ...extraHeaders, ...sessionHeaders });
}

function upgradeH2c(
  endpoint: { request: http.RequestOptions; tls: boolean },
  path: string,
  headers: Record<string, string | string[]>,
): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    const req = (endpoint.tls ? https : http).request({
      ...endpoint.request,
      method: 'POST',
      path,
      headers: { ...headers, Connection: 'Upgrade', Upgrade: 'h2c' },
    });
    req.on('upgrade', (res, socket, head) => {
      debug('POST %s upgraded: %d %s', path, res.statusCode, res.headers['upgrade']);
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      resolve(socket);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        reject(
          new BuildKitError(
            'CONNECT',
            `Docker Engine refused POST ${path} (HTTP ${res.statusCode}): ${body || res.statusMessage || 'no message'}` +
              (res.statusCode === 404 ? ' (the engine is too old or BuildKit is disabled)' : ''),
          ),
        );
      });
    });
    req.on('error', (err) => reject(new BuildKitError('CONNECT', `cannot reach Docker Engine: ${err.message}`, { cause: err })));
    req.end();
  });
}

registerConnectionHelper('docker', async (url, options) => {
  const docker = dockerFor(url, options);
  const endpoint = await engineEndpoint(docker.modem as unknown as ModemLike);
  const headers = (docker.modem as unknown as ModemLike).headers ?? {};
  const dial: Dialer = () => upgradeToGrpc(endpoint, headers);
  const bridge = await startBridge(dial, `docker ${endpoint.description}`);
  return {
    target: bridge.target,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS, 'grpc.default_authority': 'localhost' },
    description: `Docker Engine at ${endpoint.description}`,
    lastError: () => bridge.lastError,
    dialSession: () => upgradeToGrpc(endpoint, headers),
    openEngineSession: (sessionHeaders) => upgradeToSession(endpoint, sessionHeaders, headers),
    engine: async () => {
      const v = await docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
    },
    imageStore: async () => imageStoreFromInfo((await docker.info()) as { Driver?: unknown; DriverStatus?: unknown }),
    close: () => bridge.close(),
  };
});

// ---------------------------------------------------------------- docker-container://

/** Runs `buildctl dial-stdio` in a container and exposes its stdio as one Duplex. */
export async function dialContainer(docker: Docker, container: string): Promise<Duplex> {
  let stream: NodeJS.ReadWriteStream & { destroy?: (err?: Error) => void };
  try {
    const exec = await docker.getContainer(container).exec({
      Cmd: ['buildctl', 'dial-stdio'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    stream = (await exec.start({ hijack: true, stdin: true })) as typeof stream;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new BuildKitError('CONNECT', `cannot run buildctl dial-stdio in container ${container}: ${msg}`, { cause: err });
  }
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (c: Buffer) => {
    errText = (errText + c.toString('utf8')).slice(-4096);
  });
  docker.modem.demuxStream(stream, stdout, stderr);
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      stream.write(chunk, (err?: Error | null) => cb(err ?? null));
    },
    final(cb) {
      stream.end();
      cb();
    },
    read() {
      stdout.resume();
    },
    destroy(err, cb) {
      stream.destroy?.();
      cb(err);
    },
  });
  stdout.on('data', (c: Buffer) => {
    if (!duplex.push(c)) stdout.pause();
  });
  stream.on('end', () => {
    if (errText) debug('dial-stdio %s stderr: %s', container, errText.trim());
    duplex.push(null);
  });
  stream.on('error', (err: Error) => duplex.destroy(err));
  return duplex;
}

registerConnectionHelper('docker-container', async (url, options) => {
  const name = decodeURIComponent(url.hostname || url.pathname.replace(/^\/+/, ''));
  if (!name) throw new BuildKitError('UNSUPPORTED_ADDRESS', `docker-container address needs a container name: ${url.href}`);
  const docker = options.docker ?? new Docker();
  const bridge = await startBridge(() => dialContainer(docker, name), `container ${name}`);
  return {
    target: bridge.target,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS, 'grpc.default_authority': 'localhost' },
    description: `buildkitd in container ${name}`,
    lastError: () => bridge.lastError,
    dialSession: () => dialContainer(docker, name),
    close: () => bridge.close(),
  };
});
