/**
 * One node per platform, planned: the stages of a Dockerfile (stage-graph.ts) and which node of a
 * builder builds each, what is handed over and how (node-plan.ts), table by table; the errors before
 * anything is built; the vertex names with their node (build-nodes.ts) and how the report and the
 * progress read them back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { checkStageRegistry, handoffName, withNode } from "../../src/build-nodes.js";
import { OptionError } from "../../src/errors.js";
import { planNodes, type PlanNode } from "../../src/node-plan.js";
import { stepKey } from "../../src/progress/model.js";
import { buildReport } from "../../src/report/build-report.js";
import { generate } from "../../src/render/dockerfile.js";
import { instructions, stageGraph } from "../../src/stage-graph.js";

const AMD: PlanNode = { name: "amd", platforms: ["linux/amd64"] };
const ARM: PlanNode = { name: "arm", platforms: ["linux/arm64"] };
const ARM_V8: PlanNode = { name: "armv8", platforms: ["linux/arm64/v8"] };
const RISCV: PlanNode = { name: "riscv", platforms: ["linux/riscv64"] };
const ANY: PlanNode = { name: "any", platforms: [] };
const BOTH: PlanNode = { name: "both", platforms: ["linux/amd64", "linux/arm64"] };

const AARCH64 = generate({ arch: "aarch64" });
const X86_64 = generate({ arch: "x86_64" });

/** A plan in one line per solve: `node: target (runs) <- takes`. */
function lines(nodes: PlanNode[], dockerfile: string, platform: string, target?: string, contexts?: string[]): string[] | undefined {
  const plan = planNodes("multi", nodes, stageGraph(dockerfile), platform, target, contexts);
  return plan?.solves.map((s) => `${s.node}: ${s.target} (${s.runs.join(",")})${s.takes.length ? ` <- ${s.takes.join(",")}` : ""}`);
}

describe("stageGraph", () => {
  it("reads the stages of the generated aarch64 Dockerfile: platforms, what runs, what each reads", () => {
    const g = stageGraph(AARCH64);
    const row = (name: string) => {
      const s = g.find((x) => x.name === name)!;
      return `${s.platform} ${s.runs ? "runs" : "-"} ${s.refs.map((r) => `${r.kind}:${r.stage}${r.paths ? `(${r.paths.join(" ")})` : ""}`).join(" ")}`;
    };
    assert.deepEqual(
      g.map((s) => s.name),
      ["sources-download", "sources-verify", "sources", "host", "toolchain", "kernel", "system", "iso-builder", "iso"],
    );
    assert.equal(row("host"), "build runs mount:sources");
    assert.equal(row("toolchain"), "target runs copy:host(/mnt/lfs/) mount:sources");
    assert.equal(row("kernel"), "build runs from:host mount:sources", "FROM host: the build platform, as host");
    assert.equal(row("system"), "target runs from:toolchain mount:sources copy:kernel(/lfs-kernel/)");
    assert.equal(row("iso-builder"), "build runs mount:system");
    assert.equal(row("iso"), "target - copy:iso-builder(/out/)");
  });

  it("reads heredoc bodies and continuation lines as part of their instruction, never as instructions", () => {
    const df = [
      "FROM scratch AS a",
      "RUN <<'EOF'",
      "FROM b AS c",
      "COPY --from=a /x /y",
      "EOF",
      "FROM --platform=$BUILDPLATFORM img AS d",
      "RUN --network=none \\",
      "    --mount=type=bind,from=a,source=/f,target=/g \\",
      "    true",
      "COPY <<-END /etc/x",
      "\tFROM nothing",
      "\tEND",
      "COPY --from=a --chown=1:1 /p /q /dest/",
    ].join("\n");
    assert.deepEqual(instructions(df), [
      "FROM scratch AS a",
      "RUN <<'EOF'",
      "FROM --platform=$BUILDPLATFORM img AS d",
      "RUN --network=none --mount=type=bind,from=a,source=/f,target=/g true",
      "COPY <<-END /etc/x",
      "COPY --from=a --chown=1:1 /p /q /dest/",
    ]);
    const g = stageGraph(df);
    assert.deepEqual(
      g.map((s) => s.name),
      ["a", "d"],
    );
    assert.deepEqual(g[1]!.refs, [
      { stage: "a", kind: "mount" },
      { stage: "a", kind: "copy", paths: ["/p", "/q"] },
    ]);
    assert.equal(g[1]!.platform, "build");
  });
});

describe("planNodes: which stage on which node", () => {
  const table: Array<{ what: string; nodes: PlanNode[]; df?: string; platform: string; target?: string; contexts?: string[]; want: string[] | undefined }> = [
    { what: "one node: not split", nodes: [AMD], platform: "linux/arm64", want: undefined },
    { what: "nodes all of one platform: not split", nodes: [AMD, { ...AMD, name: "amd2" }], platform: "linux/arm64", want: undefined },
    { what: "x86_64 on [amd64, arm64]: the first node has the target's platform", nodes: [AMD, ARM], df: X86_64, platform: "linux/amd64", want: undefined },
    { what: "aarch64 on [arm64, amd64]: the first node has it", nodes: [ARM, AMD], platform: "linux/arm64", want: undefined },
    { what: "aarch64 on a first node listing both: not split", nodes: [BOTH, ARM], platform: "linux/arm64", want: undefined },
    {
      what: "aarch64 on [amd64, arm64]: host, kernel, iso-builder on amd64; toolchain, system on arm64",
      nodes: [AMD, ARM],
      platform: "linux/arm64",
      want: [
        "amd: lfs-docker-handoff-host (sources-verify,host)",
        "amd: sources (sources-verify)",
        "amd: lfs-docker-handoff-kernel (sources-verify,host,kernel)",
        "arm: system (toolchain,system) <- host,sources,kernel",
        "amd: iso (iso-builder) <- system",
      ],
    },
    {
      what: "with the sources as a named context: no sources stage handed over",
      nodes: [AMD, ARM],
      platform: "linux/arm64",
      contexts: ["sources"],
      want: [
        "amd: lfs-docker-handoff-host (host)",
        "amd: lfs-docker-handoff-kernel (host,kernel)",
        "arm: system (toolchain,system) <- host,kernel",
        "amd: iso (iso-builder) <- system",
      ],
    },
    {
      what: "linux/arm64/v8 is linux/arm64",
      nodes: [AMD, ARM_V8],
      platform: "linux/arm64",
      contexts: ["sources"],
      want: [
        "amd: lfs-docker-handoff-host (host)",
        "amd: lfs-docker-handoff-kernel (host,kernel)",
        "armv8: system (toolchain,system) <- host,kernel",
        "amd: iso (iso-builder) <- system",
      ],
    },
    {
      what: "a node with no platforms listed takes the target when none lists it",
      nodes: [AMD, RISCV, ANY],
      platform: "linux/arm64",
      target: "toolchain",
      contexts: ["sources"],
      want: ["amd: lfs-docker-handoff-host (host)", "any: toolchain (toolchain) <- host"],
    },
    {
      what: "--target toolchain: the build ends on the arm64 node",
      nodes: [AMD, ARM],
      platform: "linux/arm64",
      target: "toolchain",
      contexts: ["sources"],
      want: ["amd: lfs-docker-handoff-host (host)", "arm: toolchain (toolchain) <- host"],
    },
    { what: "--target host: nothing runs on the target's platform, not split", nodes: [AMD, ARM], platform: "linux/arm64", target: "host", want: undefined },
    { what: "--target kernel: not split", nodes: [AMD, ARM], platform: "linux/arm64", target: "kernel", want: undefined },
  ];
  for (const t of table) {
    it(t.what, () => assert.deepEqual(lines(t.nodes, t.df ?? AARCH64, t.platform, t.target, t.contexts), t.want));
  }

  it("stages the frontend would look up behind a stage taken from another node, and that the solve does not use, are named as unused", () => {
    const plan = planNodes("multi", [AMD, ARM], stageGraph(AARCH64), "linux/arm64", undefined, ["sources"])!;
    assert.deepEqual(
      plan.solves.map((s) => `${s.stage}: ${s.unused.join(",")}`),
      ["host: sources-verify", "kernel: sources-verify", "system: sources-verify", "iso: host,sources-verify"],
    );
  });

  it("hands over only the paths the other node copies, through stages appended to the Dockerfile; whole stages otherwise", () => {
    const plan = planNodes("multi", [AMD, ARM], stageGraph(AARCH64), "linux/arm64", undefined, ["sources"])!;
    assert.equal(
      plan.appended,
      "\nFROM scratch AS lfs-docker-handoff-host\nCOPY --from=host /mnt/lfs/ /mnt/lfs/\n\nFROM scratch AS lfs-docker-handoff-kernel\nCOPY --from=kernel /lfs-kernel/ /lfs-kernel/\n",
    );
    assert.deepEqual(
      plan.solves.map((s) => s.handoff),
      [{ paths: ["/mnt/lfs/"] }, { paths: ["/lfs-kernel/"] }, {}, undefined],
      "system is mounted whole by iso-builder",
    );
    // The appended stages change nothing of the stages before them.
    assert.deepEqual(stageGraph(AARCH64 + plan.appended).slice(0, -2), stageGraph(AARCH64));
  });

  it("a stage read whole (FROM, a mount) or through a path it cannot follow ($VAR, relative) is handed over whole", () => {
    const df = (copy: string) => `FROM --platform=$BUILDPLATFORM img AS a\nRUN true\nFROM scratch AS b\n${copy}\nRUN true\n`;
    const handoff = (copy: string) => planNodes("m", [AMD, ARM], stageGraph(df(copy)), "linux/arm64")?.solves[0]?.handoff;
    assert.deepEqual(handoff("COPY --from=a /x/ /"), { paths: ["/x/"] });
    assert.deepEqual(handoff("COPY --from=a /x/*.so /lib/"), { paths: ["/x/*.so"] });
    assert.deepEqual(handoff("COPY --from=a $LFS/ /"), {});
    assert.deepEqual(handoff("COPY --from=a rel /"), {});
    assert.deepEqual(handoff("RUN --mount=type=bind,from=a,target=/a true"), {});
    assert.equal(
      planNodes("m", [AMD, ARM], stageGraph(df("COPY --from=a /x/*.so /lib/")), "linux/arm64")!.appended,
      "\nFROM scratch AS lfs-docker-handoff-a\nCOPY --from=a /x/*.so /x/\n",
    );
  });
});

describe("planNodes: errors before anything is built", () => {
  it("no node for the target's platform: names the builder, its nodes and platforms, and what is needed", () => {
    assert.throws(
      () => planNodes("multi", [AMD, RISCV], stageGraph(AARCH64), "linux/arm64"),
      (err: unknown) => {
        assert.ok(err instanceof OptionError);
        assert.equal(
          err.message,
          'invalid --builder "multi" (its nodes amd (linux/amd64), riscv (linux/riscv64) have different platforms and none is linux/arm64, which the stages toolchain, system run on; add one (docker buildx create --append --name multi --platform linux/arm64 ENDPOINT)); accepted: a builder with a node for linux/arm64',
        );
        return true;
      },
    );
  });

  it("a Dockerfile that already has a stage of the appended stage's name", () => {
    const df = "FROM --platform=$BUILDPLATFORM img AS a\nRUN true\nFROM scratch AS lfs-docker-handoff-a\nFROM scratch AS b\nCOPY --from=a /x /x\nRUN true\n";
    assert.throws(() => planNodes("m", [AMD, ARM], stageGraph(df), "linux/arm64"), /a Dockerfile with no stage named lfs-docker-handoff-a/);
  });

  it("--stage-registry: a repository without tag or digest", () => {
    for (const ok of ["127.0.0.1:5000/lfs-stages", "registry.example/team/lfs", "lfs"]) assert.equal(checkStageRegistry(ok), ok);
    for (const bad of ["127.0.0.1:5000/lfs:v1", "reg/lfs@sha256:" + "0".repeat(64), "Reg/Upper", "", "a b", "x\n"]) {
      assert.throws(
        () => checkStageRegistry(bad),
        (err: unknown) => err instanceof OptionError && /accepted: a registry repository every node reaches, without tag or digest/.test(err.message),
        bad,
      );
    }
  });

  it("a handover's image name: the stage and a hash of what it is built from", () => {
    const plan = planNodes("multi", [AMD, ARM], stageGraph(AARCH64), "linux/arm64")!;
    const name = handoffName({ registry: "r:5000/s", dockerfile: AARCH64, platform: "linux/arm64", plan }, plan.solves[0]!);
    assert.match(name, /^r:5000\/s:host-[0-9a-f]{12}$/);
    assert.notEqual(name, handoffName({ registry: "r:5000/s", dockerfile: AARCH64 + "\n", platform: "linux/arm64", plan }, plan.solves[0]!));
  });
});

describe("vertex names with their node", () => {
  it("[node stage n/m], as buildx prefixes a bake target; the progress and the report read them back", () => {
    assert.equal(withNode("[host 5/27] RUN x", "amd"), "[amd host 5/27] RUN x");
    assert.equal(withNode("[internal] load build definition", "amd"), "[amd internal] load build definition");
    assert.equal(withNode("resolve image config", "arm"), "[arm] resolve image config");
    for (const [name, key] of [
      ["[amd host  5/27] RUN x", "host 5"],
      ["[host 5/27] RUN x", "host 5"],
      ["[linux/amd64 host 05/27] RUN x", "host 5"],
      ["[arm linux/arm64 toolchain 2/3] RUN x", "toolchain 2"],
      ["[arm internal] load", undefined],
    ] as const) {
      assert.equal(stepKey(name), key, name);
    }
    const df = "FROM scratch AS toolchain\n# 7.1. Essentials\nRUN true\n";
    const report = buildReport(df, [{ name: "[arm toolchain 1/1] RUN true", cached: false, started: new Date(0), completed: new Date(2000) }]);
    assert.equal(report.rows[0]?.section, "7.1");
    assert.equal(report.rows[0]?.vertex, "[arm toolchain 1/1] RUN true");
  });
});
