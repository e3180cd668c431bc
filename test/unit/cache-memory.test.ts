/**
 * The memory of finished steps and the watch for evicted ones: identities from the Dockerfile's text
 * (stable across --until increments, changed by what a step depends on), and one notice for a step
 * that an earlier build finished and that starts again.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishedSteps, rememberFinished, stepIdentities } from "../../src/cache-memory.js";
import { EvictionWatch } from "../../src/eviction-watch.js";
import { buildPlan } from "../../src/build-plan.js";
import { generate } from "../../src/render/dockerfile.js";
import type { BuildEvent, VertexInfo } from "../../src/buildkit/status.js";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const env = () => {
  const d = mkdtempSync(join(tmpdir(), "lfs-docker-cache-memory-"));
  dirs.push(d);
  return { XDG_CACHE_HOME: d };
};

test("a step's identity is the same in every increment of a build in increments (--until), and in the whole book", () => {
  const small = stepIdentities(generate({ until: "5.2" }), "linux/amd64");
  const larger = stepIdentities(generate({ until: "6.3" }), "linux/amd64");
  const whole = stepIdentities(generate({}), "linux/amd64");
  assert.ok(small.size > 10);
  for (const [key, id] of small) {
    assert.equal(larger.get(key), id, key);
    assert.equal(whole.get(key), id, key);
  }
  assert.ok(!small.has("host 1"), "FROM steps have no identity (BuildKit loads the image for every build)");
});

test("a change to a step changes its identity, the later steps' of its stage and the stages using it; not the earlier ones", () => {
  const a = generate({ until: "7.5" });
  const b = a.replace("chmod -v a+wt $LFS/sources", "chmod -v a+wt $LFS/sources # changed");
  assert.notEqual(a, b, "the test edits the Dockerfile");
  const ia = stepIdentities(a, "linux/amd64");
  const ib = stepIdentities(b, "linux/amd64");
  const plan = buildPlan({ until: "7.5" }, a);
  const changedAt = plan.steps.find((s) => s.section === "4.2")!;
  for (const s of plan.steps.filter((x) => ia.has(x.key))) {
    const same = ia.get(s.key) === ib.get(s.key);
    if (s.stage === "host") assert.equal(same, s.step < changedAt.step, `${s.key} (${s.section ?? s.title})`);
    if (s.stage === "toolchain") assert.equal(same, false, `${s.key} copies from host`);
    if (s.stage.startsWith("sources")) assert.equal(same, true, `${s.key} does not use host`);
  }
  // Comments do not count; the platform does.
  assert.deepEqual(stepIdentities(a.replace(/^# 4\.2\..*$/m, "# another comment"), "linux/amd64"), ia);
  assert.notEqual(stepIdentities(a, "linux/arm64").get(changedAt.key), ia.get(changedAt.key));
});

test("remembered per builder; a step remembered and started again is said once, with the collector's limit", () => {
  const e = env();
  const dockerfile = generate({ until: "4.3" });
  const plan = buildPlan({ until: "4.3" }, dockerfile);
  const ids = stepIdentities(dockerfile, "linux/amd64");
  const step = plan.steps.find((s) => s.section === "4.2")!;
  rememberFinished("docker://a", [ids.get(step.key)!], e);
  assert.ok(finishedSteps("docker://a", e).has(ids.get(step.key)!));
  assert.equal(finishedSteps("docker://b", e).size, 0, "another builder's cache is another cache");

  const vertex = (name: string, cached: boolean): VertexInfo => ({ digest: name, name, inputs: [], cached, started: new Date() });
  const name = `[host ${step.step}/4] RUN --network=none <<'END_OF_SECTION' (# 4.2. Creating a Limited Directory Layout...)`;
  const run = (noCache: boolean, events: BuildEvent[]) => {
    const said: string[] = [];
    const w = new EvictionWatch(plan, dockerfile, "linux/amd64", "docker://a", (m) => said.push(m), noCache, e);
    w.keepBytes = 2 ** 20;
    events.forEach((ev) => w.onEvent(ev));
    return said;
  };
  const said = run(false, [
    { type: "vertex-started", vertex: vertex(name, false) },
    { type: "vertex-started", vertex: vertex(name, false) },
  ]);
  assert.equal(said.length, 1);
  assert.match(
    said[0]!,
    /^4\.2 .* \(\[host \d\/4\]\) is being built again, though an earlier build on this builder finished it: it is no longer in BuildKit's cache; the builder's garbage collector keeps at most 1\.0 MiB of build cache/,
  );
  assert.deepEqual(run(false, [{ type: "vertex-cached", vertex: vertex(name, true) }]), [], "from the cache: nothing to say");
  assert.deepEqual(run(true, [{ type: "vertex-started", vertex: vertex(name, false) }]), [], "--no-cache rebuilds on purpose");
});
