import { test } from "node:test";
import assert from "node:assert/strict";
import { formatTimeLeft, TimeLeft } from "../../src/progress/estimate.js";
import { buildReport, formatReport } from "../../src/report/build-report.js";
import { buildPlan } from "../../src/build-plan.js";
import { sectionEvents, type SectionEvent } from "../../src/section-events.js";
import { generate } from "../../src/index.js";

const plan = [
  { key: "host 5", section: "5.2", sbu: 1 },
  { key: "host 6", section: "5.3", sbu: 3.2 },
  { key: "host 7", section: "5.4", sbu: 0.05 },
  { key: "host 8", section: "5.5", sbu: 1.4 },
  { key: "host 9" },
];

test("time left: unknown until a rate is known, then the book's figures times the measured rate", () => {
  const t = new TimeLeft(plan);
  assert.deepEqual(t.estimate(0), { totalSeconds: null, sbuSeconds: null });
  t.started("host 5", 0);
  t.finished("host 5", 100); // 1 SBU = 100 s here
  const e = t.estimate(100_000);
  assert.equal(e.sbuSeconds, 100);
  assert.equal(Math.round(e.totalSeconds!), Math.round((3.2 + 0.05 + 1.4) * 100));
});

test("time left: a given SBU counts from the start; cached steps and running time are taken off", () => {
  const t = new TimeLeft(plan, 50);
  assert.equal(Math.round(t.estimate(0).totalSeconds!), Math.round((1 + 3.2 + 0.05 + 1.4) * 50));
  t.finished("host 5", null); // cached: no rate from it
  assert.equal(t.rate(), 50);
  t.started("host 6", 0);
  const e = t.estimate(60_000); // 60 s into 5.3's 160 s
  assert.equal(Math.round(e.totalSeconds!), Math.round(100 + (0.05 + 1.4) * 50));
  assert.deepEqual(e.current, { section: "5.3", seconds: 100 });
  t.finished("host 7", 30); // too short a section to say anything about the rate
  assert.equal(t.rate(), 50);
});

test("time left reads as a person says it", () => {
  assert.equal(formatTimeLeft(20), "less than a minute");
  assert.equal(formatTimeLeft(12 * 60 + 10), "about 12 min");
  assert.equal(formatTimeLeft(3 * 3600 + 5 * 60), "about 3 h 05 min");
});

test("the plan of a real build has the book's SBU for its package sections", () => {
  const options = { until: "5.6" };
  const p = buildPlan(options, generate(options));
  assert.equal(p.sbuSection, "5.2");
  assert.equal(p.bookSbu.get("5.2"), 1);
  assert.equal(p.steps.find((s) => s.section === "5.3")?.sbu, 3.2);
  assert.ok(p.steps.every((s) => s.key === `${s.stage} ${s.step}`));
});

test("section events: one per step and state, from the vertices BuildKit names", () => {
  const options = { until: "5.3" };
  const p = buildPlan(options, generate(options));
  const events: SectionEvent[] = [];
  const listen = sectionEvents(p, new TimeLeft(p.steps), (e) => events.push(e));
  const step = p.steps.find((s) => s.section === "5.2")!;
  const name = `[host ${String(step.step).padStart(2)}/27] RUN --network=none <<'END_OF_SECTION' (# 5.2. Binutils-2.44 - Pass 1...)`;
  const vertex = { digest: "sha256:1", name, inputs: [], cached: false, started: new Date(0) };
  listen({ type: "vertex-started", vertex });
  listen({ type: "vertex-started", vertex });
  listen({ type: "vertex-completed", vertex: { ...vertex, completed: new Date(80_000) }, durationMs: 80_000 });
  listen({ type: "vertex-started", vertex: { ...vertex, name: "[internal] load build definition" } });
  assert.deepEqual(
    events.map((e) => [e.type, e.section, e.seconds]),
    [
      ["section-started", "5.2", undefined],
      ["section-built", "5.2", 80],
    ],
  );
  assert.equal(events[1]!.timeLeft.sbuSeconds, 80);
});

test("a report has the book's SBU beside the measured one, and says how a failed build ended", () => {
  const df = generate({ until: "5.3" });
  const p = buildPlan({ until: "5.3" }, df);
  const s2 = p.steps.find((s) => s.section === "5.2")!;
  const s3 = p.steps.find((s) => s.section === "5.3")!;
  const v = (s: typeof s2, extra: object) => ({ name: `[host ${s.step}/9] RUN x`, cached: false, started: new Date(0), ...extra });
  const r = buildReport(
    df,
    [v(s2, { completed: new Date(100_000) }), v(s3, { completed: new Date(150_000), error: "exit code: 2" })],
    "5.2",
    undefined,
    p.bookSbu,
  );
  const text = formatReport({
    ...r,
    outcome: {
      status: "failed",
      message: "process did not complete",
      failed: { step: "[host 6/9] RUN x", section: "5.3", title: s3.title, exitCode: 2, logTail: ["make: *** Error 2", "\x1b[31mred"] },
      next: "to resume: run the same command again",
    },
  });
  assert.match(text, /^5\.2\s+host\s+100\.0\s+1\.00\s+1\s+built\s+Binutils/m);
  assert.match(text, /^5\.3\s+host\s+150\.0\s+1\.50\s+3\.2\s+FAILED\s+GCC/m);
  assert.match(text, /^outcome: failed: process did not complete$/m);
  assert.match(text, /^failed step: 5\.3 GCC-14\.2\.0 - Pass 1, exit code 2$/m);
  assert.match(text, /^ {2}make: \*\*\* Error 2$/m);
  assert.match(text, /^ {2}\\x1b\[31mred$/m, "control characters escaped");
  assert.match(text, /^to resume: run the same command again$/m);
});
