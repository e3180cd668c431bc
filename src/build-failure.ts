/**
 * How a build that failed is told: the output's disk full (said of the user's directory), the daemon
 * lost (in the book's words: which sections were running), and the report's outcome.
 */
import { statfsSync } from "node:fs";
import { BuildKitError, DaemonLostError, SolveError } from "./buildkit/errors.js";
import { ExportSpaceError } from "./buildkit/session/targets.js";
import { describeStep, type BuildPlan } from "./build-plan.js";
import type { BuildOutcome } from "./report/build-report.js";
import { stepKey } from "./progress/model.js";
import { formatMiB } from "./text/bytes.js";

/** The first error in a chain of causes that is an ExportSpaceError. */
function spaceError(err: unknown): ExportSpaceError | undefined {
  for (let e = err; e instanceof Error; e = (e as { cause?: unknown }).cause) if (e instanceof ExportSpaceError) return e;
  return undefined;
}

/**
 * The output's disk filled up during the export: said of the directory the user gave, with what was
 * written, what is free now (the partial export is gone by then) and what to do. Undefined otherwise.
 */
export function diskFull(err: unknown, dir: string | undefined): BuildKitError | undefined {
  const e = spaceError(err);
  if (!e || dir === undefined) return undefined;
  const mib = (n: number) => formatMiB(n, { gib: false });
  let free = "";
  try {
    const s = statfsSync(dir);
    free = `, ${mib(s.bavail * s.bsize)} free there now`;
  } catch {
    /* unknown */
  }
  return new BuildKitError(
    "EXPORT",
    `no space left in the output directory ${dir} (${e.code}): the export stopped after ${mib(e.bytes)} had come in${free}; nothing of it was kept (its staging directory is removed). ` +
      "Free some space there, or give another directory with -o; the build itself is in BuildKit's cache, so running the same command again only exports",
    { cause: e.cause },
  );
}

/**
 * The daemon went away mid-build: the message says, in the book's words, what was running and how
 * to resume (the report marks those steps as failed: BuildWatch.markInterrupted).
 */
export function daemonLost(err: DaemonLostError, plan: BuildPlan): DaemonLostError {
  const steps = err.running.map((name) => describeStep(plan, name));
  const during = steps.length === 0 ? "" : ` while ${steps.join(", ")} ${steps.length === 1 ? "was" : "were"} running`;
  const why = err.cause instanceof Error ? err.cause.message : (err.details ?? "connection lost");
  const message =
    `lost the BuildKit daemon${err.daemon ? ` (${err.daemon})` : ""}${during} (${why}); ` +
    "every section that finished before is in the daemon's cache, unless the daemon lost its state: once it runs again, run the same command to resume";
  return new DaemonLostError(message, {
    cause: err.cause,
    ...(err.grpcCode !== undefined && { grpcCode: err.grpcCode }),
    ...(err.details !== undefined && { details: err.details }),
    ...(err.daemon !== undefined && { daemon: err.daemon }),
    running: err.running,
  });
}

/** How a build that threw ended: the failing step with its section, exit code and log tail. */
export function failureOutcome(err: unknown, plan: BuildPlan, cancelled: boolean): BuildOutcome {
  const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
  const next = "to resume: run the same command again; every section that finished comes from BuildKit's cache";
  if (cancelled) return { status: "cancelled", message, next };
  const vertex = err instanceof SolveError ? err.vertex : err instanceof DaemonLostError ? err.running[0] : undefined;
  if (vertex === undefined) return { status: "failed", message, next };
  const key = stepKey(vertex);
  const step = plan.steps.find((s) => s.key === key);
  return {
    status: "failed",
    message,
    failed: {
      step: vertex,
      ...(step?.section !== undefined && { section: step.section }),
      ...(step && { title: step.title }),
      ...(err instanceof SolveError && err.exitCode !== undefined && { exitCode: err.exitCode }),
      logTail: err instanceof SolveError ? err.logTail.slice(-30) : [],
    },
    next,
  };
}
