/**
 * One node per platform: a builder of two nodes on this machine splits an aarch64 build of the test
 * book by platform, and the result boots.
 *
 * The nodes are two engines: the machine's own (linux/amd64) and a second dockerd of the test's own in
 * a network namespace of its own (test/helpers/second-engine.ts), standing in as the linux/arm64 node
 * (it runs arm64 programs through the QEMU user emulation registered in binfmt_misc). They are written
 * into a docker config directory of the test's own as one buildx builder of two nodes with their
 * platforms, in buildx's store format, each node's endpoint a docker context made by the real docker
 * CLI. (buildx itself makes multi-node builders with the docker-container or remote drivers, whose
 * buildkitd image no machine here can pull; a node that is a Docker Engine pushes through the engine,
 * which this exercises.) Debian's docker-registry on this machine's loopback carries the stages from
 * one node to the other, reachable at the same 127.0.0.1:PORT from the second engine's namespace
 * (test/helpers/netns-forward.ts).
 *
 * `lfs-docker build --builder NAME --stage-registry REPO` (the real CLI, --progress plain) must build
 * host, kernel and iso-builder on the amd64 node, toolchain and system on the arm64 node, hand over
 * only /mnt/lfs and /lfs-kernel (the host stage's Debian base never reaches the arm64 node), say in
 * its output and its report which node built what, and the ISO must boot on QEMU virt (UEFI) with the
 * system's programs and the cross-compiled kernel. The main engine's part is the same build as
 * e2e-boot's aarch64 test (same options and sources), so each takes the other's cache there; the
 * second engine is new every run. LFS_NODES_NO_CACHE=1 builds with --no-cache: the test's cold time,
 * measured without emptying the machine engine's cache.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, connect, generate, type GenerateOptions } from "../../src/index.js";
import { build } from "../../src/build.js";
import { OptionError } from "../../src/errors.js";
import { packageRoot } from "../../src/paths.js";
import { runCli } from "../helpers/cli-process.js";
import { prepareTestBookSources } from "../helpers/debian-sources.js";
import { startDockerRegistry, type DockerRegistry } from "../helpers/docker-registry.js";
import { requireEngine, requireImage, run, TEST_ISO_IMAGE } from "../helpers/engine.js";
import { forwardIntoNetns, type NetnsForward } from "../helpers/netns-forward.js";
import { measuredLines } from "../helpers/scratch.js";
import { startSecondEngine, type SecondEngine } from "../helpers/second-engine.js";

const TEST_CROSS_IMAGE = process.env.LFS_CROSS_IMAGE ?? "lfs-docker/cross:bookworm";
const BOOK = join(packageRoot(), "test", "books", "mini");
const PASSWORD = "e2e-Secret:1";
/** The options of e2e-boot's aarch64 build: the main engine's cache serves both. */
const OPTIONS: GenerateOptions = {
  book: BOOK,
  arch: "aarch64",
  hostImage: TEST_CROSS_IMAGE,
  isoImage: TEST_ISO_IMAGE,
  config: { hostname: "e2ehost", codename: "lfs-docker-e2e" },
};
const GENERATE_FLAGS = [
  "--book",
  BOOK,
  "--arch",
  "aarch64",
  "--host-image",
  TEST_CROSS_IMAGE,
  "--iso-image",
  TEST_ISO_IMAGE,
  "--hostname",
  "e2ehost",
  "--codename",
  "lfs-docker-e2e",
];
const BUILDER = `lfs-nodes-${process.pid}`;
const AMD = "amd64-node";
/** LFS_NODES_NO_CACHE=1: build with --no-cache, to measure the test cold without emptying the engine's cache. */
const NO_CACHE = process.env.LFS_NODES_NO_CACHE === "1";
const ARM = "arm64-node";

let work: string;
let engine: SecondEngine | undefined;
let registry: DockerRegistry | undefined;
let relay: NetnsForward | undefined;
let env: NodeJS.ProcessEnv;
const measured = measuredLines();

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    measured.push(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** A buildx builder instance file, as buildx writes it. */
function writeBuilder(dockerConfig: string, name: string, nodes: Array<{ name: string; context: string; arch: string }>): void {
  const dir = join(dockerConfig, "buildx", "instances");
  mkdirSync(dir, { recursive: true });
  const group = {
    Name: name,
    Driver: "docker",
    Nodes: nodes.map((n) => ({
      Name: n.name,
      Endpoint: n.context,
      Platforms: [{ architecture: n.arch, os: "linux" }],
      DriverOpts: null,
      Flags: null,
      Files: null,
    })),
    Dynamic: false,
  };
  writeFileSync(join(dir, name.toLowerCase()), JSON.stringify(group));
}

before(async () => {
  requireEngine();
  requireImage(TEST_CROSS_IMAGE);
  requireImage(TEST_ISO_IMAGE);
  for (const tool of ["qemu-system-aarch64", "xorriso", "nsenter"]) {
    const r = await run("sh", ["-c", `command -v ${tool}`]);
    assert.equal(r.code, 0, `${tool} is missing: run scripts/boot-setup.sh --aarch64 (util-linux for nsenter)`);
  }
  work = mkdtempSync(join(tmpdir(), "lfs-docker-nodes-"));
  env = { ...process.env, DOCKER_CONFIG: join(work, "docker") };
  for (const k of ["BUILDX_BUILDER", "BUILDKIT_HOST", "DOCKER_HOST", "DOCKER_CONTEXT"]) delete env[k];
  engine = await timed("second engine up", () => startSecondEngine("nodes"));
  registry = await timed("registry up", () => startDockerRegistry());
  relay = await forwardIntoNetns(engine.pid!, Number(registry.host.split(":")[1]));
  for (const [ctx, host] of [
    ["lfs-nodes-amd64", "unix:///var/run/docker.sock"],
    ["lfs-nodes-arm64", engine.host],
  ] as const) {
    const r = await run("docker", ["context", "create", ctx, "--docker", `host=${host}`], { env });
    assert.equal(r.code, 0, r.stderr);
  }
  writeBuilder(env.DOCKER_CONFIG!, BUILDER, [
    { name: AMD, context: "lfs-nodes-amd64", arch: "amd64" },
    { name: ARM, context: "lfs-nodes-arm64", arch: "arm64" },
  ]);
  writeBuilder(env.DOCKER_CONFIG!, `${BUILDER}-riscv`, [
    { name: AMD, context: "lfs-nodes-amd64", arch: "amd64" },
    { name: "riscv64-node", context: "lfs-nodes-arm64", arch: "riscv64" },
  ]);
});

after(async () => {
  await relay?.stop();
  await registry?.stop();
  await engine?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("bad input is refused before anything is built: no --stage-registry, no node for the target's platform", async () => {
  const noRegistry = await runCli(["build", ...GENERATE_FLAGS, "--builder", BUILDER, "-o", join(work, "never")], env);
  assert.equal(noRegistry.code, 2, noRegistry.stderr);
  assert.match(
    noRegistry.stderr,
    new RegExp(
      `invalid --stage-registry "none" \\(builder "${BUILDER}" splits this build across its nodes \\(sources-verify, host on ${AMD}; .*toolchain, system on ${ARM}; iso-builder on ${AMD}\\)`,
    ),
  );
  // From the library: an OptionError naming the builder, its nodes and platforms, and what is needed.
  const saved = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = env.DOCKER_CONFIG;
  try {
    await assert.rejects(
      build({ ...OPTIONS, builder: `${BUILDER}-riscv`, stageRegistry: `${registry!.host}/lfs-stages`, output: join(work, "never") }),
      (err: unknown) => {
        assert.ok(err instanceof OptionError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `its nodes ${AMD} \\(linux/amd64\\), riscv64-node \\(linux/riscv64\\) have different platforms and none is linux/arm64, which the stages toolchain, system run on`,
          ),
        );
        return true;
      },
    );
  } finally {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
  }
  assert.equal(readFileSync("/proc/self/mounts", "utf8").includes(join(work, "never")), false);
});

test(
  "an aarch64 build split by platform across two nodes: host and kernel on amd64, toolchain and system on arm64; the ISO boots",
  { timeout: 40 * 60_000 },
  async () => {
    const sources = await prepareTestBookSources();
    const passwordFile = join(work, "root-password");
    writeFileSync(passwordFile, PASSWORD);
    const out = join(work, "out");
    const repo = `${registry!.host}/lfs-stages`;
    const r = await timed("split build (CLI)", () =>
      runCli(
        [
          "build",
          ...GENERATE_FLAGS,
          "--builder",
          BUILDER,
          "--stage-registry",
          repo,
          "--sources",
          sources,
          "--root-password-file",
          passwordFile,
          "-o",
          out,
          "--progress",
          "plain",
          ...(NO_CACHE ? ["--no-cache"] : []),
        ],
        env,
      ),
    );
    assert.equal(r.code, 0, `${r.stderr.slice(-6000)}\n${engine!.log().slice(-2000)}`);
    for (const line of r.stderr.split("\n").filter((l) => /^#\d+ \[\S+\] /.test(l))) console.log(`# ${line}`);
    // The plain output says which node builds what, and names every step with its node.
    assert.match(r.stderr, new RegExp(`\\[${ARM}\\] toolchain, system for linux/arm64, taking host from ${AMD}, kernel from ${AMD}, handing system over`));
    assert.match(r.stderr, new RegExp(`\\[${AMD}\\] host for linux/arm64, handing host \\(/mnt/lfs/\\) over`));
    assert.match(r.stderr, new RegExp(`\\[${AMD}\\] host, kernel for linux/arm64, handing kernel \\(/lfs-kernel/\\) over`));
    assert.match(r.stderr, new RegExp(`\\[${AMD}\\] iso-builder for linux/arm64, taking system from ${ARM}`));
    const report = JSON.parse(readFileSync(join(out, "build-report.json"), "utf8")) as {
      rows: Array<{ stage: string; section?: string; vertex: string; cached: boolean; seconds: number | null }>;
    };
    const nodeOf = (stage: string) => [...new Set(report.rows.filter((row) => row.stage === stage).map((row) => /^\[(\S+) /.exec(row.vertex)![1]))];
    for (const row of report.rows) console.log(`# ${row.vertex.slice(0, 70)}: ${row.cached ? "cached" : `${row.seconds?.toFixed(1)} s`}`);
    assert.deepEqual(nodeOf("toolchain"), [ARM]);
    assert.deepEqual(nodeOf("system"), [ARM]);
    for (const stage of ["host", "kernel", "iso-builder"])
      assert.deepEqual(
        nodeOf(stage).filter((n) => n !== AMD),
        [],
        `${stage} ran on ${AMD} only`,
      );
    assert.ok(
      report.rows.some((row) => row.section === "7.1" && !row.cached),
      "7.1 ran (the arm64 node is new: nothing cached there)",
    );
    if (NO_CACHE)
      assert.ok(
        report.rows.some((row) => row.section === "10.1" && !row.cached && row.vertex.startsWith(`[${AMD} `)),
        "--no-cache: the kernel was built on the amd64 node",
      );
    measured.push(
      `steps run on ${AMD}: ${report.rows.filter((row) => !row.cached && row.vertex.startsWith(`[${AMD} `)).length}, on ${ARM}: ${report.rows.filter((row) => !row.cached && row.vertex.startsWith(`[${ARM} `)).length}`,
    );

    // The arm64 node built the target's stages and nothing of the build machine's: it never had the
    // host stage's base image, and its build cache holds no host or kernel step.
    const images = await engine!.docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert.doesNotMatch(images.stdout, /lfs-docker\/cross/);
    {
      await using armClient = await connect(engine!.address);
      const records = (await armClient.diskUsage()).map((u) => u.description ?? "");
      assert.ok(
        records.some((d) => /\[toolchain \d/.test(d)),
        records.join("\n"),
      );
      assert.ok(!records.some((d) => /\[(host|kernel|iso-builder) \d/.test(d)), records.join("\n"));
    }
    // The registry holds the three stages handed over; neither engine keeps a copy under that name.
    for (const stage of ["host", "kernel", "system"]) {
      const tags = (await (await fetch(`http://${registry!.host}/v2/lfs-stages/tags/list`)).json()) as { tags: string[] };
      assert.ok(
        tags.tags.some((t) => t.startsWith(`${stage}-`)),
        `${stage}: ${tags.tags.join(", ")}`,
      );
    }
    for (const ls of [await run("docker", ["image", "ls", "-q", repo]), await engine!.docker(["image", "ls", "-q", repo])]) assert.equal(ls.stdout.trim(), "");

    const iso = join(out, "lfs-test-sysv-aarch64.iso");
    const result = await timed("boot (aarch64, UEFI)", () =>
      boot({
        iso,
        arch: "aarch64",
        timeout: 600,
        login: { user: "root", password: PASSWORD },
        commands: ["uname -m", "cat /etc/lfs-docker-toolchain-machine", "grep CONFIG_CC_VERSION_TEXT /boot/config-6.12.107-test", "hostname"],
      }),
    );
    const [uname, toolchainMachine, cc, hostname] = result.commands;
    assert.deepEqual(uname!.output, ["aarch64"]);
    assert.deepEqual(toolchainMachine!.output, ["aarch64"], "chapter 7 ran on the arm64 node");
    assert.match(cc!.output.join("\n"), /CONFIG_CC_VERSION_TEXT="aarch64-linux-gnu-gcc/, "the kernel was cross-compiled on the amd64 node");
    assert.deepEqual(hostname!.output, ["e2ehost"]);
    assert.ok(generate(OPTIONS).includes("FROM scratch AS toolchain"));
  },
);
