import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { solveError } from "../../src/buildkit/solve.js";
import { SolveError } from "../../src/buildkit/errors.js";
import { StatusTracker, solveStatusFromWire, type SolveStatus } from "../../src/buildkit/status.js";
import type { WireStatusResponse } from "../../src/buildkit/wire/types.js";

const ts = (s: number) => ({ seconds: String(s), nanos: 0 });

function wireVertex(digest: string, name: string, extra: Record<string, unknown> = {}) {
  return { digest, inputs: [], name, cached: false, started: null, completed: null, error: "", progressGroup: null, ...extra };
}

function resp(p: Partial<WireStatusResponse>): SolveStatus {
  return solveStatusFromWire({ vertexes: [], statuses: [], logs: [], warnings: [], ...p } as WireStatusResponse);
}

describe("status tracking", () => {
  it("converts wire statuses (timestamps, int64 strings, log bytes)", () => {
    const s = resp({
      vertexes: [wireVertex("sha256:a", "step", { started: ts(10), completed: ts(12) })],
      statuses: [{ ID: "transferring", vertex: "sha256:a", name: "x", current: "1024", total: "0", timestamp: ts(11), started: ts(10), completed: null }],
      logs: [{ vertex: "sha256:a", timestamp: ts(11), stream: "2", msg: Buffer.from("hi\n") }],
    });
    assert.equal(s.vertexes[0]!.started!.getTime(), 10_000);
    assert.equal(s.statuses[0]!.current, 1024);
    assert.equal(s.logs[0]!.stream, 2);
    assert.equal(s.logs[0]!.data.toString(), "hi\n");
  });

  it("derives started/completed/cached/error events once each", () => {
    const t = new StatusTracker();
    const types = (s: SolveStatus) => t.update(s).map((e) => e.type);
    assert.deepEqual(types(resp({ vertexes: [wireVertex("a", "A", { started: ts(1) })] })), ["vertex-started"]);
    assert.deepEqual(types(resp({ vertexes: [wireVertex("a", "A", { started: ts(1) })] })), []);
    assert.deepEqual(types(resp({ vertexes: [wireVertex("a", "A", { started: ts(1), completed: ts(3) })] })), ["vertex-completed"]);
    assert.deepEqual(types(resp({ vertexes: [wireVertex("b", "B", { cached: true, started: ts(1), completed: ts(1) })] })), ["vertex-cached"]);
    const ev = t.update(
      resp({
        vertexes: [
          wireVertex("c", "C", { started: ts(1), completed: ts(2), error: 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3' }),
        ],
      }),
    );
    assert.deepEqual(
      ev.map((e) => e.type),
      ["vertex-started", "vertex-error"],
    );
    const err = ev[1]!;
    assert.ok(err.type === "vertex-error" && err.exitCode === 3);
  });

  it("reports the failing step with its exit code and last log lines", () => {
    const t = new StatusTracker(3);
    t.update(resp({ vertexes: [wireVertex("a", "[1/2] FROM base", { started: ts(1), completed: ts(1), error: "context canceled" })] }));
    t.update(resp({ vertexes: [wireVertex("b", "[2/2] RUN make", { started: ts(1) })] }));
    t.update(resp({ logs: [1, 2, 3, 4].map((i) => ({ vertex: "b", timestamp: ts(2), stream: "1", msg: Buffer.from(`line ${i}\n`) })) }));
    t.update(resp({ logs: [{ vertex: "b", timestamp: ts(2), stream: "2", msg: Buffer.from("no newline") }] }));
    t.update(
      resp({
        vertexes: [
          wireVertex("b", "[2/2] RUN make", {
            started: ts(1),
            completed: ts(2),
            error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
          }),
        ],
      }),
    );
    const grpcErr = Object.assign(new Error('2 UNKNOWN: process "/bin/sh -c make" did not complete successfully: exit code: 2'), {
      code: 2,
      details: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
      metadata: {},
    });
    const e = solveError(grpcErr, undefined, undefined, t, undefined);
    assert.ok(e instanceof SolveError);
    assert.equal(e.vertex, "[2/2] RUN make");
    assert.equal(e.exitCode, 2);
    assert.equal(e.grpcCode, 2);
    assert.deepEqual(e.logTail, ["line 3", "line 4", "no newline"]);
    assert.match(e.message, /RUN make.*exit code: 2/);
    assert.match(e.message, /line 4/);
    assert.equal(e.cause, grpcErr);
  });

  it("says when the builder clipped the failing step's log, and how to see its end", () => {
    const t = new StatusTracker(3);
    t.update(resp({ vertexes: [wireVertex("b", "[host 20/40] RUN gcc", { started: ts(1) })] }));
    t.update(
      resp({
        logs: [{ vertex: "b", timestamp: ts(2), stream: "1", msg: Buffer.from("make[2]: Entering directory\n[output clipped, log limit 2MiB reached]\n") }],
      }),
    );
    const error = 'process "/bin/sh -c x" did not complete successfully: exit code: 2';
    t.update(resp({ vertexes: [wireVertex("b", "[host 20/40] RUN gcc", { started: ts(1), completed: ts(9), error })] }));
    const e = solveError(Object.assign(new Error(`2 UNKNOWN: ${error}`), { code: 2, details: error, metadata: {} }), undefined, undefined, t, undefined);
    assert.ok(e instanceof SolveError);
    assert.match(e.message, /log limit, \[output clipped, log limit 2MiB reached\]: the lines above are not the end of the log/);
    assert.match(e.message, /BUILDKIT_STEP_LOG_MAX_SIZE=1073741824/);
    // A log that was not clipped gets no such line.
    const plain = new StatusTracker(3);
    plain.update(resp({ vertexes: [wireVertex("c", "[host 2/40] RUN m4", { started: ts(1), completed: ts(2), error })] }));
    assert.doesNotMatch(solveError(new Error(error), undefined, undefined, plain, undefined).message, /log limit/);
  });

  it("reports the failing step when the connection dropped after it failed", () => {
    const t = new StatusTracker(3);
    t.update(resp({ vertexes: [wireVertex("b", "[host 17/26] RUN gawk", { started: ts(1) })] }));
    t.update(resp({ logs: [{ vertex: "b", timestamp: ts(2), stream: "2", msg: Buffer.from("No rule to make target 'gawktexi.in'\n") }] }));
    t.update(
      resp({
        vertexes: [
          wireVertex("b", "[host 17/26] RUN gawk", {
            started: ts(1),
            completed: ts(2),
            error: 'process "/bin/sh -c x" did not complete successfully: exit code: 2',
          }),
        ],
      }),
    );
    const dropped = Object.assign(new Error("14 UNAVAILABLE: Connection dropped"), { code: 14, details: "Connection dropped", metadata: {} });
    const e = solveError(dropped, undefined, undefined, t, undefined);
    assert.ok(e instanceof SolveError, `a SolveError, not ${e.code}`);
    assert.equal(e.vertex, "[host 17/26] RUN gawk");
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /gawktexi\.in/);
    assert.match(e.message, /then the connection to the BuildKit daemon dropped: Connection dropped/);

    // With no failed step, a dropped connection is the error itself.
    const none = solveError(dropped, undefined, undefined, new StatusTracker(), undefined);
    assert.equal(none.code, "CONNECT");
    assert.match(none.message, /lost the BuildKit daemon: Connection dropped/);
    // A step cancelled because the connection went away is not a step failure either.
    const c = new StatusTracker();
    c.update(resp({ vertexes: [wireVertex("a", "[1/1] RUN make", { started: ts(1), completed: ts(2), error: "context canceled" })] }));
    assert.equal(solveError(dropped, undefined, undefined, c, undefined).code, "CONNECT");
  });

  it("reports cancellation as CANCELLED", () => {
    const ac = new AbortController();
    ac.abort(new Error("user pressed ^C"));
    const e = solveError(new Error("x"), undefined, undefined, new StatusTracker(), ac.signal);
    assert.equal(e.code, "CANCELLED");
  });
});
