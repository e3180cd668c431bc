/**
 * The BuildKit client: connect() picks a connection helper for the address, then the Control API
 * (workers, disk usage, prune, solve) runs over grpc-js.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import * as grpc from "@grpc/grpc-js";
import createDebug from "debug";

import { NEEDS, PROBE_NAME, detectCapabilities, explainUnsupported, type DaemonCapabilities, type EngineInfo } from "./capabilities.js";
import type { ResolvedBuilder } from "./builders.js";
import { openTransport, resolveAddress, type ConnectOptions, type Transport } from "./connhelpers/index.js";
import { cacheExportUnsupported, exportsNeedingStore } from "./cache-export-support.js";
import { BuildKitError, SolveError, UnsupportedFeatureError, rpcError } from "./errors.js";
import { runSolve } from "./solve.js";
import type { LocalLayout } from "./solve-request.js";
import type { PruneOptions, PruneResult, SolveOptions, SolveResult, UsageRecord, WorkerInfo } from "./types.js";
import { AsyncQueue } from "./session/peer.js";
import { timestampToDate, type BuildEvent } from "./status.js";
import { wire, type ControlClient } from "./wire/load.js";
import type { WireBuildkitVersion, WireUsageRecord, WireWorkerRecord } from "./wire/types.js";
import { startUnary, type ControlUnary, type UnaryName } from "./wire/unary.js";

const debug = createDebug("lfs-docker:buildkit");

/** How long a call waits for a new connection after its own failed (see BuildKitClient.unary). */
const RECONNECT_TIMEOUT_MS = 5000;

function usageFromWire(r: WireUsageRecord): UsageRecord {
  const out: UsageRecord = {
    id: r.ID,
    mutable: r.Mutable,
    inUse: r.InUse,
    size: Number(r.Size),
    parents: r.Parents?.length ? [...r.Parents] : r.Parent ? [r.Parent] : [],
    usageCount: Number(r.UsageCount),
    description: r.Description,
    recordType: r.RecordType,
    shared: r.Shared,
  };
  const c = timestampToDate(r.CreatedAt);
  const l = timestampToDate(r.LastUsedAt);
  if (c) out.createdAt = c;
  if (l) out.lastUsedAt = l;
  return out;
}

export function workerFromWire(w: WireWorkerRecord): WorkerInfo {
  const specs = (w.platforms ?? []).map((p) => ({
    os: p.OS,
    architecture: p.Architecture,
    ...(p.Variant ? { variant: p.Variant } : {}),
  }));
  const out: WorkerInfo = {
    id: w.ID,
    labels: { ...w.Labels },
    platforms: specs.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/")),
    platformSpecs: specs,
    gcPolicy: (w.GCPolicy ?? []).map((g) => ({
      all: g.all,
      keepDurationMs: Number(g.keepDuration) / 1e6,
      keepBytes: Number(g.keepBytes),
      filters: [...(g.filters ?? [])],
    })),
  };
  const v: WireBuildkitVersion | null = w.BuildkitVersion;
  if (v && (v.version || v.package)) out.buildkitVersion = { package: v.package, version: v.version, revision: v.revision };
  return out;
}

/** A running build: its events as they happen, and its outcome. */
export interface SolveJob {
  events: AsyncIterable<BuildEvent>;
  result: Promise<SolveResult>;
}

export class BuildKitClient implements AsyncDisposable {
  readonly address: string;
  readonly description: string;
  /** The builder this client reached, when it was found by name or by buildx's precedence (connectBuilder). */
  builder: ResolvedBuilder | undefined;
  private control: ControlClient;
  private closed = false;
  private caps: Promise<DaemonCapabilities> | undefined;

  /** Use connect(). */
  constructor(
    address: string,
    private readonly transport: Transport,
  ) {
    this.address = address;
    this.description = transport.description;
    const { Control } = wire();
    this.control = new Control(transport.target, transport.credentials, transport.channelOptions);
  }

  /** True when the daemon is Docker Engine's embedded BuildKit. */
  get dockerEngine(): boolean {
    return this.address.startsWith("docker://");
  }

  /**
   * One unary call; when it fails for want of a connection (the daemon restarted, or was down a
   * while), once more on a new connection, made at once: grpc-js would otherwise wait out its
   * reconnect back-off (up to two minutes) and fail every call meanwhile, with the daemon long back.
   * These calls only read (ListWorkers, DiskUsage, Info), so asking twice is harmless.
   */
  private async unary<N extends UnaryName>(name: N, req: ControlUnary[N][0], signal?: AbortSignal): Promise<ControlUnary[N][1]> {
    try {
      return await this.unaryOnce(name, req, signal);
    } catch (err) {
      if (!(err instanceof BuildKitError) || err.grpcCode !== grpc.status.UNAVAILABLE || this.closed || signal?.aborted) throw err;
      await this.reconnect(`${name} failed: ${err.message}`);
      return this.unaryOnce(name, req, signal);
    }
  }

  /**
   * A new connection now, replacing one that failed: resolves once it is up, or throws a CONNECT
   * error naming the daemon and why it cannot be reached (within RECONNECT_TIMEOUT_MS).
   */
  private async reconnect(why: string): Promise<void> {
    debug("%s; connecting again to %s", why, this.description);
    this.renewControl();
    await this.ready(RECONNECT_TIMEOUT_MS);
  }

  /** Reconnects first when the connection has failed and grpc-js waits out its back-off. */
  private async freshIfFailed(): Promise<void> {
    const state = this.control.getChannel().getConnectivityState(false);
    if (state === grpc.connectivityState.TRANSIENT_FAILURE) await this.reconnect("the connection had failed");
  }

  private unaryOnce<N extends UnaryName>(name: N, req: ControlUnary[N][0], signal?: AbortSignal): Promise<ControlUnary[N][1]> {
    return new Promise((resolve, reject) => {
      const call = startUnary(this.control, name, req, new grpc.Metadata(), {}, (err, res) => {
        signal?.removeEventListener("abort", onAbort);
        if (err || !res) reject(this.wrap(name, err));
        else resolve(res);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private wrap(what: string, err: unknown): BuildKitError {
    const e = rpcError(what, err);
    const dialErr = this.transport.lastError();
    if (e.code === "CONNECT" && dialErr) {
      return new BuildKitError("CONNECT", `${e.message} (${this.description}: ${dialErr.message})`, {
        cause: dialErr,
        ...(e.grpcCode !== undefined ? { grpcCode: e.grpcCode } : {}),
        ...(e.details !== undefined ? { details: e.details } : {}),
      });
    }
    return e;
  }

  /**
   * Waits until the channel is connected. Fails with the transport's own error as soon as a
   * bridged dial fails (grpc-js would otherwise keep retrying until the deadline).
   */
  async ready(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    // Short waits in a loop: a pending grpc-js deadline timer would keep the process alive
    // after a failed connect, and the transport's own error is checked between waits.
    for (;;) {
      const err = await new Promise<Error | undefined>((resolve) => {
        this.control.waitForReady(Math.min(end, Date.now() + 250), (e) => resolve(e));
      });
      if (!err) return;
      const dialErr = this.transport.lastError();
      if (dialErr || Date.now() >= end) {
        throw new BuildKitError("CONNECT", `cannot connect to ${this.description}: ${dialErr?.message ?? err.message}`, {
          cause: dialErr ?? err,
        });
      }
    }
  }

  async workers(filter: string[] = [], signal?: AbortSignal): Promise<WorkerInfo[]> {
    const res = await this.unary("ListWorkers", { filter }, signal);
    return (res.record ?? []).map(workerFromWire);
  }

  /** Alias of workers(), named after the RPC. */
  listWorkers(filter: string[] = [], signal?: AbortSignal): Promise<WorkerInfo[]> {
    return this.workers(filter, signal);
  }

  /** BuildKit version from the Info RPC (v0.11+), or from the workers, or undefined. */
  async version(signal?: AbortSignal): Promise<{ package: string; version: string; revision: string } | undefined> {
    try {
      const res = await this.unary("Info", {}, signal);
      if (res.buildkitVersion?.version) return { ...res.buildkitVersion };
    } catch (err) {
      if (!(err instanceof BuildKitError) || err.grpcCode !== grpc.status.UNIMPLEMENTED) throw err;
    }
    const ws = await this.workers([], signal);
    return ws.find((w) => w.buildkitVersion)?.buildkitVersion;
  }

  async diskUsage(filter: string[] = [], signal?: AbortSignal): Promise<UsageRecord[]> {
    const res = await this.unary("DiskUsage", { filter }, signal);
    return (res.record ?? []).map(usageFromWire);
  }

  prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const req = {
      filter: opts.filters ?? [],
      all: opts.all ?? false,
      keepDuration: String(Math.round((opts.keepDurationMs ?? 0) * 1e6)),
      keepBytes: String(Math.round(opts.keepBytes ?? 0)),
    };
    return new Promise<PruneResult>((resolve, reject) => {
      const call = this.control.Prune(req);
      const records: UsageRecord[] = [];
      const onAbort = (): void => call.cancel();
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      call.on("data", (r: WireUsageRecord) => {
        const u = usageFromWire(r);
        records.push(u);
        opts.onRecord?.(u);
      });
      call.on("error", (err) => {
        opts.signal?.removeEventListener("abort", onAbort);
        reject(this.wrap("Prune", err));
      });
      call.on("end", () => {
        opts.signal?.removeEventListener("abort", onAbort);
        resolve({ records, reclaimedBytes: records.reduce((n, r) => n + r.size, 0) });
      });
    });
  }

  /** Docker Engine's own version when the daemon is Docker's embedded BuildKit. */
  async engine(): Promise<EngineInfo | undefined> {
    return this.transport.engine?.();
  }

  /**
   * What the daemon can do, found by trying (the Info RPC, a probe solve that builds nothing) and
   * remembered for this client. See ./capabilities.ts.
   */
  capabilities(): Promise<DaemonCapabilities> {
    this.caps ??= detectCapabilities(this.control, this.transport.engine?.bind(this.transport)).catch((err: unknown) => {
      this.caps = undefined;
      throw err instanceof BuildKitError ? err : this.wrap("capabilities", err);
    });
    return this.caps;
  }

  /**
   * Tries the builtin Dockerfile frontend's heredocs and named contexts with two tiny solves
   * that export nothing (for `lfs-docker doctor`). `true`/`false`, or the error that kept a
   * probe from deciding.
   */
  async probeDockerfileFeatures(signal?: AbortSignal): Promise<{ heredocs: boolean | Error; namedContexts: boolean | Error }> {
    const dir = await mkdtemp(join(tmpdir(), "lfs-docker-probe-"));
    const verdict =
      (feature: string) =>
      (err: unknown): boolean | Error => {
        if (err instanceof UnsupportedFeatureError && err.feature === feature) return false;
        return err instanceof Error ? err : new Error(String(err));
      };
    try {
      const heredocs = await this.solve({
        context: dir,
        dockerfileText: "FROM scratch\nCOPY <<EOF /probe\nlfs-docker\nEOF\n",
        ...(signal ? { signal } : {}),
      }).then(() => true, verdict("heredocs"));
      const namedContexts = await this.solve({
        context: dir,
        dockerfileText: `FROM scratch\nCOPY --from=${PROBE_NAME} / /\n`,
        namedContexts: { [PROBE_NAME]: dir },
        ...(signal ? { signal } : {}),
      }).then(() => true, verdict("named-contexts"));
      return { heredocs, namedContexts };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs a Dockerfile build (see SolveOptions). */
  async solve(opts: SolveOptions): Promise<SolveResult> {
    if (this.closed) throw new BuildKitError("INVALID_OPTIONS", "client is closed");
    // A daemon restarted since the last call: build on a new connection, not fail on the dead one.
    await this.freshIfFailed();
    await this.checkCacheExport(opts);
    let oneExportPerSolve = false;
    if ((opts?.exports?.length ?? 0) > 1) {
      const caps = await this.capabilities();
      if (!caps.exporterList) {
        if (opts.noCache) {
          throw new UnsupportedFeatureError(
            "multiple-exports",
            caps.label,
            `${caps.label} takes one export per build (several exports in one build need ${NEEDS.exporterList}); ` +
              "lfs-docker then runs one build per export, the later ones from the cache, which noCache rules out. " +
              "Ask for one export at a time, or drop noCache.",
          );
        }
        oneExportPerSolve = true;
      }
    }
    return runSolve(
      {
        control: this.control,
        daemon: this.description,
        dockerEngine: this.dockerEngine,
        lastTransportError: () => this.transport.lastError(),
        oneExportPerSolve,
        ...(this.transport.dialSession ? { dialSession: () => this.transport.dialSession!() } : {}),
        ...(this.transport.openEngineSession ? { openEngineSession: (h: Record<string, string | string[]>) => this.transport.openEngineSession!(h) } : {}),
        explain: (err, o, layout) => this.explain(err, o, layout),
        connectionSuspect: () => this.renewControl(),
        freshControl: () => this.separateControl(),
      },
      opts,
    );
  }

  /**
   * Docker Engine's built-in BuildKit exports a cache (other than `inline`) only with the containerd
   * image store: with the classic store the build is refused here, before anything is built, with
   * the fix (./cache-export-support.ts). An engine that does not answer `GET /info` is left to decide.
   */
  private async checkCacheExport(opts: SolveOptions): Promise<void> {
    const types = exportsNeedingStore(opts?.cacheExports);
    if (!this.dockerEngine || types.length === 0 || !this.transport.imageStore) return;
    const store = await this.transport.imageStore().catch((err: unknown) => {
      debug("GET /info failed: %s", (err as Error).message);
      return undefined;
    });
    if (store && !store.containerd) throw cacheExportUnsupported(this.description, types, store);
  }

  /**
   * Leaves a connection that stopped delivering answers (see SOLVE_ANSWER_GRACE_MS): the next call
   * opens a new one. The new channel has its own subchannel pool, so grpc-js cannot hand it the old
   * connection again; the old channel is closed and its connection goes with it.
   */
  private renewControl(): void {
    if (this.closed) return;
    debug("renewing the gRPC channel to %s", this.description);
    const old = this.control;
    this.control = this.separateControl();
    old.close();
  }

  /** A Control client on a connection of its own, not shared with this.control (the caller closes it). */
  private separateControl(): ControlClient {
    const { Control } = wire();
    return new Control(this.transport.target, this.transport.credentials, {
      ...this.transport.channelOptions,
      "grpc.use_local_subchannel_pool": 1,
    });
  }

  /** A failed solve → a clear UnsupportedFeatureError when the daemon lacks what was used. */
  private async explain(err: BuildKitError, opts: SolveOptions, layout: LocalLayout): Promise<BuildKitError> {
    if (!(err instanceof SolveError) || err.code !== "SOLVE") return err;
    let dockerfile = opts.dockerfileText;
    if (dockerfile === undefined) {
      const dir = layout.localDirs["dockerfile"] ?? resolve(opts.context);
      dockerfile = await readFile(join(dir, layout.filename), "utf8").catch(() => undefined);
    }
    const namedContexts = Object.keys(opts.namedContexts ?? {});
    // Cheap test first: only ask the daemon who it is when the failure looks like a missing feature.
    if (!explainUnsupported(err, { dockerfile, namedContexts, label: "" })) return err;
    const caps = await this.capabilities().catch(() => undefined);
    return explainUnsupported(err, { dockerfile, namedContexts, label: caps?.label ?? "this BuildKit daemon" }) ?? err;
  }

  /**
   * Starts a build and exposes its events as an async iterable; `result` settles with the
   * build (the iteration just ends, also on failure, so await `result` for the outcome).
   */
  startSolve(opts: SolveOptions): SolveJob {
    const queue = new AsyncQueue<BuildEvent>();
    const result = this.solve({
      ...opts,
      onEvent: (e) => {
        opts.onEvent?.(e);
        queue.push(e);
      },
    }).finally(() => queue.end());
    return { events: queue, result };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    debug("closing client for %s", this.description);
    this.control.close();
    await this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Connects to BuildKit. Address: `unix:///path`, `tcp://host:port`, `docker://` (default: the
 * BuildKit inside Docker Engine at DOCKER_HOST or /var/run/docker.sock), `docker-container://NAME`.
 * Without an address, BUILDKIT_HOST is used when set. Fails if the daemon does not answer.
 */
export async function connect(address?: string, options: ConnectOptions = {}): Promise<BuildKitClient> {
  const addr = resolveAddress(address, options.env ?? process.env);
  debug("connecting to %s", addr);
  const transport = await openTransport(addr, options);
  const client = new BuildKitClient(addr, transport);
  try {
    await client.ready(options.connectTimeoutMs ?? 20_000);
  } catch (err) {
    await client.close();
    throw err;
  }
  debug("connected to %s", transport.description);
  return client;
}
