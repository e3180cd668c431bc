import { test } from "node:test";
import assert from "node:assert/strict";
import { generate } from "../../src/render/dockerfile.js";
import { buildReport, dockerfileSteps, formatReport } from "../../src/report/build-report.js";

const df = generate();

test("steps are counted per stage as BuildKit names them ([stage k/n]: RUN, COPY, ADD; FROM of an image)", () => {
  const steps = dockerfileSteps(df);
  const host = steps.filter((s) => s.stage === "host");
  assert.deepEqual(
    host.slice(0, 5).map((s) => [s.step, s.section ?? null]),
    [
      [1, null],
      [2, "2.2"],
      [3, "4.2"],
      [4, "4.3"],
      [5, "5.2"],
    ],
  );
  assert.equal(host.find((s) => s.section === "5.2")?.title, "Binutils-2.44 - Pass 1");
  const toolchain = steps.filter((s) => s.stage === "toolchain");
  // FROM scratch (and FROM another stage) loads nothing and is not a step: BuildKit names the COPY of
  // $LFS "[toolchain 1/n]" and 7.5 "[toolchain 2/n]" (as a real engine does, see the e2e test).
  assert.deepEqual(
    toolchain.slice(0, 2).map((s) => [s.step, s.section ?? null]),
    [
      [1, null],
      [2, "7.5"],
    ],
  );
  const system = steps.filter((s) => s.stage === "system");
  assert.deepEqual([system[0]!.step, system[0]!.section], [1, "8.3"], "FROM toolchain AS system: 8.3 is step 1");
  const sections = steps.filter((s) => s.section).map((s) => s.section);
  assert.equal(new Set(sections).size, sections.length, "each section is one step");
});

test("the report joins vertices with sections and measures SBUs from 5.2", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const at = (s: number) => new Date(t0 + s * 1000);
  const report = buildReport(df, [
    { name: "[host 3/9] RUN <<'END_OF_SECTION' (#!/bin/bash...)", cached: true },
    { name: "[host  5/40] RUN <<'END_OF_SECTION' (#!/bin/bash...)", cached: false, started: at(10), completed: at(84) },
    { name: "[host  6/40] RUN <<'END_OF_SECTION' (#!/bin/bash...)", cached: false, started: at(84), completed: at(84 + 296) },
    { name: "[internal] load build definition from Dockerfile", cached: false, started: at(0), completed: at(1) },
  ]);
  assert.equal(report.sbuSeconds, 74);
  const gcc = report.rows.find((r) => r.section === "5.3")!;
  assert.equal(gcc.seconds, 296);
  assert.equal(gcc.sbu, 4);
  assert.equal(report.rows.find((r) => r.section === "4.2")?.cached, true);
  assert.equal(report.totalSeconds, 380);
  const text = formatReport(report);
  assert.match(text, /^5\.3\s+host\s+296\.0\s+4\.00\s+-\s+built\s+GCC-14\.2\.0 - Pass 1$/m);
  assert.match(text, /1 SBU = 74\.0 s/);
});

test("vertex names as BuildKit writes them: step numbers padded, a platform first in multi-platform builds", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const at = (s: number) => new Date(t0 + s * 1000);
  const report = buildReport(df, [
    { name: "[linux/amd64 host  5/26] RUN --network=none <<'END_OF_SECTION' (#!/bin/bash...)", cached: false, started: at(0), completed: at(74) },
    { name: "[linux/amd64->arm64 host 10/26] RUN x", cached: false, started: at(74), completed: at(111) },
    { name: "[host 3/9] RUN y", cached: true },
    { name: "[linux/arm64 somewhere-else 5/26] RUN z", cached: true },
  ]);
  const host = dockerfileSteps(df).filter((s) => s.stage === "host");
  assert.deepEqual(
    report.rows.map((r) => [r.section, r.seconds]),
    [
      ["4.2", null],
      ["5.2", 74],
      [host.find((s) => s.step === 10)!.section, 37],
    ],
  );
  assert.equal(report.sbuSeconds, 74);
  assert.equal(report.rows[2]!.sbu, 0.5);
});

test("without an uncached 5.2 there is no SBU, and the report says so", () => {
  const report = buildReport(df, [{ name: "[host  5/40] RUN x", cached: true }]);
  assert.equal(report.sbuSeconds, null);
  assert.match(formatReport(report), /1 SBU: not measured/);
});

test("a step BuildKit reports under two vertices is one row, the run winning over the cache hit", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const at = (s: number) => new Date(t0 + s * 1000);
  const report = buildReport(df, [
    { name: "[host  5/40] RUN x", cached: true },
    { name: "[host  5/40] RUN x", cached: false, started: at(0), completed: at(80) },
    { name: "[host 3/9] RUN y", cached: true },
    { name: "[host 3/9] RUN y", cached: true },
  ]);
  assert.deepEqual(
    report.rows.map((r) => [r.section, r.cached, r.seconds]),
    [
      ["4.2", true, null],
      ["5.2", false, 80],
    ],
  );
  assert.equal(report.sbuSeconds, 80);
});

test("rows follow the Dockerfile's order when stages built side by side report interleaved", () => {
  const steps = dockerfileSteps(df);
  const kernelRun = steps.find((s) => s.stage === "kernel" && s.section === "10.3")!;
  const systemFirst = steps.find((s) => s.stage === "system" && s.section === "8.3")!;
  const hostFirst = steps.find((s) => s.stage === "host" && s.section === "5.2")!;
  // The system stage's COPY of the kernel stage's files carries the section's title, not its number.
  const copy = steps.find((s) => s.stage === "system" && s.title === kernelRun.title && !s.section);
  assert.ok(copy, "10.3 in the system stage is a COPY step titled as the section");
  const name = (s: { stage: string; step: number }) => `[${s.stage} ${s.step}/99] RUN x`;
  const report = buildReport(
    df,
    [systemFirst, kernelRun, hostFirst].map((s) => ({ name: name(s), cached: true })),
  );
  assert.deepEqual(
    report.rows.map((r) => r.section),
    ["5.2", "10.3", "8.3"],
    "host, then kernel (defined before system), then system",
  );
});

test("the total leaves out vertices another build started before this one (shared by BuildKit)", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const at = (s: number) => new Date(t0 + s * 1000);
  const vertices = [
    { name: "[internal] load metadata for docker.io/library/debian:12.11-slim", cached: false, started: at(-2000), completed: at(5) },
    { name: "[host  5/40] RUN x", cached: false, started: at(0), completed: at(80) },
  ];
  assert.equal(buildReport(df, vertices, "5.2", at(-1)).totalSeconds, 80);
  assert.equal(buildReport(df, vertices, "5.2").totalSeconds, 2080);
});
