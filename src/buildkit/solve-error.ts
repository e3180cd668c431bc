/**
 * The error a failed solve ends with: the failing step, its exit code and log, the daemon's words;
 * or the cancellation, the refused export, the failed upload or the lost daemon that ended it.
 */
import * as grpc from "@grpc/grpc-js";

import { BuildKitError, DaemonLostError, SolveError, grpcCodeName, isServiceError } from "./errors.js";
import { UnsafeExportError } from "./session/receive.js";
import { exitCodeFromMessage, type StatusTracker } from "./status.js";

const isCancel = (error: string | undefined): boolean => /cancel/i.test(error ?? "");

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
    return new BuildKitError("CANCELLED", "build cancelled", { cause: signal.reason ?? err });
  }
  if (exportFailure) {
    // Refused: the daemon sent what we do not write (see UnsafeExportError); failed: we could not write it.
    const verb = exportFailure instanceof UnsafeExportError ? "refused" : "failed";
    return new BuildKitError("EXPORT", `export ${verb}: ${exportFailure.message}`, { cause: exportFailure });
  }
  if (firstFailure instanceof BuildKitError && firstFailure !== err) return firstFailure;
  const v = tracker.failedVertex();
  // An upload cut short is usually a consequence (the daemon cancels it when a step fails),
  // so it is the cause only when no step reported a failure of its own.
  if (uploadFailure && (!v || isCancel(v.error))) {
    return new BuildKitError("SESSION", `build failed in the session: ${uploadFailure.message}`, { cause: uploadFailure });
  }
  const grpcCode = isServiceError(err) ? err.code : undefined;
  const details = isServiceError(err) ? err.details : err instanceof Error ? err.message : String(err);
  const why = transportError ? ` (${transportError.message})` : "";
  // A connection that drops after a step failed (the daemon's answer lost on the way) must not hide the
  // step: the step's failure is what the user has to act on.
  const stepFailed = v?.error !== undefined && !isCancel(v.error);
  if (grpcCode === grpc.status.UNAVAILABLE && !stepFailed) {
    return daemonLost(err, tracker, { grpcCode, details, why, transportError, daemon });
  }
  if (v) return stepError(err, tracker, v, { grpcCode, details, why });
  const exitCode = exitCodeFromMessage(details);
  const codeName = grpcCode !== undefined ? `${grpcCodeName(grpcCode)}: ` : "";
  return new SolveError(`failed to solve: ${codeName}${details}`, {
    cause: err,
    ...(grpcCode !== undefined ? { grpcCode } : {}),
    details,
    ...(exitCode !== undefined ? { exitCode } : {}),
  });
}

/** The daemon went away with no step failed: what the user's build was doing then. */
function daemonLost(
  err: unknown,
  tracker: StatusTracker,
  d: { grpcCode: number; details: string; why: string; transportError: Error | undefined; daemon: string | undefined },
): DaemonLostError {
  const running = tracker
    .running()
    .filter((r) => !r.cached && !r.error)
    .map((r) => r.name);
  const during = running.length === 0 ? "" : ` while ${running.join(", ")} ${running.length === 1 ? "was" : "were"} running`;
  return new DaemonLostError(`lost the BuildKit daemon${d.daemon ? ` (${d.daemon})` : ""}${during}: ${d.details}${d.why}`, {
    cause: d.transportError ?? err,
    grpcCode: d.grpcCode,
    details: d.details,
    ...(d.daemon !== undefined && { daemon: d.daemon }),
    running,
  });
}

/** BuildKit's note where it stopped passing on a step's output (2 MiB, or 200 KiB/s, by default). */
const CLIPPED = /^\[output clipped, log limit .* reached\]$/;

/** What a clipped log means for the error shown, and how to see the whole log next time. */
function clippedHint(note: string): string {
  return (
    `(the builder stopped passing on this step's output at its log limit, ${note}: the lines above are not the end of the log, where the error is. ` +
    "To see it, give the BuildKit daemon higher limits in its environment, e.g. BUILDKIT_STEP_LOG_MAX_SIZE=1073741824 and BUILDKIT_STEP_LOG_MAX_SPEED=104857600 " +
    "(Docker Engine: dockerd's environment, e.g. a systemd drop-in; buildx: docker buildx create --driver-opt env.BUILDKIT_STEP_LOG_MAX_SIZE=1073741824 ...) and run the build again)"
  );
}

/** A step failed: docker's `failed to solve: STEP: ERROR` with the step's log between `------` lines. */
function stepError(
  err: unknown,
  tracker: StatusTracker,
  v: NonNullable<ReturnType<StatusTracker["failedVertex"]>>,
  d: { grpcCode: number | undefined; details: string; why: string },
): SolveError {
  const lines: string[] = [];
  const logTail = tracker.logLines(v.digest);
  const exitCode = exitCodeFromMessage(d.details) ?? (v.error ? exitCodeFromMessage(v.error) : undefined);
  lines.push(`failed to solve: ${v.name}: ${v.error ?? d.details}`);
  if (logTail.length > 0) {
    lines.push("------", ` > ${v.name}:`, ...logTail.map((l) => `${l}`), "------");
  }
  const clipped = logTail.find((l) => CLIPPED.test(l));
  if (clipped) lines.push(clippedHint(clipped));
  if (d.grpcCode === grpc.status.UNAVAILABLE) lines.push(`(then the connection to the BuildKit daemon dropped: ${d.details}${d.why})`);
  else if (v.error && d.details && !d.details.includes(v.error)) lines.push(d.details);
  return new SolveError(lines.join("\n"), {
    cause: err,
    ...(d.grpcCode !== undefined ? { grpcCode: d.grpcCode } : {}),
    details: d.details,
    vertex: v.name,
    ...(exitCode !== undefined ? { exitCode } : {}),
    logTail,
  });
}
