/**
 * What the daemon can do, found by trying (Debian's dockerd reports BuildKit `v0.0.0+unknown`, so
 * version numbers alone cannot be trusted), and the clear errors for what it cannot.
 *
 * Generations that matter here:
 *  - BuildKit 0.8 (Docker 20.10): one exporter per solve (only the legacy `Exporter`/
 *    `ExporterAttrs` fields), no `Info` RPC, builtin Dockerfile frontend 1.2: no heredocs, no
 *    named contexts; `# syntax=` works but pulls the frontend image from a registry.
 *  - BuildKit 0.10 (Docker 23): heredocs and named contexts in the builtin frontend.
 *  - BuildKit 0.11 (Docker 24): the `Info` RPC.
 *  - BuildKit 0.13 (Docker 26): the `Exporters` list (several exports in one solve).
 */
import { randomBytes } from "node:crypto";

import * as grpc from "@grpc/grpc-js";
import semver from "semver";

import { cacheExportAdvice, DAEMON_REFUSED_CACHE_EXPORT } from "./cache-export-support.js";
import { BuildKitError, SolveError, UnsupportedFeatureError, isServiceError } from "./errors.js";
import type { ControlClient } from "./wire/load.js";
import { startUnary, type ControlUnary, type UnaryName } from "./wire/unary.js";

/** Docker Engine's own version (GET /version), for docker:// daemons. */
export interface EngineInfo {
  version: string;
  apiVersion: string;
  os?: string;
  arch?: string;
}

export interface DaemonCapabilities {
  /** Docker Engine version when the daemon is Docker's embedded BuildKit. */
  engineVersion?: string;
  /** What the `Info` RPC says (may be `v0.0.0+unknown` on distribution builds). */
  reportedBuildkitVersion?: string;
  /** `0.8`, `0.13.2`, ...: reported when meaningful, else inferred from the Docker release. */
  buildkitVersion?: string;
  /** The `Info` RPC exists (BuildKit >= 0.11). */
  infoRpc: boolean;
  /** The daemon reads SolveRequest.Exporters (BuildKit >= 0.13): several exports in one solve. */
  exporterList: boolean;
  /** Who the daemon is, for messages: `BuildKit 0.8 in Docker 20.10`. */
  label: string;
}

/** BuildKit bundled with each Docker Engine release line (a semver range → BuildKit minor). */
const DOCKER_BUILDKIT: ReadonlyArray<[range: string, buildkit: string]> = [
  ["19.3.x", "0.6"],
  ["20.10.x", "0.8"],
  ["23.x", "0.10"],
  ["24.x", "0.11"],
  ["25.x", "0.12"],
  ["26.x", "0.13"],
];

/** BuildKit minor version bundled with a Docker Engine version (`20.10.24+dfsg1`, `19.03.15`), when known. */
export function buildkitForDocker(engineVersion: string | undefined): string | undefined {
  // Docker's versions are not quite semver (19.03: a leading zero, which needs loose; Debian's +dfsg1).
  const v = semver.coerce(engineVersion ?? null, { loose: true });
  return v ? DOCKER_BUILDKIT.find(([range]) => semver.satisfies(v, range))?.[1] : undefined;
}

/** `v0.13.2` → `0.13.2`; nothing for `v0.0.0+unknown` and other non-versions. */
export function meaningfulVersion(v: string | undefined): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? "");
  if (!m || (m[1] === "0" && m[2] === "0")) return undefined;
  return m[3] !== undefined ? `${m[1]}.${m[2]}.${m[3]}` : `${m[1]}.${m[2]}`;
}

function shortDocker(v: string): string {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return m ? `${m[1]}.${m[2]}` : v;
}

export function daemonLabel(c: { engineVersion?: string | undefined; buildkitVersion?: string | undefined }): string {
  const bk = c.buildkitVersion ? `BuildKit ${c.buildkitVersion}` : "the BuildKit";
  if (c.engineVersion) return `${bk} in Docker ${shortDocker(c.engineVersion)}`;
  return c.buildkitVersion ? bk : "this BuildKit daemon";
}

function unary<N extends UnaryName>(control: ControlClient, name: N, req: ControlUnary[N][0], timeoutMs: number): Promise<ControlUnary[N][1] | undefined> {
  return new Promise((resolve, reject) => {
    startUnary(control, name, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export const PROBE_NAME = "lfs-docker-probe";

/**
 * Does the daemon read SolveRequest.Exporters? Asks for a solve with an exporter of a type that
 * does not exist, in the list only, and a frontend that does not exist either: a daemon that
 * reads the list refuses the exporter first ("exporter ... could not be found"); one that does
 * not sees no exporter at all and refuses the frontend ("invalid frontend"). Nothing is built.
 * (An empty frontend would not do: without a definition either, BuildKit waits for a client-side
 * gateway build.)
 */
export async function probeExporterList(control: ControlClient, timeoutMs = 15_000): Promise<boolean> {
  const req = {
    Ref: `${PROBE_NAME}-${randomBytes(8).toString("hex")}`,
    Frontend: PROBE_NAME,
    FrontendAttrs: {},
    Exporters: [{ Type: PROBE_NAME, Attrs: {} }],
  };
  try {
    await unary(control, "Solve", req, timeoutMs);
  } catch (err) {
    const msg = isServiceError(err) ? err.details || err.message : err instanceof Error ? err.message : String(err);
    if (isServiceError(err) && (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.CANCELLED)) {
      throw new BuildKitError("CONNECT", `probing the daemon's exporters failed: ${msg}`, { cause: err, grpcCode: err.code });
    }
    return /exporter/i.test(msg) && msg.includes(PROBE_NAME);
  }
  // A daemon that accepted both unknown names: whatever it is, it did not refuse the list.
  return true;
}

/** Does the daemon have the Info RPC (BuildKit >= 0.11), and what does it report? */
export async function probeInfo(control: ControlClient, timeoutMs = 15_000): Promise<{ infoRpc: boolean; version?: string }> {
  try {
    const res = await unary(control, "Info", {}, timeoutMs);
    const v = res?.buildkitVersion?.version;
    return v ? { infoRpc: true, version: v } : { infoRpc: true };
  } catch (err) {
    if (isServiceError(err) && err.code === grpc.status.UNIMPLEMENTED) return { infoRpc: false };
    throw err;
  }
}

export async function detectCapabilities(control: ControlClient, engine: (() => Promise<EngineInfo | undefined>) | undefined): Promise<DaemonCapabilities> {
  const [info, exporterList, eng] = await Promise.all([
    probeInfo(control),
    probeExporterList(control),
    engine ? engine().catch(() => undefined) : Promise.resolve(undefined),
  ]);
  const reported = meaningfulVersion(info.version);
  const buildkitVersion = reported ?? buildkitForDocker(eng?.version);
  const caps: DaemonCapabilities = { infoRpc: info.infoRpc, exporterList, label: "" };
  if (eng?.version) caps.engineVersion = eng.version;
  if (info.version) caps.reportedBuildkitVersion = info.version;
  if (buildkitVersion) caps.buildkitVersion = buildkitVersion;
  caps.label = daemonLabel(caps);
  return caps;
}

// ------------------------------------------------------------------ what it cannot do

export const NEEDS = {
  heredocs: "Docker >= 23 / BuildKit >= 0.10",
  namedContexts: "Docker >= 23 / BuildKit >= 0.10",
  exporterList: "Docker >= 26 / BuildKit >= 0.13",
  infoRpc: "Docker >= 24 / BuildKit >= 0.11",
} as const;

/** Lines of a Dockerfile that open a heredoc (`RUN <<EOF`, `COPY <<-"EOT" /x`), 1-based. */
export function heredocLines(dockerfile: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const re = /^\s*(?:RUN|COPY|ADD)\b.*<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\1/i;
  dockerfile.split("\n").forEach((text, i) => {
    if (re.test(text)) out.push({ line: i + 1, text: text.trim() });
  });
  return out;
}

/** The image of a `# syntax=IMAGE` directive at the top of a Dockerfile. */
export function syntaxDirective(dockerfile: string): string | undefined {
  for (const line of dockerfile.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    if (!t.startsWith("#")) return undefined;
    const m = /^#\s*syntax\s*=\s*(\S+)/i.exec(t);
    if (m) return m[1];
  }
  return undefined;
}

export interface FailureContext {
  /** The Dockerfile's text, when it could be read. */
  dockerfile?: string | undefined;
  /** Names of named contexts of the solve. */
  namedContexts?: string[];
  /** The daemon's label (`BuildKit 0.8 in Docker 20.10`). */
  label: string;
}

/**
 * Turns a failed solve into a clear UnsupportedFeatureError when the failure is the daemon
 * lacking a feature the build used (heredocs, named contexts, a `# syntax=` image it cannot
 * pull); otherwise returns undefined.
 */
export function explainUnsupported(err: BuildKitError, ctx: FailureContext): UnsupportedFeatureError | undefined {
  const text = `${err.message}\n${err.details ?? ""}`;
  const opts = {
    cause: err,
    ...(err.grpcCode !== undefined ? { grpcCode: err.grpcCode } : {}),
    ...(err.details !== undefined ? { details: err.details } : {}),
  };
  const daemonSaid = (err.details || err.message).split("\n")[0];
  const df = ctx.dockerfile ?? "";
  const syntax = syntaxDirective(df);
  const stepFailed = err instanceof SolveError && err.exitCode !== undefined;
  if (
    syntax &&
    !stepFailed &&
    (text.includes("gateway.v0") || text.includes(syntax)) &&
    /registry|pull|resolve|request|manifest|not found|denied/i.test(text)
  ) {
    return new UnsupportedFeatureError(
      "syntax-directive",
      ctx.label,
      `${ctx.label} could not get the Dockerfile frontend image ${syntax} named by the "# syntax=" line: ` +
        "that line makes the daemon pull the frontend from a registry, and the pull failed. Remove the line to use the " +
        `builtin frontend (it has heredocs and named contexts on ${NEEDS.heredocs}), or make the registry reachable. ` +
        `The daemon said: ${daemonSaid}`,
      opts,
    );
  }
  if (DAEMON_REFUSED_CACHE_EXPORT.test(text)) {
    return new UnsupportedFeatureError("cache-export", ctx.label, `${cacheExportAdvice(ctx.label, [])} The daemon said: ${daemonSaid}`, opts);
  }
  const missingExporter = /exporter "([\w.-]+)" could not be found/.exec(text)?.[1];
  if (missingExporter) {
    const archive = missingExporter === "oci" || missingExporter === "docker";
    return new UnsupportedFeatureError(
      `exporter-${missingExporter}`,
      ctx.label,
      `${ctx.label} has no "${missingExporter}" exporter` +
        (archive
          ? ": Docker Engine's BuildKit writes OCI and docker image archives only with the containerd image store " +
            '("features": {"containerd-snapshotter": true} in daemon.json). Without it use -o type=local or type=tar, ' +
            "--load or type=image (the engine's own image store, pushed with --push), or a docker-container or remote builder. "
          : ". ") +
        `The daemon said: ${daemonSaid}`,
      opts,
    );
  }
  const heredocs = heredocLines(df);
  if (heredocs.length > 0 && /dockerfile parse error|unknown instruction/i.test(text)) {
    const first = heredocs[0]!;
    return new UnsupportedFeatureError(
      "heredocs",
      ctx.label,
      `${ctx.label} cannot build this Dockerfile: its builtin Dockerfile frontend has no heredocs ` +
        `(line ${first.line}: ${first.text}${heredocs.length > 1 ? `, and ${heredocs.length - 1} more` : ""}), which lfs-docker's ` +
        `generated Dockerfiles use. Use ${NEEDS.heredocs} (scripts/engine-setup.sh installs Docker 26), or add a ` +
        '"# syntax=docker/dockerfile:1.4" line if the engine can pull that image from a registry. ' +
        `The daemon said: ${daemonSaid}`,
      opts,
    );
  }
  for (const name of ctx.namedContexts ?? []) {
    const n = name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`(?:docker\\.io/library/${n}(?![\\w.-])|/library/${n}/manifests/|\\b${n}:latest\\b)`, "i").test(text)) {
      return new UnsupportedFeatureError(
        "named-contexts",
        ctx.label,
        `${ctx.label} cannot use named build contexts: its builtin Dockerfile frontend ignores "context:${name}" and ` +
          `looked for an image called ${name} instead. Named contexts need ${NEEDS.namedContexts}. ` +
          `The daemon said: ${daemonSaid}`,
        opts,
      );
    }
  }
  return undefined;
}

/** Human-readable list of what a daemon with these capabilities cannot do. */
export function limitations(c: DaemonCapabilities, features?: { heredocs?: boolean; namedContexts?: boolean }): string[] {
  const out: string[] = [];
  if (features?.heredocs === false) {
    out.push(`no heredocs in the builtin Dockerfile frontend: lfs-docker's generated Dockerfiles cannot be built (needs ${NEEDS.heredocs})`);
  }
  if (features?.namedContexts === false) out.push(`no named build contexts (needs ${NEEDS.namedContexts})`);
  if (!c.exporterList)
    out.push(`one export per build: several exports run as one build each, the later ones from the cache (one solve needs ${NEEDS.exporterList})`);
  if (!c.infoRpc) out.push(`no Info RPC: the daemon does not report its BuildKit version (needs ${NEEDS.infoRpc})`);
  return out;
}
