/**
 * A solve is three concurrent tasks that fail together (as in BuildKit's Go client):
 * the session (uploads, exports), the Solve call, and the Status stream. One AbortController
 * ties them: a failing task or the caller's signal cancels the Solve call on the daemon (which
 * stops the build and kills its processes) and closes the session.
 */
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Duplex } from 'node:stream';

import * as grpc from '@grpc/grpc-js';
import createDebug from 'debug';

import { makeOwnedDir } from '../fs/owned-dir.js';
import { closeCacheStores, finishCacheExports, resolveCache, type ResolvedCache } from './cache.js';
import { BuildKitError, DaemonLostError, SolveError, grpcCodeName, isServiceError } from './errors.js';
import { dockerConfigCredentials } from './auth.js';
import { watchBuildOutcome } from './history.js';
import type { OciContentStore } from './session/content-store.js';
import { UnsafeExportError } from './session/receive.js';
import { Session } from './session/session.js';
import { DirTarget, StreamTarget, type ExportTarget } from './session/targets.js';
import { buildSolveRequest, localLayout, validateExports, type LocalLayout } from './solve-request.js';
import { StatusTracker, exitCodeFromMessage, solveStatusFromWire, type BuildEvent } from './status.js';
import type { ExportSpec, SolveOptions, SolveResult } from './types.js';
import type { WireSolveResponse, WireStatusResponse } from './wire/types.js';

const debug = createDebug('lfs-docker:buildkit');

type UnaryFn = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => grpc.ClientUnaryCall;
type StreamFn = (req: unknown, md?: grpc.Metadata) => grpc.ClientReadableStream<unknown>;

export interface SolveContext {
  control: grpc.Client;
  /** The daemon in words, for messages (`Docker Engine at unix:///var/run/docker.sock`). */
  daemon?: string;
  /** True when talking to Docker Engine's embedded BuildKit (`image` exports become `moby`). */
  dockerEngine: boolean;
  /** Describes the connection's last dial failure for messages. */
  lastTransportError(): Error | undefined;
  /**
   * The daemon reads only the legacy single `Exporter` field (BuildKit < 0.13, e.g. 0.8 in
   * Docker 20.10): several exports then run as one solve each, the later ones from the cache.
   */
  oneExportPerSolve?: boolean;
  /** A fresh raw connection to the daemon for the session (see Transport.dialSession). */
  dialSession?: () => Promise<Duplex>;
  /** Docker Engine's `POST /session` (see Transport.openEngineSession). */
  openEngineSession?: (sessionHeaders: Record<string, string | string[]>) => Promise<Duplex>;
  /** Turns a failure into a clearer error (a feature the daemon lacks, ...). */
  explain?(err: BuildKitError, opts: SolveOptions, layout: LocalLayout): Promise<BuildKitError>;
  /**
   * The connection stopped delivering the daemon's answers (see SOLVE_ANSWER_GRACE_MS): the caller
   * should not send more calls on it.
   */
  connectionSuspect?(): void;
  /**
   * A Control client on a connection of its own (closed by the caller), to ask the daemon's build
   * records how a build ended when the current connection may be stuck (see SOLVE_ANSWER_GRACE_MS).
   */
  freshControl?(): grpc.Client;
}

/**
 * After the Status stream ended, how long the Solve call's own answer may take before we look
 * elsewhere for how the build ended. A failed build's answer carries the daemon's error in its
 * trailers, and with it the Dockerfile's text (the Dockerfile frontend attaches the source of the
 * failing instruction, or of the whole file); over 64 KiB the header field exceeds what Node's HTTP/2
 * (nghttp2) accepts at all: the answer never arrives and the connection is stuck until keepalive drops
 * it (80 s). When a step failed, the Status stream has told which, and the solve ends with it. When
 * none did (an error of the frontend itself, such as a Dockerfile it cannot parse), the daemon's build
 * record (BuildKit 0.11+), asked on a new connection, gives the error.
 */
export const SOLVE_ANSWER_GRACE_MS = 5000;

/** The Solve call's answer did not arrive although the build had ended (see SOLVE_ANSWER_GRACE_MS). */
class SolveAnswerLost extends Error {}

/** The daemon's error for a build, from its build record, in the shape of the Solve call's error. */
function recordedError(error: { code: number; message: string }): grpc.ServiceError {
  return Object.assign(new Error(`${error.code} ${grpcCodeName(error.code)}: ${error.message}`), {
    code: error.code,
    details: error.message,
    metadata: new grpc.Metadata(),
  });
}

function method<T>(client: grpc.Client, name: string): T {
  const fn = (client as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`Control client has no ${name}`);
  return (fn as (...a: unknown[]) => unknown).bind(client) as T;
}

export function newRef(): string {
  return randomBytes(12).toString('hex');
}

async function assertDir(p: string, what: string): Promise<void> {
  try {
    const st = await stat(p);
    if (!st.isDirectory()) throw new BuildKitError('INVALID_OPTIONS', `${what} ${p} is not a directory`);
  } catch (err) {
    if (err instanceof BuildKitError) throw err;
    throw new BuildKitError('INVALID_OPTIONS', `${what} ${p} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function targetFor(spec: NonNullable<SolveOptions['exports']>[number]): ExportTarget | undefined {
  if (spec.type === 'local') {
    const s = spec as { dest: string; overwrite?: boolean; allowSetid?: boolean };
    return new DirTarget(s.dest, { overwrite: s.overwrite ?? false, allowSetid: s.allowSetid ?? false });
  }
  if (spec.dest !== undefined) return new StreamTarget(spec.dest, { overwrite: spec.overwrite ?? false });
  return undefined;
}

function describeExport(spec: ExportSpec, i: number): string {
  const dest = typeof spec.dest === 'string' ? ` to ${spec.dest}` : '';
  return `export ${i} (${spec.type}${dest})`;
}

/**
 * Runs a solve: every export target is prepared first and committed (renamed into place) only
 * when every solve of the build succeeded. Usually that is one solve; a daemon that takes one
 * exporter per solve gets one solve per export.
 */
export async function runSolve(ctx: SolveContext, opts: SolveOptions): Promise<SolveResult> {
  if (!opts || typeof opts.context !== 'string') throw new BuildKitError('INVALID_OPTIONS', 'solve: context directory is required');
  const exports = opts.exports ?? [];
  validateExports(exports);
  opts.signal?.throwIfAborted();

  let dfDir: string | undefined;
  const targets: Array<ExportTarget | undefined> = [];
  let started = false;
  let layout: LocalLayout | undefined;
  let cache: ResolvedCache | undefined;
  try {
    cache = await resolveCache(opts);
    for (const w of cache.warnings) (opts.onWarning ?? ((m: string) => debug('warning: %s', m)))(w);
    if (opts.dockerfileText !== undefined) {
      dfDir = await makeOwnedDir(tmpdir(), 'lfs-docker-df-', 'the Dockerfile of a build');
      await writeFile(join(dfDir, 'Dockerfile'), opts.dockerfileText, { mode: 0o600 });
    }
    layout = localLayout(opts, dfDir);
    for (const [name, dir] of Object.entries(layout.localDirs)) await assertDir(dir, name === 'context' ? 'build context' : `local dir ${name}`);
    for (const spec of exports) {
      const t = targetFor(spec);
      if (t) {
        try {
          await t.prepare();
        } catch (err) {
          throw new BuildKitError('INVALID_OPTIONS', `export ${spec.type}: ${(err as Error).message}`, { cause: err });
        }
      }
      targets.push(t);
    }
    const all = exports.map((_, i) => i);
    const rounds = ctx.oneExportPerSolve && exports.length > 1 ? all.map((i) => [i]) : [all];
    const baseRef = opts.ref ?? newRef();
    const results: SolveResult[] = [];
    for (const [r, round] of rounds.entries()) {
      if (r > 0) debug('one exporter per solve on this daemon: solving again for %s', describeExport(exports[round[0]!]!, round[0]!));
      started = true;
      // The cache is exported once, by the first solve; every solve may import it.
      const roundOpts: SolveOptions = {
        ...opts,
        exports: round.map((i) => exports[i]!),
        ref: r === 0 ? baseRef : `${baseRef}-${r}`,
        cacheExports: r === 0 ? cache.exports : [],
        cacheImports: cache.imports,
      };
      const l = layout;
      results.push(
        await solveRound(
          ctx,
          roundOpts,
          { localDirs: l.localDirs, contentStores: cache.stores },
          round.map((i) => ({ target: targets[i], what: describeExport(exports[i]!, i) })),
          (sessionId, ref) => buildSolveRequest(roundOpts, l, { ref, session: sessionId }, ctx.dockerEngine),
        ),
      );
    }
    await finishCacheExports(cache, results[0]!.exporterResponse);
    for (const t of targets) await t?.commit();
    await opts.progress?.done();
    return mergeResults(results);
  } catch (err) {
    await Promise.all(targets.map((t) => t?.abort().catch(() => {})));
    if (!started) throw err;
    let e = err instanceof BuildKitError ? err : new BuildKitError('EXPORT', `export failed: ${(err as Error).message}`, { cause: err });
    if (ctx.explain && layout) e = await ctx.explain(e, opts, layout).catch(() => e);
    await Promise.resolve(opts.progress?.done(e)).catch(() => {});
    throw e;
  } finally {
    await closeCacheStores(cache);
    if (dfDir) await rm(dfDir, { recursive: true, force: true }).catch(() => {});
  }
}

function mergeResults(results: SolveResult[]): SolveResult {
  const first = results[0]!;
  if (results.length === 1) return first;
  const uploads: SolveResult['uploads'] = {};
  for (const r of results) {
    for (const [name, u] of Object.entries(r.uploads)) {
      const sum = (uploads[name] ??= { entries: 0, files: 0, bytes: 0 });
      sum.entries = Math.max(sum.entries, u.entries);
      sum.files += u.files;
      sum.bytes += u.bytes;
    }
  }
  return {
    ref: first.ref,
    exporterResponse: Object.assign({}, ...results.map((r) => r.exporterResponse)) as Record<string, string>,
    uploads,
    warnings: results.flatMap((r) => r.warnings),
    sessionTransport: first.sessionTransport,
  };
}

/** One Solve call with its session and Status stream; exports are received, not committed. */
async function solveRound(
  ctx: SolveContext,
  opts: SolveOptions,
  served: { localDirs: Record<string, string>; contentStores: ReadonlyMap<string, OciContentStore> },
  targets: Array<{ target: ExportTarget | undefined; what: string }>,
  makeRequest: (sessionId: string, ref: string) => ReturnType<typeof buildSolveRequest>,
): Promise<SolveResult> {
  const ref = opts.ref ?? newRef();
  const tracker = new StatusTracker();
  const uploads: SolveResult['uploads'] = {};
  const emit = (events: BuildEvent[]): void => {
    if (!opts.onEvent) return;
    for (const e of events) {
      try {
        opts.onEvent(e);
      } catch (err) {
        debug('onEvent threw: %s', (err as Error).message);
      }
    }
  };
  const session = new Session({
    localDirs: served.localDirs,
    contentStores: served.contentStores,
    exports: targets.map((t) => t.target),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.registryAuth === false ? {} : { credentials: opts.registryAuth ?? dockerConfigCredentials() }),
    ...(opts.sharedKey ? { sharedKey: opts.sharedKey } : {}),
    onUpload: (name, s) => {
      uploads[name] = { ...s };
    },
  });
  const req = makeRequest(session.id, ref);
  debug('solve %s: frontend %s attrs %o exporters %o cache %o', ref, req.Frontend, req.FrontendAttrs, req.Exporters, req.Cache);

  const ac = new AbortController();
  const onUserAbort = (): void => ac.abort(opts.signal?.reason ?? new Error('aborted'));
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  if (opts.signal?.aborted) onUserAbort();

  let solveCall: grpc.ClientUnaryCall | undefined;
  let statusCall: grpc.ClientReadableStream<unknown> | undefined;
  let firstFailure: unknown;
  const fail = (err: unknown): void => {
    firstFailure ??= err;
    if (!ac.signal.aborted) ac.abort(err);
  };
  ac.signal.addEventListener('abort', () => {
    solveCall?.cancel();
    statusCall?.cancel();
    void session.close();
  }, { once: true });

  const sessionTask = session.run(ctx.control, ctx.dialSession, ctx.openEngineSession).then(
    () => {
      if (!ac.signal.aborted && solveCall) debug('session ended before the solve');
    },
    (err: unknown) => {
      fail(new BuildKitError('SESSION', `session failed: ${(err as Error).message}`, { cause: err }));
    },
  );

  const statusTask = new Promise<void>((resolve) => {
    const call = method<StreamFn>(ctx.control, 'Status')({ Ref: ref });
    statusCall = call;
    call.on('data', (r: WireStatusResponse) => {
      const status = solveStatusFromWire(r);
      const events = tracker.update(status);
      try {
        opts.onStatus?.(status);
        opts.progress?.update(status);
      } catch (err) {
        debug('status consumer threw: %s', (err as Error).message);
      }
      emit(events);
    });
    call.on('end', () => resolve());
    call.on('error', (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) debug('status stream failed: %s', err.message);
      resolve();
    });
  });

  const solveTask = new Promise<WireSolveResponse>((resolve, reject) => {
    solveCall = method<UnaryFn>(ctx.control, 'Solve')(req, new grpc.Metadata(), {}, (err, res) => {
      if (err) reject(err);
      else resolve(res as WireSolveResponse);
    });
    if (ac.signal.aborted) solveCall.cancel();
  });

  // The build is over once its Status stream ended: the Solve answer must follow (see SOLVE_ANSWER_GRACE_MS).
  let answerLost = false;
  const answerWatch = new AbortController();
  const never = new Promise<never>(() => {});
  const lostAnswer = statusTask.then(async () => {
    const v = tracker.failedVertex();
    if (v?.error && /cancel/i.test(v.error)) return never;
    await new Promise<void>((r) => {
      const t = setTimeout(r, SOLVE_ANSWER_GRACE_MS);
      answerWatch.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    });
    if (answerWatch.signal.aborted) return never;
    const why = `the daemon's answer to the Solve call did not arrive within ${SOLVE_ANSWER_GRACE_MS / 1000} s of the end of the build ` +
      '(an error message over 64 KiB, e.g. one quoting a large Dockerfile, is more than Node\'s HTTP/2 accepts)';
    if (v?.error) {
      answerLost = true;
      throw new SolveAnswerLost(`${why}; the failing step is taken from the build's status`);
    }
    // No step failed: the daemon's record of the build says how it ended. A record that says it
    // succeeded, or no record, leaves the answer to come.
    const control = ctx.freshControl?.();
    if (!control) return never;
    let outcome;
    try {
      outcome = await watchBuildOutcome(control, ref, answerWatch.signal);
    } finally {
      control.close();
    }
    if (!outcome?.error) return never;
    debug('solve %s: %s; the error is taken from the daemon\'s build record', ref, why);
    answerLost = true;
    throw recordedError(outcome.error);
  });

  let response: WireSolveResponse | undefined;
  let solveErr: unknown;
  try {
    response = await Promise.race([solveTask, lostAnswer]);
  } catch (err) {
    solveErr = err;
  } finally {
    answerWatch.abort();
  }
  if (answerLost) {
    debug('solve %s: %s', ref, (solveErr as Error).message);
    ctx.connectionSuspect?.();
  }
  try {
    if (response) {
      // The daemon answers Solve after the exports went out; let our receivers finish.
      await session.settled();
      if (session.exportFailure) throw session.exportFailure;
      // A daemon that ignored an exporter sends nothing for it: never present that as a result.
      const missing = targets.filter((t) => t.target && !t.target.received);
      if (missing.length > 0) {
        throw new BuildKitError(
          'EXPORT',
          `the daemon sent nothing for ${missing.map((t) => t.what).join(', ')}; it may take only one export per build (BuildKit < 0.13)`,
        );
      }
      await Promise.race([statusTask, delay(5000)]);
      return {
        ref,
        exporterResponse: { ...response.ExporterResponse },
        uploads,
        warnings: tracker.warnings.map((w) => ({
          vertexName: tracker.vertex(w.vertex)?.name ?? '',
          short: w.short,
          detail: w.detail,
          url: w.url,
        })),
        sessionTransport: session.transport,
      };
    }
    // The daemon's answer can come before the end of its Status stream, which still holds the failing
    // step's error and log (seen with BuildKit 0.8, a few times in a hundred): let the stream end on its
    // own before cancelling it.
    if (!ac.signal.aborted) await Promise.race([statusTask, delay(2000)]);
    fail(solveErr);
    await Promise.race([statusTask, delay(2000)]);
    await session.settled().catch(() => {});
    throw solveError(solveErr, firstFailure, session.exportFailure ?? undefined, tracker, opts.signal, ctx.lastTransportError(), session.failure, ctx.daemon);
  } finally {
    opts.signal?.removeEventListener('abort', onUserAbort);
    if (!ac.signal.aborted) ac.abort(new Error('solve finished'));
    await session.close();
    await sessionTask;
  }
}

/** Wait `ms` without keeping the process alive for it. */
const delay = (ms: number) => sleep(ms, undefined, { ref: false });

/** Builds the error the caller sees: the failing step, its exit code and log, the daemon's words. */
export function solveError(
  err: unknown,
  firstFailure: unknown,
  exportFailure: Error | undefined,
  tracker: StatusTracker,
  signal: AbortSignal | undefined,
  transportError?: Error,
  uploadFailure?: Error,
  daemon?: string,
): BuildKitError {
  if (signal?.aborted) {
    return new BuildKitError('CANCELLED', 'build cancelled', { cause: signal.reason ?? err });
  }
  if (exportFailure) {
    // Refused: the daemon sent what we do not write (see UnsafeExportError); failed: we could not write it.
    const verb = exportFailure instanceof UnsafeExportError ? 'refused' : 'failed';
    return new BuildKitError('EXPORT', `export ${verb}: ${exportFailure.message}`, { cause: exportFailure });
  }
  if (firstFailure instanceof BuildKitError && firstFailure !== err) return firstFailure;
  const v = tracker.failedVertex();
  // An upload cut short is usually a consequence (the daemon cancels it when a step fails),
  // so it is the cause only when no step reported a failure of its own.
  if (uploadFailure && (!v || /cancel/i.test(v.error ?? ''))) {
    return new BuildKitError('SESSION', `build failed in the session: ${uploadFailure.message}`, { cause: uploadFailure });
  }
  const grpcCode = isServiceError(err) ? err.code : undefined;
  const details = isServiceError(err) ? err.details : err instanceof Error ? err.message : String(err);
  const why = transportError ? ` (${transportError.message})` : '';
  // A connection that drops after a step failed (the daemon's answer lost on the way) must not hide the
  // step: the step's failure is what the user has to act on.
  const stepFailed = v?.error !== undefined && !/cancel/i.test(v.error);
  if (grpcCode === grpc.status.UNAVAILABLE && !stepFailed) {
    // The steps that were running: what the user's build was doing when the daemon went away.
    const running = tracker.running().filter((r) => !r.cached && !r.error).map((r) => r.name);
    const during = running.length === 0 ? '' : ` while ${running.join(', ')} ${running.length === 1 ? 'was' : 'were'} running`;
    return new DaemonLostError(`lost the BuildKit daemon${daemon ? ` (${daemon})` : ''}${during}: ${details}${why}`, {
      cause: transportError ?? err,
      grpcCode,
      details,
      ...(daemon !== undefined && { daemon }),
      running,
    });
  }
  const lines: string[] = [];
  let exitCode = exitCodeFromMessage(details);
  if (v) {
    const logTail = tracker.logLines(v.digest);
    exitCode ??= v.error ? exitCodeFromMessage(v.error) : undefined;
    lines.push(`failed to solve: ${v.name}: ${v.error ?? details}`);
    if (logTail.length > 0) {
      lines.push('------', ` > ${v.name}:`, ...logTail.map((l) => `${l}`), '------');
    }
    if (grpcCode === grpc.status.UNAVAILABLE) lines.push(`(then the connection to the BuildKit daemon dropped: ${details}${why})`);
    else if (v.error && details && !details.includes(v.error)) lines.push(details);
    return new SolveError(lines.join('\n'), {
      cause: err,
      ...(grpcCode !== undefined ? { grpcCode } : {}),
      details,
      vertex: v.name,
      ...(exitCode !== undefined ? { exitCode } : {}),
      logTail,
    });
  }
  const codeName = grpcCode !== undefined ? `${grpcCodeName(grpcCode)}: ` : '';
  return new SolveError(`failed to solve: ${codeName}${details}`, {
    cause: err,
    ...(grpcCode !== undefined ? { grpcCode } : {}),
    details,
    ...(exitCode !== undefined ? { exitCode } : {}),
  });
}
