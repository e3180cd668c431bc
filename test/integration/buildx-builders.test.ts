/**
 * Builders by name against the real engine, from files the real buildx and docker CLI write into a
 * docker config directory of the test's own (DOCKER_CONFIG): a `remote` builder whose endpoint is a
 * unix socket bridged to the engine's BuildKit, a `docker-container` builder whose container
 * (buildx_buildkit_<node>) runs the stand-in `buildctl dial-stdio` (no buildkitd image offline), a
 * docker context (buildx's `docker` driver), `docker buildx use`, BUILDX_BUILDER. Fails, never skips,
 * without the engine.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import Docker from "dockerode";

import { startBridge, type Bridge } from "../../src/buildkit/bridge.js";
import { BuilderNotFoundError, connectBuilder, resolveBuilder } from "../../src/buildkit/index.js";
import { upgradeToGrpc } from "../../src/buildkit/connhelpers/index.js";
import { fakeBuildkitdRunArgs, FAKE_BUILDCTL } from "../helpers/fake-buildctl.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE } from "../helpers/engine.js";

describe("buildx builders by name (files written by the real buildx)", { concurrency: false }, () => {
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const remote = `lfs-test-remote-${id}`;
  const ctr = `lfs-test-ctr-${id}`;
  const ctx = `lfs-test-ctx-${id}`;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bridge: Bridge;
  const docker = (...args: string[]) => run("docker", args, { env });
  const ok = async (...args: string[]) => {
    const r = await docker(...args);
    assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    requireEngine();
    requireImage(TEST_HOST_IMAGE);
    dir = await mkdtemp(join(tmpdir(), "lfs-buildx-"));
    env = { ...process.env, DOCKER_CONFIG: join(dir, "docker") };
    delete env["BUILDX_BUILDER"];
    delete env["BUILDKIT_HOST"];
    delete env["DOCKER_HOST"];
    delete env["DOCKER_CONTEXT"];
    // A unix socket that is the engine's BuildKit: each connection an upgraded POST /grpc.
    bridge = await startBridge(() => upgradeToGrpc({ request: { socketPath: "/var/run/docker.sock" }, tls: false }), "test remote builder");
    await ok("buildx", "create", "--name", remote, "--driver", "remote", bridge.target);
    await ok("buildx", "create", "--name", ctr, "--driver", "docker-container");
    await ok("context", "create", ctx, "--docker", "host=unix:///var/run/docker.sock");
    await writeFile(join(dir, "buildctl"), FAKE_BUILDCTL);
    await chmod(join(dir, "buildctl"), 0o755);
    await ok(...fakeBuildkitdRunArgs(`buildx_buildkit_${ctr}0`, join(dir, "buildctl"), TEST_HOST_IMAGE));
  });
  after(async () => {
    await run("docker", ["rm", "-f", `buildx_buildkit_${ctr}0`]).catch(() => undefined);
    await bridge?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a remote builder: its endpoint, and the same workers buildx sees there", async () => {
    const b = resolveBuilder({ builder: remote, env });
    assert.deepEqual([b.driver, b.node, b.address], ["remote", `${remote}0`, bridge.target]);
    await using client = await connectBuilder(remote, { env });
    assert.equal(client.builder?.name, remote);
    const platforms = (await client.workers()).flatMap((w) => w.platforms);
    assert.ok(platforms.includes("linux/amd64"), platforms.join(","));
    // buildx itself, through the same file: its platforms are the daemon's.
    const inspect = await ok("buildx", "inspect", "--bootstrap", remote);
    assert.match(inspect, /Status:\s+running/);
    const line = /Platforms:\s+(.*)/.exec(inspect)?.[1] ?? "";
    // buildx normalizes as containerd does: arm without a variant is arm/v7.
    const normalized = platforms.map((p) => (p === "linux/arm" ? "linux/arm/v7" : p));
    assert.deepEqual(
      line
        .split(",")
        .map((p) => p.replace("*", "").trim())
        .sort(),
      [...new Set(normalized)].sort(),
    );
  });

  it("a docker-container builder: its container buildx_buildkit_<node>, building", async () => {
    await using client = await connectBuilder(ctr, { env, connectTimeoutMs: 60_000 });
    assert.equal(client.address, `docker-container://buildx_buildkit_${ctr}0`);
    const src = join(dir, "src");
    await run("mkdir", ["-p", src]);
    await writeFile(join(src, "hello.txt"), "through a buildx builder\n");
    const dest = join(dir, "out");
    await client.solve({ context: src, dockerfileText: "FROM scratch\nCOPY hello.txt /\n", exports: [{ type: "local", dest }] });
    assert.equal((await run("cat", [join(dest, "hello.txt")])).stdout, "through a buildx builder\n");
  });

  it("a docker context is a builder of its own (the docker driver), on its engine", async () => {
    await using client = await connectBuilder(ctx, { env });
    assert.equal(client.address, "docker:///var/run/docker.sock");
    assert.ok(client.dockerEngine);
    const engine = await client.engine();
    assert.equal(engine?.version, (await new Docker().version()).Version);
  });

  it("`docker buildx use` makes a builder current; BUILDX_BUILDER and --builder come before it", async () => {
    assert.equal(resolveBuilder({ env }).name, "default");
    await ok("buildx", "use", ctr);
    try {
      const current = resolveBuilder({ env });
      assert.deepEqual([current.name, current.source], [ctr, "current builder"]);
      assert.equal(resolveBuilder({ env: { ...env, BUILDX_BUILDER: remote } }).name, remote);
      assert.equal(resolveBuilder({ builder: ctx, env: { ...env, BUILDX_BUILDER: remote } }).name, ctx);
    } finally {
      await ok("buildx", "use", "default");
    }
    assert.equal(resolveBuilder({ env }).source, "default");
  });

  it("an unknown name lists the builders buildx lists", async () => {
    const listed = await ok("buildx", "ls", "--format", "{{.Name}}").catch(async () => ok("buildx", "ls"));
    for (const name of [remote, ctr, ctx, "default"]) assert.match(listed, new RegExp(name));
    assert.throws(
      () => resolveBuilder({ builder: "lfs-test-no-such-builder", env }),
      (e: unknown) => e instanceof BuilderNotFoundError && [remote, ctr, ctx, "default"].every((n) => e.available.includes(n)),
    );
  });

  it("a docker-container builder whose container is gone: the error names it and how to start it", async () => {
    const gone = `lfs-test-gone-${id}`;
    await ok("buildx", "create", "--name", gone, "--driver", "docker-container");
    await assert.rejects(
      connectBuilder(gone, { env, connectTimeoutMs: 5000 }),
      new RegExp(`builder "${gone}" \\(docker-container, node ${gone}0\\): .*buildx_buildkit_${gone}0.*docker buildx inspect --bootstrap ${gone}`, "s"),
    );
  });
});
