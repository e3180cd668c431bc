/**
 * Errors raised by the BuildKit driver. Each carries the original error as `cause`, and gRPC
 * failures keep the status code and the daemon's own message.
 *
 * One hierarchy for lfs-docker (src/errors.ts): every error meant for the caller is an
 * LfsDockerError with a stable string `code`:
 *
 *   LfsDockerError                      src/errors.ts
 *     OptionError, BookError            src/errors.ts
 *     UsageError                        src/cli/run.ts
 *     SourcesError                      src/sources/errors.ts
 *     BootError, MissingToolError       src/boot/
 *     ReportFormatError                 src/report/parse.ts
 *     EngineImageError                  src/exports/engine-image.ts
 *     WriteRefused                      src/fs/safe-write.ts
 *     BuildKitError (code: BuildKitErrorCode)   this file
 *       SolveError, DaemonLostError, UnsupportedFeatureError   this file
 *       BuilderNotFoundError            ./builders.ts
 *     UnsafeExportError, ExportSpaceError       ./session/receive.ts, ./session/targets.ts
 *     LayoutError                       ./oci-layout.ts
 *     PatternError                      ./session/patterns.ts
 *
 * Apart, on purpose: the session's own call errors (CallError, RawSessionError, ContentStoreError:
 * a numeric gRPC status sent back to the daemon, never shown to the user as such) and internal
 * signals that never leave their module (TransferError's retry verdict, Interrupted, ...).
 */
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";

import { LfsDockerError } from "../errors.js";

export type BuildKitErrorCode =
  | "CONNECT" // the daemon could not be reached
  | "UNSUPPORTED_ADDRESS" // unknown scheme or malformed address
  | "INVALID_OPTIONS" // options rejected before anything was sent
  | "RPC" // a control call failed
  | "SOLVE" // the build failed
  | "CANCELLED" // the caller aborted
  | "SESSION" // the session failed (upload, export, ...)
  | "EXPORT" // an export could not be written safely
  | "AUTH" // registry credentials could not be read (docker config, credential helper)
  | "UNSUPPORTED"; // the daemon (e.g. BuildKit 0.8 in Docker 20.10) cannot do what was asked

export class BuildKitError extends LfsDockerError {
  override readonly name: string = "BuildKitError";
  declare readonly code: BuildKitErrorCode;
  /** gRPC status code when the failure came from a call. */
  readonly grpcCode: number | undefined;
  /** The daemon's message (gRPC status details) when there is one. */
  readonly details: string | undefined;

  constructor(code: BuildKitErrorCode, message: string, options: { cause?: unknown; grpcCode?: number; details?: string } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.grpcCode = options.grpcCode;
    this.details = options.details;
  }
}

/** A step of the build failed (or the solve failed as a whole). */
export class SolveError extends BuildKitError {
  override readonly name = "SolveError";
  /** Name of the failing step, e.g. `[build 2/3] RUN make`. */
  readonly vertex: string | undefined;
  /** Exit code of the failing process, when the daemon reported one. */
  readonly exitCode: number | undefined;
  /** Last lines of the failing step's log. */
  readonly logTail: string[];

  constructor(
    message: string,
    options: {
      cause?: unknown;
      grpcCode?: number;
      details?: string;
      vertex?: string;
      exitCode?: number;
      logTail?: string[];
    } = {},
  ) {
    super("SOLVE", message, options);
    this.vertex = options.vertex;
    this.exitCode = options.exitCode;
    this.logTail = options.logTail ?? [];
  }
}

/**
 * The connection to the daemon was lost while a build ran (the daemon died, restarted, or the way to
 * it broke), and no step had failed: `running` names the steps that were running then.
 */
export class DaemonLostError extends BuildKitError {
  override readonly name = "DaemonLostError";
  /** The daemon, as the client describes it (`Docker Engine at unix:///var/run/docker.sock`), when known. */
  readonly daemon: string | undefined;
  /** The names of the steps that had started and not ended (`[host 4/5] RUN ...`). */
  readonly running: string[];

  constructor(message: string, options: { cause?: unknown; grpcCode?: number; details?: string; daemon?: string; running?: string[] } = {}) {
    super("CONNECT", message, options);
    this.daemon = options.daemon;
    this.running = options.running ?? [];
  }
}

/** Something the daemon cannot do (found by trying), with what to use instead. */
export class UnsupportedFeatureError extends BuildKitError {
  override readonly name = "UnsupportedFeatureError";
  /** `heredocs`, `named-contexts`, `syntax-directive`, `multiple-exports`, ... */
  readonly feature: string;
  /** Who could not do it, e.g. `BuildKit 0.8 in Docker 20.10`. */
  readonly daemon: string;

  constructor(feature: string, daemon: string, message: string, options: { cause?: unknown; grpcCode?: number; details?: string } = {}) {
    super("UNSUPPORTED", message, options);
    this.feature = feature;
    this.daemon = daemon;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err && "metadata" in err;
}

/** Name of a gRPC status code (`UNAVAILABLE`, ...). */
export function grpcCodeName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? String(code);
}

/** Wraps a failed control call so the code and the daemon's message reach the user. */
export function rpcError(what: string, err: unknown): BuildKitError {
  if (isServiceError(err)) {
    const code = err.code === GrpcStatus.CANCELLED ? "CANCELLED" : err.code === GrpcStatus.UNAVAILABLE ? "CONNECT" : "RPC";
    return new BuildKitError(code, `${what}: ${grpcCodeName(err.code)}: ${err.details || err.message}`, {
      cause: err,
      grpcCode: err.code,
      details: err.details,
    });
  }
  if (err instanceof BuildKitError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new BuildKitError("RPC", `${what}: ${msg}`, { cause: err });
}
