/**
 * Public types of the BuildKit driver (behaviour lives elsewhere).
 * Shapes mirror buildkit's Go client (client/solve.go SolveOpt, client/workers.go WorkerInfo,
 * client/diskusage.go UsageInfo, client/prune.go) at v0.13.
 */
import type { Writable } from "node:stream";

import type { CredentialsProvider } from "./auth.js";
import type { BuildEvent, SolveStatus } from "./status.js";

/** Where a secret's value comes from. A plain string is a file path. */
export type SecretSource = string | { file: string } | { env: string } | { value: string | Buffer };

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export interface WorkerInfo {
  id: string;
  labels: Record<string, string>;
  /** `os/arch[/variant]` strings, e.g. `linux/amd64`. */
  platforms: string[];
  platformSpecs: PlatformSpec[];
  gcPolicy: Array<{ all: boolean; keepDurationMs: number; keepBytes: number; filters: string[] }>;
  /** Reported by BuildKit >= 0.11 (Debian's dockerd says `v0.0.0+unknown`). */
  buildkitVersion?: { package: string; version: string; revision: string };
}

export interface UsageRecord {
  id: string;
  mutable: boolean;
  inUse: boolean;
  size: number;
  parents: string[];
  createdAt?: Date;
  lastUsedAt?: Date;
  usageCount: number;
  description: string;
  recordType: string;
  shared: boolean;
}

export interface PruneOptions {
  /** Remove everything, not only dangling/unused records. */
  all?: boolean;
  /** Keep records used within this many milliseconds. */
  keepDurationMs?: number;
  /** Keep this many bytes of storage. */
  keepBytes?: number;
  filters?: string[];
  /** Called per removed record as the daemon reports it. */
  onRecord?: (r: UsageRecord) => void;
  signal?: AbortSignal;
}

export interface PruneResult {
  records: UsageRecord[];
  reclaimedBytes: number;
}

/** `local`: the result's filesystem into a directory on this machine. */
export interface LocalExport {
  type: "local";
  dest: string;
  /** Replace an existing non-empty `dest` (default false: refused before the build starts). */
  overwrite?: boolean;
  /** Keep setuid/setgid bits of exported files (default false: dropped). */
  allowSetid?: boolean;
  attrs?: Record<string, string>;
}

/**
 * `tar`: the result's filesystem as one tar stream, to a file (written next to it and renamed
 * into place when the build succeeded) or a Writable (ended on success; process.stdout/stderr
 * are never ended).
 */
export interface TarExport {
  type: "tar";
  dest: string | Writable;
  overwrite?: boolean;
  attrs?: Record<string, string>;
}

/** Any exporter handled by the daemon (`image`, `moby`, `oci`, `docker`, ...). */
export interface DaemonExport {
  type: string;
  attrs?: Record<string, string>;
  /** For exporters that stream an archive back (`oci`, `docker`). */
  dest?: string | Writable;
  overwrite?: boolean;
}

export type ExportSpec = LocalExport | TarExport | DaemonExport;

/**
 * A cache export or import, as buildx's `--cache-to` / `--cache-from` give it: `registry` (`ref`,
 * `mode`, ...), `local` (`dest` for an export, `src` for an import, `tag`, `mode`, ...), `inline`,
 * or any other type the daemon knows, with its attributes as they are sent to the daemon. `local`
 * caches are written and read by the session (an OCI layout in the directory).
 */
export interface CacheEntry {
  type: string;
  attrs?: Record<string, string>;
}

export interface SolveOptions {
  /** Build context directory (served as the `context` local). */
  context: string;
  /** Path of the Dockerfile (default `<context>/Dockerfile`). */
  dockerfile?: string;
  /** Dockerfile text; written into a private temp dir served as the `dockerfile` local. */
  dockerfileText?: string;
  target?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Target platform(s), e.g. `linux/amd64`. */
  platforms?: string | string[];
  /**
   * Named contexts: NAME → local directory (sent as `context:NAME=local:NAME`), or a value that
   * already names a source (`docker-image://...`, `target:...`, `oci-layout://...`), passed as is.
   */
  namedContexts?: Record<string, string>;
  /** true: no cache for any step; a list: no cache for these stages. */
  noCache?: boolean | string[];
  exports?: ExportSpec[];
  cacheImports?: CacheEntry[];
  cacheExports?: CacheEntry[];
  /** e.g. `network.host`, `security.insecure`. */
  entitlements?: string[];
  secrets?: Record<string, SecretSource>;
  /**
   * Registry credentials the daemon asks for when it pulls (FROM, COPY --from, cache imports).
   * Default: the docker CLI's config (`$DOCKER_CONFIG` or ~/.docker: credHelpers, credsStore,
   * auths; see dockerConfigCredentials). `false`: always anonymous.
   */
  registryAuth?: false | CredentialsProvider;
  /** Something the caller should know that does not stop the build (a cache source with no cache yet, ...). */
  onWarning?: (message: string) => void;
  /** Extra frontend attributes (win over the ones derived above). */
  frontendAttrs?: Record<string, string>;
  /** Frontend to use (default `dockerfile.v0`). */
  frontend?: string;
  /**
   * Session shared key: the daemon reuses earlier uploads of the same local dir names under the
   * same key, so later uploads only send changes (default: stable per host and user).
   */
  sharedKey?: string;
  /** Build reference (default random); Status is keyed by it. */
  ref?: string;
  /** Cancels the build on the daemon and closes the session. */
  signal?: AbortSignal;
  /** Raw status updates. */
  onStatus?: (status: SolveStatus) => void;
  /** Derived events. */
  onEvent?: (event: BuildEvent) => void;
  /** A progress display (see src/progress). */
  progress?: { update(status: SolveStatus): void; done(error?: unknown): void | Promise<void> };
}

export interface SolveResult {
  ref: string;
  exporterResponse: Record<string, string>;
  /** Upload statistics per local dir name. */
  uploads: Record<string, { entries: number; files: number; bytes: number }>;
  warnings: Array<{ vertexName: string; short: string; detail: string[]; url: string }>;
  /**
   * How the session reached the daemon: `engine` (Docker Engine's `POST /session`), `raw`
   * (Control.Session on a connection of its own) or `grpc-js` (Control.Session on the client).
   */
  sessionTransport: SessionTransport;
}

export type SessionTransport = "engine" | "raw" | "grpc-js";
