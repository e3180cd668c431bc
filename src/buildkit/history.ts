/**
 * The daemon's record of a build (Control.ListenBuildHistory, BuildKit 0.11+): how a build ended,
 * asked for when the Solve call's own answer cannot reach us (see SOLVE_ANSWER_GRACE_MS in solve.ts).
 */
import * as grpc from "@grpc/grpc-js";

import type { ControlClient } from "./wire/load.js";
import type { WireBuildHistoryEvent } from "./wire/types.js";

/** How the daemon recorded the end of a build. */
export interface BuildOutcome {
  ref: string;
  /** The build's error as the daemon gave it (gRPC code and message); undefined when it succeeded. */
  error?: { code: number; message: string };
}

/** BuildHistoryEventType.COMPLETE (the loader gives enums as numbers). */
const COMPLETE = 1;

/**
 * Waits for the daemon's record of build `ref` to say the build ended, and resolves with how.
 * Resolves undefined when the daemon keeps no records (UNIMPLEMENTED: BuildKit < 0.11), when the
 * record is gone, or when the call fails or `signal` aborts: the caller then knows no more than before.
 */
export function watchBuildOutcome(control: ControlClient, ref: string, signal: AbortSignal): Promise<BuildOutcome | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    let settled = false;
    const done = (v: BuildOutcome | undefined): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      call.cancel();
      resolve(v);
    };
    const onAbort = (): void => done(undefined);
    // Not EarlyExit: a build still being recorded is sent as STARTED, and its COMPLETE follows.
    const call = control.ListenBuildHistory({ Ref: ref, ActiveOnly: false, EarlyExit: false });
    signal.addEventListener("abort", onAbort, { once: true });
    call.on("data", (e: WireBuildHistoryEvent) => {
      if (Number(e.type) !== COMPLETE || e.record?.Ref !== ref) return;
      const err = e.record.error;
      done(err && err.code !== grpc.status.OK ? { ref, error: { code: err.code, message: err.message } } : { ref });
    });
    call.on("error", () => done(undefined));
    call.on("end", () => done(undefined));
  });
}
