import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { SolveStatus, VertexInfo } from "../../src/buildkit/status.js";
import { createProgressDisplay, isInteractive, PlainDisplay, QuietDisplay, RawJsonDisplay, TtyDisplay } from "../../src/progress/index.js";
import { formatDockerBytes as formatBytes } from "../../src/text/bytes.js";

const at = (s: number) => new Date(1_700_000_000_000 + s * 1000);

function sink() {
  let text = "";
  return {
    write: (s: string) => ((text += s), true),
    get text() {
      return text;
    },
    columns: 60,
  };
}

function st(p: Partial<SolveStatus>): SolveStatus {
  return { vertexes: [], statuses: [], logs: [], warnings: [], ...p };
}
function v(digest: string, name: string, extra: Partial<VertexInfo> = {}): VertexInfo {
  return { digest, name, inputs: [], cached: false, ...extra };
}

/** A small build: one cached step, one transfer, one RUN with logs that fails. */
const BUILD: SolveStatus[] = [
  st({ vertexes: [v("d1", "[internal] load build definition from Dockerfile", { started: at(0) })] }),
  st({
    vertexes: [v("d1", "[internal] load build definition from Dockerfile", { started: at(0), completed: at(0.02) })],
    statuses: [{ id: "transferring dockerfile:", vertex: "d1", name: "", current: 95, total: 0, started: at(0), completed: at(0.01) }],
  }),
  st({ vertexes: [v("d2", "[1/2] FROM base", { cached: true, started: at(0.1), completed: at(0.1) })] }),
  st({ vertexes: [v("d3", "[2/2] RUN make", { started: at(0.2) })] }),
  st({ logs: [{ vertex: "d3", stream: 1, data: Buffer.from("cc -c a.c\nerror: boom\n"), timestamp: at(0.5) }] }),
  st({
    vertexes: [
      v("d3", "[2/2] RUN make", {
        started: at(0.2),
        completed: at(1.4),
        error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
      }),
    ],
  }),
];

describe("plain progress", () => {
  it("prints docker's #N lines", () => {
    const out = sink();
    const d = new PlainDisplay(out, { intervalMs: 0 });
    for (const s of BUILD) d.update(s);
    d.done(new Error("failed to solve: [2/2] RUN make: exit code: 2"));
    assert.equal(
      out.text,
      [
        "#1 [internal] load build definition from Dockerfile",
        "#1 transferring dockerfile: 95B done",
        "#1 DONE 0.0s",
        "",
        "#2 [1/2] FROM base",
        "#2 CACHED",
        "",
        "#3 [2/2] RUN make",
        "#3 0.300 cc -c a.c",
        "#3 0.300 error: boom",
        '#3 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2',
        "",
        "------",
        " > [2/2] RUN make:",
        "cc -c a.c",
        "error: boom",
        "------",
        'ERROR: [2/2] RUN make: process "/bin/sh -c make" did not complete successfully: exit code: 2',
        "",
      ].join("\n"),
    );
  });

  it("prints DONE with the duration and re-announces a step it returns to", () => {
    const out = sink();
    const d = new PlainDisplay(out, { intervalMs: 0 });
    d.update(st({ vertexes: [v("a", "A", { started: at(0) }), v("b", "B", { started: at(0) })] }));
    d.update(st({ logs: [{ vertex: "a", stream: 1, data: Buffer.from("x\n"), timestamp: at(1) }] }));
    d.update(st({ vertexes: [v("b", "B", { started: at(0), completed: at(1.24) })] }));
    d.update(st({ vertexes: [v("a", "A", { started: at(0), completed: at(2) })] }));
    d.done();
    assert.equal(out.text, "#1 A\n\n#2 B\n\n#1 A\n#1 1.000 x\n\n#2 B\n#2 DONE 1.2s\n\n#1 A\n#1 DONE 2.0s\n");
  });

  it("goes on printing a long log after the model has dropped its first lines", () => {
    // A kernel build logs thousands of lines; the model keeps the last 200 of them per step.
    const out = sink();
    const d = new PlainDisplay(out, { intervalMs: 0 });
    d.update(st({ vertexes: [v("k", "RUN make", { started: at(0) })] }));
    for (let i = 0; i < 1000; i++) {
      d.update(st({ logs: [{ vertex: "k", stream: 1, data: Buffer.from(`CC file${i}.o\n`), timestamp: at(1) }] }));
    }
    d.done();
    for (const i of [0, 199, 200, 999]) assert.match(out.text, new RegExp(`#1 1\\.000 CC file${i}\\.o\\n`));
    assert.equal(out.text.match(/CC file/g)?.length, 1000);
  });

  it("says how many lines it could not show when more arrive between two flushes than the model keeps", () => {
    const out = sink();
    const d = new PlainDisplay(out, { intervalMs: 0 });
    d.update(st({ vertexes: [v("k", "RUN make", { started: at(0) })] }));
    const burst = Array.from({ length: 250 }, (_, i) => `line${i}\n`).join("");
    d.update(st({ logs: [{ vertex: "k", stream: 1, data: Buffer.from(burst), timestamp: at(1) }] }));
    d.done();
    assert.match(out.text, /#1 \(50 log lines not shown\)\n#1 1\.000 line50\n/);
    assert.match(out.text, /line249\n/);
  });
});

describe("tty progress", () => {
  it("draws running steps with elapsed time and their last log lines", () => {
    const out = sink();
    let now = 1_700_000_000_000;
    const d = new TtyDisplay(out, { color: false, intervalMs: 0, now: () => now });
    for (const s of BUILD.slice(0, 5)) d.update(s);
    now += 3000;
    const frame = d.frame();
    assert.match(frame[0]!, /^\[\+\] Building 3\.0s \(2\/3\)$/);
    assert.match(frame[1]!, /^ => \[internal\] load build definition from Dockerfile +0\.0s$/);
    assert.match(frame[2]!, /^ => CACHED \[1\/2\] FROM base +0\.0s$/);
    assert.match(frame[3]!, /^ => \[2\/2\] RUN make +2\.8s$/);
    assert.equal(frame[4], " => => # cc -c a.c");
    assert.equal(frame[5], " => => # error: boom");
    for (const l of frame) assert.ok(l.length <= 60, l);
    d.update(BUILD[5]!);
    d.done(new Error("failed"));
    assert.match(out.text, /ERROR \[2\/2\] RUN make/);
    assert.match(out.text, / > \[2\/2\] RUN make:\ncc -c a.c\nerror: boom\n------/);
    assert.ok(!out.text.includes("\x1b[31m"), "no colors when disabled");
  });

  it("uses colors unless NO_COLOR is set", () => {
    const out = sink();
    const d = createProgressDisplay("tty", { stream: out, env: {} }) as TtyDisplay;
    d.update(BUILD[5]!);
    d.done();
    assert.ok(out.text.includes("\x1b[31m"));
    const out2 = sink();
    const d2 = createProgressDisplay("tty", { stream: out2, env: { NO_COLOR: "1" } });
    d2.update(BUILD[5]!);
    d2.done();
    assert.ok(!out2.text.includes("\x1b[31m"));
  });
});

describe("other modes", () => {
  it("rawjson prints one JSON status per line with base64 log data", () => {
    const out = sink();
    const d = new RawJsonDisplay(out);
    d.update(BUILD[4]!);
    d.update(BUILD[5]!);
    const lines = out.text.trim().split("\n");
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]!);
    assert.equal(Buffer.from(first.logs[0].data, "base64").toString(), "cc -c a.c\nerror: boom\n");
  });

  it("quiet prints nothing", () => {
    const d = new QuietDisplay();
    d.update(BUILD[0]!);
    d.done(new Error("x"));
  });

  it("auto picks tty only when stdout and the stream are terminals", () => {
    assert.equal(isInteractive({ isTTY: true }, {}, { isTTY: true }), true);
    assert.equal(isInteractive({ isTTY: true }, {}, { isTTY: false }), false);
    assert.equal(isInteractive({ isTTY: true }, { TERM: "dumb" }, { isTTY: true }), false);
    const out = sink();
    assert.ok(createProgressDisplay("auto", { stream: out }) instanceof PlainDisplay);
    assert.throws(() => createProgressDisplay("fancy" as never), /unknown progress mode/);
  });

  it("formats bytes like docker", () => {
    assert.equal(formatBytes(95), "95B");
    assert.equal(formatBytes(3210), "3.21kB");
    assert.equal(formatBytes(1_000_000), "1MB");
  });
});
