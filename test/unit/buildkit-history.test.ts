/**
 * watchBuildOutcome: reading how a build ended from the daemon's build records, against fake
 * Control servers that stream ListenBuildHistory events the way BuildKit 0.13 does (an active build
 * as STARTED, then COMPLETE when it ends) or lack the RPC as BuildKit 0.8 does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { watchBuildOutcome } from "../../src/buildkit/history.js";
import { startFakeControl } from "../helpers/fake-control.js";
import type { ControlClient } from "../../src/buildkit/wire/load.js";

type Listen = (call: grpc.ServerWritableStream<{ Ref: string; EarlyExit: boolean }, unknown>) => void;

async function fakeControl(listen: Listen | undefined): Promise<{ client: ControlClient; requests: unknown[]; close(): void }> {
  const requests: unknown[] = [];
  const d = await startFakeControl(
    listen
      ? {
          ListenBuildHistory: (call: grpc.ServerWritableStream<{ Ref: string; EarlyExit: boolean }, unknown>) => {
            requests.push(call.request);
            listen(call);
          },
        }
      : {},
  );
  return { ...d, requests };
}

const record = (ref: string, error?: { code: number; message: string }) => ({ Ref: ref, Frontend: "dockerfile.v0", ...(error ? { error } : {}) });

describe("watchBuildOutcome", () => {
  it("waits past STARTED and other builds for the COMPLETE record of its build, and gives its error", async () => {
    const d = await fakeControl((call) => {
      call.write({ type: 0, record: record("mine") });
      call.write({ type: 1, record: record("other", { code: 2, message: "not this one" }) });
      setTimeout(() => {
        call.write({ type: 1, record: record("mine", { code: 2, message: "dockerfile parse error on line 9: unknown instruction: FOO" }) });
      }, 50);
    });
    try {
      const out = await watchBuildOutcome(d.client, "mine", new AbortController().signal);
      assert.deepEqual(out, { ref: "mine", error: { code: 2, message: "dockerfile parse error on line 9: unknown instruction: FOO" } });
      // Listens (no EarlyExit), for this build only.
      assert.deepEqual(d.requests, [{ Ref: "mine", ActiveOnly: false, EarlyExit: false }]);
    } finally {
      d.close();
    }
  });

  it("says a build that succeeded has no error", async () => {
    const d = await fakeControl((call) => {
      call.write({ type: 1, record: record("ok") });
    });
    try {
      assert.deepEqual(await watchBuildOutcome(d.client, "ok", new AbortController().signal), { ref: "ok" });
    } finally {
      d.close();
    }
  });

  it("knows nothing from a daemon without build records (BuildKit 0.8: UNIMPLEMENTED)", async () => {
    const d = await fakeControl(undefined);
    try {
      assert.equal(await watchBuildOutcome(d.client, "x", new AbortController().signal), undefined);
    } finally {
      d.close();
    }
  });

  it("knows nothing when the stream ends without the record, and stops listening on abort", async () => {
    const d = await fakeControl((call) => {
      if (call.request.Ref === "gone") call.end();
      // 'stuck': the build never completes; the caller's abort ends the wait.
    });
    try {
      assert.equal(await watchBuildOutcome(d.client, "gone", new AbortController().signal), undefined);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      assert.equal(await watchBuildOutcome(d.client, "stuck", ac.signal), undefined);
    } finally {
      d.close();
    }
  });
});
