/**
 * The map from each step of a generated Dockerfile to its book section, as the generator emits it
 * (render/step-map.ts), and the build model that hands it down: checked against the Dockerfile's own
 * text, for every architecture, edition, host platform, a range of --until and the test book.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildModel, buildPlan } from "../../src/build-plan.js";
import { buildSources } from "../../src/build.js";
import { stepIdentities } from "../../src/cache-memory.js";
import { editionSections } from "../../src/book/load.js";
import { generate } from "../../src/render/dockerfile.js";
import { takeStepMap, type DockerfileStep } from "../../src/render/step-map.js";
import { buildReport, dockerfileStepLines } from "../../src/report/build-report.js";
import { packageRoot } from "../../src/paths.js";
import { ProgressModel } from "../../src/progress/model.js";
import type { GenerateOptions } from "../../src/options.js";

const MINI = join(packageRoot(), "test", "books", "mini");
const CASES: GenerateOptions[] = [];
for (const arch of ["x86_64", "aarch64"]) {
  for (const init of ["sysv", "systemd"] as const) {
    for (const until of [undefined, "4.1", "4.2", "5.2", "6.3", "7.5", "8.3", "10.3", "11.1"]) CASES.push({ arch, init, ...(until && { until }) });
    CASES.push({ arch, init, hostPlatform: "target" });
    for (const until of [undefined, "5.1"]) CASES.push({ arch, init, book: MINI, ...(until && { until }) });
  }
}
const name = (o: GenerateOptions) => JSON.stringify({ ...o, ...(o.book && { book: "mini" }) });

/** The lines of RUN instructions in the text: those outside a heredoc (an oracle read from the text). */
function runLines(text: string): number[] {
  const out: number[] = [];
  let heredoc: string | undefined;
  for (const [i, line] of text.split("\n").entries()) {
    if (heredoc) {
      if (line === heredoc) heredoc = undefined;
      continue;
    }
    if (line.startsWith("RUN ")) out.push(i);
    const h = /<<'([A-Z_]+)'/.exec(line);
    if (h && /^(RUN|COPY) /.test(line)) heredoc = h[1];
    else if (h) heredoc = h[1]; // a heredoc inside a continued RUN line
  }
  return out;
}

test("every RUN of every generated Dockerfile has exactly one step in the map, numbered as BuildKit numbers it", () => {
  for (const o of CASES) {
    const model = buildModel(o);
    assert.equal(model.dockerfile, generate(o), name(o));
    assert.doesNotMatch(model.dockerfile, /[\x01-\x03]/, "no mark is left in the text");
    const runs = runLines(model.dockerfile);
    const mapped = model.layout.steps.filter((s) => s.instruction === "RUN");
    assert.deepEqual(
      mapped.map((s) => s.firstLine),
      runs,
      `${name(o)}: the RUN lines`,
    );
    // [stage k/n]: k from 1 to n in each stage, n the stage's count.
    for (const stage of model.layout.stages) {
      const ks = model.layout.steps.filter((s) => s.stage === stage.name).map((s) => s.step);
      assert.deepEqual(
        ks,
        Array.from({ length: stage.steps }, (_, i) => i + 1),
        `${name(o)} ${stage.name}`,
      );
    }
    // Each section of the edition that is a RUN (up to --until) is one step, with its number and title.
    const all = editionSections(model.book, model.options.init);
    const end = o.until === undefined ? all.length : all.findIndex((s) => s.number === o.until) + 1;
    const runSections = all.slice(0, end).filter((s) => s.script && !s.text && s.script.header.container === undefined);
    const inMap = model.steps.filter((s) => s.section !== undefined && s.section !== "2.2");
    // (In the Dockerfile's order: the kernel stage, 10.3, comes before the system stage.)
    const sorted = (rows: string[][]) => rows.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(sorted(inMap.map((s) => [s.section!, s.title])), sorted(runSections.map((s) => [s.number, s.title])), `${name(o)}: the sections`);
    assert.equal(new Set(inMap.map((s) => s.section)).size, inMap.length, `${name(o)}: one step per section`);
    assert.ok(inMap.every((s) => s.instruction === "RUN"));
  }
});

test("the map the generator emits is what the Dockerfile's text says, stage by stage and line by line", () => {
  for (const o of CASES) {
    const model = buildModel(o);
    const parsed = dockerfileStepLines(model.dockerfile);
    const strip = (s: DockerfileStep) => ({ ...s, lastLine: 0 });
    assert.deepEqual(
      model.layout.steps.map(strip),
      parsed.map((p) => strip({ ...p.info, firstLine: p.firstLine, lastLine: p.lastLine })),
      name(o),
    );
    for (const [i, s] of model.layout.steps.entries()) {
      // The text's reading ends a COPY <<'END_OF_FILE' /path at its first line: the map at its heredoc's end.
      if (s.title.startsWith("COPY <<")) assert.ok(s.lastLine > parsed[i]!.lastLine, `${name(o)} ${s.stage} ${s.step}`);
      else assert.equal(s.lastLine, parsed[i]!.lastLine, `${name(o)} ${s.stage} ${s.step}`);
    }
    const froms = model.dockerfile.split("\n").flatMap((l, i) => (l.startsWith("FROM ") ? [i] : []));
    assert.deepEqual(
      model.layout.stages.map((s) => s.firstLine),
      froms,
      `${name(o)}: each stage starts at its FROM`,
    );
  }
});

test("the step identities from the map are those from the text, but for the COPY <<heredoc steps now covering their files", () => {
  for (const o of [{}, { until: "7.5" }, { arch: "aarch64", init: "systemd" as const }]) {
    const model = buildModel(o);
    const fromMap = stepIdentities(model.dockerfile, "linux/amd64", model.layout);
    const fromText = stepIdentities(model.dockerfile, "linux/amd64");
    assert.deepEqual([...fromMap.keys()], [...fromText.keys()]);
    const heredocCopies = new Set(model.layout.steps.filter((s) => s.title.startsWith("COPY <<")).map((s) => `${s.stage} ${s.step}`));
    for (const [key, id] of fromMap) assert.equal(id === fromText.get(key), !heredocCopies.has(key), key);
  }
});

test("the build model: one resolution of the options gives the Dockerfile, its plan, its sources and the report's steps", () => {
  const o = { until: "5.3", init: "systemd" as const };
  const model = buildModel(o);
  assert.deepEqual(model.sources, buildSources(o));
  const plan = buildPlan(o, generate(o));
  assert.deepEqual(plan.steps, model.steps);
  assert.equal(model.sbuSection, "5.2");
  assert.equal(model.steps.find((s) => s.section === "5.3")?.sbu, 3.2);
  // The plan of a text edited by hand is read from that text.
  const edited = generate(o).replace(/^ARG JOBS=.*$/m, "$&\nCOPY x /x");
  assert.notDeepEqual(buildPlan(o, edited).steps, model.steps);
  // The report from the map is the report from the text.
  const vertices = model.steps
    .filter((s) => s.instruction !== "FROM")
    .map((s, i) => ({
      name: `[${s.stage} ${String(s.step).padStart(2)}/${s.step + 1}] ${s.instruction} x`,
      cached: i % 2 === 0,
      started: new Date(i * 1000),
      completed: new Date(i * 1000 + 500),
    }));
  const fromMap = buildReport(model.steps, vertices, model.sbuSection, undefined, model.bookSbu);
  assert.equal(JSON.stringify(fromMap), JSON.stringify(buildReport(model.dockerfile, vertices, model.sbuSection, undefined, model.bookSbu)));
  assert.equal(fromMap.rows.length, vertices.length);
});

test("marks: a stage from an image counts its FROM; a step is numbered in its stage; a broken mark is an error", () => {
  const stage = (n: string, from: string) => `\x01${JSON.stringify({ stage: n, from })}\x02`;
  const step = (mark: object, body: string) => `\x01${JSON.stringify(mark)}\x02${body}\x03`;
  const marked = `# top\n${stage("a", "${IMG}")}FROM \${IMG} AS a\n${step({ section: "1.1", title: "One" }, "RUN <<'E'\nx\nE")}\n${stage("b", "a")}FROM a AS b\n${step({}, "COPY --from=a / /")}\n`;
  const { text, map } = takeStepMap(marked);
  assert.equal(text, "# top\nFROM ${IMG} AS a\nRUN <<'E'\nx\nE\nFROM a AS b\nCOPY --from=a / /\n");
  assert.deepEqual(
    map.steps.map((s) => [s.stage, s.step, s.instruction, s.section, s.title, s.firstLine, s.lastLine]),
    [
      ["a", 1, "FROM", undefined, "FROM ${IMG} AS a", 1, 1],
      ["a", 2, "RUN", "1.1", "One", 2, 4],
      ["b", 1, "COPY", undefined, "COPY --from=a / /", 6, 6],
    ],
  );
  assert.deepEqual(
    map.stages.map((s) => [s.name, s.base, s.firstLine, s.lastLine, s.steps]),
    [
      ["a", "${IMG}", 1, 4],
      ["b", "a", 5, 7, 1],
    ].map((r) => (r.length === 4 ? [...r, 2] : r)),
  );
  const broken: Array<[string, RegExp]> = [
    ["RUN x\x03", /a step ends that never started/],
    [`${stage("a", "scratch")}FROM scratch AS a\n${"\x01{}\x02"}RUN x`, /never ends/],
    [`${step({}, "RUN x")}`, /a step before any stage/],
    [`${stage("a", "scratch")}\x01{}\x02RUN ${stage("b", "a")}\x03`, /starts inside the step at line 1/],
  ];
  for (const [text, error] of broken) assert.throws(() => takeStepMap(text), error, JSON.stringify(text));
});

test("progress names a section's step from the map: as BuildKit's name read for its heredoc said, and also when the name says nothing", () => {
  const model = buildModel({});
  const display = new ProgressModel();
  display.steps = new Map(model.steps.map((s) => [`${s.stage} ${s.step}`, s]));
  const plain = new ProgressModel();
  const n = (stage: string) => model.layout.stages.find((s) => s.name === stage)!.steps;
  const sections = model.steps.filter((s) => s.section !== undefined);
  assert.ok(sections.length > 100, String(sections.length));
  let i = 0;
  for (const s of sections) {
    // The name BuildKit gives a heredoc RUN: its instruction line and the script's first line.
    const label = `[${s.stage} ${String(s.step).padStart(String(n(s.stage)).length)}/${n(s.stage)}]`;
    const named = { digest: `d${i++}`, name: `${label} RUN --network=none <<'END_OF_SECTION' (# ${s.section}. ${s.title}...)`, inputs: [], cached: true };
    const bare = { digest: `d${i++}`, name: `${label} RUN --network=none`, inputs: [], cached: true };
    display.apply({ vertexes: [named, bare], statuses: [], logs: [], warnings: [] });
    plain.apply({ vertexes: [named], statuses: [], logs: [], warnings: [] });
    const want = `[${s.stage} ${s.step}/${n(s.stage)}] ${s.section} ${s.title}`;
    assert.equal(display.vertex(named.digest)!.title, want);
    assert.equal(plain.vertex(named.digest)!.title, want, "what the name alone gives");
    assert.equal(display.vertex(bare.digest)!.title, want);
  }
  // A step of no section keeps its name (here, the ISO builder's script comment).
  display.apply({
    vertexes: [{ digest: "x", name: "[iso-builder 2/8] RUN <<'END_OF_SECTION' (# lfs-docker: the ISO tools...)", inputs: [], cached: true }],
    statuses: [],
    logs: [],
    warnings: [],
  });
  assert.equal(display.vertex("x")!.title, "[iso-builder 2/8] lfs-docker: the ISO tools");
});
