/**
 * docker-container://NAME against the real engine. No buildkitd image is available offline, so
 * the container runs a stand-in `buildctl dial-stdio`: a small Python relay from stdio to the
 * engine's BuildKit (`POST /grpc` upgraded to h2c on the mounted docker.sock). The driver side
 * (dockerode exec, stdio demux, bridge) is exactly what talks to a real buildkitd container.
 * Fails (never skips) when the engine is unreachable.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";

import { connect } from "../../src/buildkit/index.js";
import { FAKE_BUILDCTL } from "../helpers/fake-buildctl.js";

const run = promisify(execFile);

describe("docker-container:// connection helper", () => {
  let base: string;
  const name = `lfs-docker-bk-it-${process.pid}-${Date.now()}`;
  let setupError: unknown;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "bk-ctr-"));
    await writeFile(join(base, "buildctl"), FAKE_BUILDCTL);
    await chmod(join(base, "buildctl"), 0o755);
    try {
      await run("docker", [
        "run",
        "-d",
        "--rm",
        "--name",
        name,
        "--network",
        "none",
        "-v",
        "/var/run/docker.sock:/var/run/docker.sock",
        "-v",
        `${join(base, "buildctl")}:/usr/local/bin/buildctl:ro`,
        "lfs-docker/host:bookworm",
        "sleep",
        "600",
      ]);
    } catch (err) {
      setupError = err;
    }
  });
  // No skip: without the engine every test fails with the reason.
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });
  after(async () => {
    await run("docker", ["rm", "-f", name]).catch(() => {});
    await rm(base, { recursive: true, force: true });
  });

  it("talks to BuildKit through `docker exec ... buildctl dial-stdio`", async () => {
    await using client = await connect(`docker-container://${name}`, { connectTimeoutMs: 60_000 });
    const workers = await client.workers();
    assert.ok(workers[0]!.platforms.includes("linux/amd64"));
    const ctx = join(base, "ctx");
    await mkdir(ctx);
    await writeFile(join(ctx, "hello.txt"), "through the container\n");
    const dest = join(base, "out");
    await client.solve({ context: ctx, dockerfileText: "FROM scratch\nCOPY hello.txt /\n", exports: [{ type: "local", dest }] });
    assert.equal(await readFile(join(dest, "hello.txt"), "utf8"), "through the container\n");
  });

  it("reports a missing container", async () => {
    await assert.rejects(connect("docker-container://lfs-docker-no-such-container"), /no such container|404/i);
  });
});
