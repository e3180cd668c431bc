/**
 * One Solve call with its session and Status stream, as BuildKit's Go client runs it: named tasks
 * that fail together (its errgroup; here one AbortController):
 *
 *   runSession     the session (uploads, exports, secrets, credentials) on its own connection
 *   watchStatus    the Status stream: progress, events, the failing step and its log
 *   callSolve      the Solve call itself, which returns when the build ends
 *   watchOutcome   when the Status stream ended and the Solve answer does not come (see
 *                  SOLVE_ANSWER_GRACE_MS), how the build ended, from the status or the daemon's record
 *
 * A failing task or the caller's signal cancels the Solve call on the daemon (which stops the
 * build and kills its processes) and closes the session. Exports are received, not committed.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import * as grpc from "@grpc/grpc-js";
import createDebug from "debug";

import { dockerConfigCredentials } from "./auth.js";
import { BuildKitError, grpcCodeName } from "./errors.js";
import { watchBuildOutcome } from "./history.js";
import type { OciContentStore } from "./session/content-store.js";
import { Session } from "./session/session.js";
import type { ExportTarget } from "./session/targets.js";
import { solveError } from "./solve-error.js";
import type { SolveContext } from "./solve-context.js";
import { StatusTracker, solveStatusFromWire, type BuildEvent } from "./status.js";
import type { SolveOptions, SolveResult } from "./types.js";
import type { WireSolveRequest, WireSolveResponse, WireStatusResponse } from "./wire/types.js";

const debug = createDebug("lfs-docker:buildkit");

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

export function newRef(): string {
  return randomBytes(12).toString("hex");
}

/** Wait `ms` without keeping the process alive for it. */
const delay = (ms: number) => sleep(ms, undefined, { ref: false });
const never = (): Promise<never> => new Promise<never>(() => {});

/** What the session serves: local directories by name, content stores by id. */
export interface Served {
  localDirs: Record<string, string>;
  contentStores: ReadonlyMap<string, OciContentStore>;
}

/** An export of this round: where it goes (undefined: the daemon keeps it) and how to name it. */
export interface RoundExport {
  target: ExportTarget | undefined;
  what: string;
}

export class SolveRound {
  readonly ref: string;
  private readonly tracker = new StatusTracker();
  private readonly uploads: SolveResult["uploads"] = {};
  /** Ties the tasks: aborted by the first failure, the caller's signal, or the end of the round. */
  private readonly ac = new AbortController();
  private readonly session: Session;
  private solveCall: grpc.ClientUnaryCall | undefined;
  private statusCall: grpc.ClientReadableStream<WireStatusResponse> | undefined;
  private firstFailure: unknown;
  /** watchOutcome ended the round: the connection may be stuck (see SOLVE_ANSWER_GRACE_MS). */
  private answerLost = false;

  constructor(
    private readonly ctx: SolveContext,
    private readonly opts: SolveOptions,
    served: Served,
    private readonly exports: RoundExport[],
  ) {
    this.ref = opts.ref ?? newRef();
    this.session = new Session({
      localDirs: served.localDirs,
      contentStores: served.contentStores,
      exports: exports.map((t) => t.target),
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(opts.registryAuth === false ? {} : { credentials: opts.registryAuth ?? dockerConfigCredentials() }),
      ...(opts.sharedKey ? { sharedKey: opts.sharedKey } : {}),
      onUpload: (name, s) => {
        this.uploads[name] = { ...s };
      },
    });
  }

  /** Runs the round: the request is made once the session's id is known. */
  async run(makeRequest: (sessionId: string, ref: string) => WireSolveRequest): Promise<SolveResult> {
    const { opts, ac } = this;
    const req = makeRequest(this.session.id, this.ref);
    debug("solve %s: frontend %s attrs %o exporters %o cache %o", this.ref, req.Frontend, req.FrontendAttrs, req.Exporters, req.Cache);
    const onUserAbort = (): void => ac.abort(opts.signal?.reason ?? new Error("aborted"));
    opts.signal?.addEventListener("abort", onUserAbort, { once: true });
    if (opts.signal?.aborted) onUserAbort();
    ac.signal.addEventListener(
      "abort",
      () => {
        this.solveCall?.cancel();
        this.statusCall?.cancel();
        void this.session.close();
      },
      { once: true },
    );

    const sessionTask = this.runSession();
    const statusTask = this.watchStatus();
    const solveTask = this.callSolve(req);
    try {
      const answer = await this.awaitAnswer(solveTask, statusTask);
      if (answer.response) return await this.succeeded(answer.response, statusTask);
      return await this.failed(answer.error, statusTask);
    } finally {
      opts.signal?.removeEventListener("abort", onUserAbort);
      if (!ac.signal.aborted) ac.abort(new Error("solve finished"));
      await this.session.close();
      await sessionTask;
    }
  }

  /** The first failure of any task ends them all. */
  private fail(err: unknown): void {
    this.firstFailure ??= err;
    if (!this.ac.signal.aborted) this.ac.abort(err);
  }

  /** Task: the session. Resolves when it ends; a failure fails the round. */
  private runSession(): Promise<void> {
    return this.session.run(this.ctx.control, this.ctx.dialSession, this.ctx.openEngineSession).then(
      () => {
        if (!this.ac.signal.aborted && this.solveCall) debug("session ended before the solve");
      },
      (err: unknown) => {
        this.fail(new BuildKitError("SESSION", `session failed: ${(err as Error).message}`, { cause: err }));
      },
    );
  }

  /** Task: the Status stream, handed to the caller's displays and events. Resolves when it ends, never rejects. */
  private watchStatus(): Promise<void> {
    return new Promise<void>((resolve) => {
      const call = this.ctx.control.Status({ Ref: this.ref });
      this.statusCall = call;
      call.on("data", (r: WireStatusResponse) => this.onStatus(r));
      call.on("end", () => resolve());
      call.on("error", (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) debug("status stream failed: %s", err.message);
        resolve();
      });
    });
  }

  private onStatus(r: WireStatusResponse): void {
    const status = solveStatusFromWire(r);
    const events = this.tracker.update(status);
    try {
      this.opts.onStatus?.(status);
      this.opts.progress?.update(status);
    } catch (err) {
      debug("status consumer threw: %s", (err as Error).message);
    }
    this.emit(events);
  }

  private emit(events: BuildEvent[]): void {
    if (!this.opts.onEvent) return;
    for (const e of events) {
      try {
        this.opts.onEvent(e);
      } catch (err) {
        debug("onEvent threw: %s", (err as Error).message);
      }
    }
  }

  /** Task: the Solve call. */
  private callSolve(req: WireSolveRequest): Promise<WireSolveResponse> {
    return new Promise<WireSolveResponse>((resolve, reject) => {
      this.solveCall = this.ctx.control.Solve(req, new grpc.Metadata(), {}, (err, res) => {
        if (err) reject(err);
        else resolve(res ?? { ExporterResponse: {} });
      });
      if (this.ac.signal.aborted) this.solveCall.cancel();
    });
  }

  /** The Solve answer, or what watchOutcome found instead of it. */
  private async awaitAnswer(
    solveTask: Promise<WireSolveResponse>,
    statusTask: Promise<void>,
  ): Promise<{ response: WireSolveResponse; error?: undefined } | { response?: undefined; error: unknown }> {
    const stop = new AbortController();
    try {
      return { response: await Promise.race([solveTask, this.watchOutcome(statusTask, stop.signal)]) };
    } catch (err) {
      if (this.answerLost) {
        debug("solve %s: %s", this.ref, (err as Error).message);
        this.ctx.connectionSuspect?.();
      }
      return { error: err };
    } finally {
      stop.abort();
    }
  }

  /**
   * Task: once the Status stream ended (the build is over), the Solve answer must follow within
   * SOLVE_ANSWER_GRACE_MS; if not, the build's end is taken from the failed step or the daemon's
   * record of the build. Never settles while the answer may still come.
   */
  private async watchOutcome(statusTask: Promise<void>, stop: AbortSignal): Promise<never> {
    await statusTask;
    const v = this.tracker.failedVertex();
    if (v?.error && /cancel/i.test(v.error)) return never();
    await new Promise<void>((r) => {
      const t = setTimeout(r, SOLVE_ANSWER_GRACE_MS);
      stop.addEventListener("abort", () => clearTimeout(t), { once: true });
    });
    if (stop.aborted) return never();
    const why =
      `the daemon's answer to the Solve call did not arrive within ${SOLVE_ANSWER_GRACE_MS / 1000} s of the end of the build ` +
      "(an error message over 64 KiB, e.g. one quoting a large Dockerfile, is more than Node's HTTP/2 accepts)";
    if (v?.error) {
      this.answerLost = true;
      throw new SolveAnswerLost(`${why}; the failing step is taken from the build's status`);
    }
    // No step failed: the daemon's record of the build says how it ended. A record that says it
    // succeeded, or no record, leaves the answer to come.
    const control = this.ctx.freshControl?.();
    if (!control) return never();
    let outcome;
    try {
      outcome = await watchBuildOutcome(control, this.ref, stop);
    } finally {
      control.close();
    }
    if (!outcome?.error) return never();
    debug("solve %s: %s; the error is taken from the daemon's build record", this.ref, why);
    this.answerLost = true;
    throw recordedError(outcome.error);
  }

  /** The daemon answered: the exports must all have arrived. */
  private async succeeded(response: WireSolveResponse, statusTask: Promise<void>): Promise<SolveResult> {
    // The daemon answers Solve after the exports went out; let our receivers finish.
    await this.session.settled();
    if (this.session.exportFailure) throw this.session.exportFailure;
    // A daemon that ignored an exporter sends nothing for it: never present that as a result.
    const missing = this.exports.filter((t) => t.target && !t.target.received);
    if (missing.length > 0) {
      throw new BuildKitError(
        "EXPORT",
        `the daemon sent nothing for ${missing.map((t) => t.what).join(", ")}; it may take only one export per build (BuildKit < 0.13)`,
      );
    }
    await Promise.race([statusTask, delay(5000)]);
    const { tracker } = this;
    return {
      ref: this.ref,
      exporterResponse: { ...response.ExporterResponse },
      uploads: this.uploads,
      warnings: tracker.warnings.map((w) => ({
        vertexName: tracker.vertex(w.vertex)?.name ?? "",
        short: w.short,
        detail: w.detail,
        url: w.url,
      })),
      sessionTransport: this.session.transport,
    };
  }

  /** The solve failed: the error names the failing step, with its log (see solveError). */
  private async failed(error: unknown, statusTask: Promise<void>): Promise<never> {
    // The daemon's answer can come before the end of its Status stream, which still holds the failing
    // step's error and log (seen with BuildKit 0.8, a few times in a hundred): let the stream end on its
    // own before cancelling it.
    if (!this.ac.signal.aborted) await Promise.race([statusTask, delay(2000)]);
    this.fail(error);
    await Promise.race([statusTask, delay(2000)]);
    await this.session.settled().catch(() => {});
    const { ctx, session } = this;
    throw solveError(
      error,
      this.firstFailure,
      session.exportFailure ?? undefined,
      this.tracker,
      this.opts.signal,
      ctx.lastTransportError(),
      session.failure,
      ctx.daemon,
    );
  }
}
