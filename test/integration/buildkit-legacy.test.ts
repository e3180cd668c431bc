/**
 * The driver against Docker 20.10's BuildKit 0.8 (the second engine started by
 * scripts/engine-legacy.sh; address from LFS_DOCKER_LEGACY_HOST). The same kind of checks as
 * buildkit-engine.test.ts, adapted to what 0.8 can do, and the clear errors for what it cannot.
 * These tests FAIL, never skip, when that engine does not answer.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";

import { connect, SolveError, UnsupportedFeatureError, type BuildEvent, type BuildKitClient } from "../../src/buildkit/index.js";
import { LEGACY_DOCKER_CLI, LEGACY_DOCKER_HOST, legacyDriverAddress, requireLegacyEngine, TEST_HOST_IMAGE } from "../helpers/engine.js";
import { checkAbortKillsRun, checkLargeDockerfileFailure, checkRegistryAuth } from "../helpers/driver-checks.js";
import { assertFixtureExport, makeExportFixture } from "../helpers/export-fixture.js";
import { tree } from "../helpers/tree.js";

const run = promisify(execFile);
const HOST_IMAGE = TEST_HOST_IMAGE;
const LEGACY = /BuildKit 0\.8 in Docker 20\.10/;

/** The 20.10 CLI against the legacy engine, BuildKit on: what that engine itself produces. */
function legacyDocker(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(LEGACY_DOCKER_CLI, args, {
    env: { ...process.env, DOCKER_HOST: LEGACY_DOCKER_HOST, DOCKER_BUILDKIT: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe("BuildKit driver against Docker 20.10 (BuildKit 0.8)", { concurrency: false }, () => {
  let client: BuildKitClient;
  let base: string;
  let setupError: unknown;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "bk-legacy-"));
    try {
      requireLegacyEngine();
      client = await connect(legacyDriverAddress(), { connectTimeoutMs: 20_000 });
    } catch (err) {
      setupError = err;
    }
  });
  // No skip: with the legacy engine unreachable every test fails with that error.
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });
  after(async () => {
    await client?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it("lists workers and finds out, by trying, what the daemon can do", async () => {
    const workers = await client.workers();
    assert.ok(workers.length >= 1);
    assert.ok(workers[0]!.platforms.includes("linux/amd64"), workers[0]!.platforms.join(","));
    const caps = await client.capabilities();
    assert.match(caps.engineVersion ?? "", /^20\.10\./);
    assert.equal(caps.infoRpc, false, "BuildKit 0.8 has no Info RPC");
    assert.equal(caps.exporterList, false, "BuildKit 0.8 reads only the legacy Exporter field");
    assert.equal(caps.buildkitVersion, "0.8");
    assert.match(caps.label, LEGACY);
    assert.equal(await client.version(), undefined);
    assert.ok(Array.isArray(await client.diskUsage()));
  });

  it("builds a multi-stage Dockerfile; local and tar exports (one build each) match docker build of 20.10", async () => {
    const { ctx, dfPath } = await makeExportFixture(base, HOST_IMAGE, { namedContext: false });
    const ours = join(base, "ours");
    const oursTar = join(base, "ours.tar");
    const events: BuildEvent[] = [];
    const res = await client.solve({
      context: ctx,
      dockerfile: dfPath,
      exports: [
        { type: "local", dest: ours },
        { type: "tar", dest: oursTar },
      ],
      onEvent: (e) => events.push(e),
    });
    assert.ok(events.some((e) => e.type === "vertex-completed"));
    assert.ok(res.uploads["context"], "context uploaded");

    const theirs = join(base, "theirs");
    const theirsTar = join(base, "theirs.tar");
    await legacyDocker(["build", "--progress=plain", "-f", dfPath, "-o", `type=local,dest=${theirs}`, ctx]);
    await legacyDocker(["build", "--progress=plain", "-f", dfPath, "-o", `type=tar,dest=${theirsTar}`, ctx]);

    const b = await tree(theirs);
    // Identical except that setuid/setgid bits are dropped unless the caller opts in.
    assertFixtureExport(await tree(ours), b);

    const oursSetid = join(base, "ours-setid");
    await client.solve({ context: ctx, dockerfile: dfPath, exports: [{ type: "local", dest: oursSetid, allowSetid: true }] });
    assert.deepEqual(await tree(oursSetid), b);

    assert.ok((await readFile(oursTar)).length > 300_000);
    assert.deepEqual(await readFile(oursTar), await readFile(theirsTar));
  });

  it("refuses a named context with a clear error (the 0.8 frontend has none)", async () => {
    const ctx = join(base, "ctx-named");
    const extra = join(base, "extra-named");
    await mkdir(ctx);
    await mkdir(extra);
    await writeFile(join(extra, "e.txt"), "e\n");
    const dest = join(base, "named-out");
    await assert.rejects(
      client.solve({
        context: ctx,
        dockerfileText: "FROM scratch\nCOPY --from=extra / /extra/\n",
        namedContexts: { extra },
        exports: [{ type: "local", dest }],
      }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedFeatureError, String(e));
        assert.equal(e.feature, "named-contexts");
        assert.equal(e.code, "UNSUPPORTED");
        assert.match(e.message, LEGACY);
        assert.match(e.message, /cannot use named build contexts/);
        assert.match(e.message, /Docker >= 23 \/ BuildKit >= 0\.10/);
        assert.ok(e.cause instanceof SolveError);
        return true;
      },
    );
    await assert.rejects(lstat(dest), /ENOENT/, "nothing exported");
  });

  it("refuses a heredoc Dockerfile with a clear error", async () => {
    const ctx = join(base, "ctx-heredoc");
    await mkdir(ctx);
    await assert.rejects(
      client.solve({ context: ctx, dockerfileText: `FROM ${HOST_IMAGE}\nRUN <<'END_OF_SECTION'\nset -e\necho hi\nEND_OF_SECTION\n` }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedFeatureError, String(e));
        assert.equal(e.feature, "heredocs");
        assert.match(
          e.message,
          /^BuildKit 0\.8 in Docker 20\.10 cannot build this Dockerfile: its builtin Dockerfile frontend has no heredocs \(line 2: RUN <<'END_OF_SECTION'\)/,
        );
        assert.match(e.message, /Docker >= 23/);
        assert.match(e.message, /unknown instruction/);
        return true;
      },
    );
  });

  it("refuses noCache with several exports (one build per export would not be the same build)", async () => {
    const ctx = join(base, "ctx-nocache");
    await mkdir(ctx);
    await writeFile(join(ctx, "f"), "x");
    await assert.rejects(
      client.solve({
        context: ctx,
        dockerfileText: "FROM scratch\nCOPY f /f\n",
        noCache: true,
        exports: [
          { type: "local", dest: join(base, "nc-a") },
          { type: "tar", dest: join(base, "nc-b.tar") },
        ],
      }),
      (e: unknown) => e instanceof UnsupportedFeatureError && e.feature === "multiple-exports" && LEGACY.test(e.message),
    );
  });

  it("reports a failing RUN with its log and exit code", async () => {
    const ctx = join(base, "ctx-fail");
    await mkdir(ctx);
    const job = client.startSolve({
      context: ctx,
      dockerfileText: `FROM ${HOST_IMAGE}\nRUN echo first-line; sleep 0.3; echo 'second line' >&2; exit 3\n`,
      noCache: true,
    });
    const seen: string[] = [];
    for await (const e of job.events) seen.push(e.type);
    assert.ok(seen.includes("vertex-error") && seen.includes("log"), seen.join(","));
    await assert.rejects(job.result, (e: unknown) => {
      assert.ok(e instanceof SolveError, String(e));
      assert.equal(e.exitCode, 3);
      assert.match(e.vertex ?? "", /RUN echo first-line/);
      assert.deepEqual(e.logTail, ["first-line", "second line"]);
      assert.match(e.message, /exit code: 3/);
      assert.match(e.message, /second line/);
      return true;
    });
  });

  it("pulls from a registry that wants credentials with those of the docker config; anonymously it fails, saying why", async () => {
    await checkRegistryAuth(client, base);
  });

  it("reports a failing RUN and a parse error of a Dockerfile over 100 KiB, and builds again on the same client", async () => {
    await checkLargeDockerfileFailure(client, base, HOST_IMAGE);
  });

  it("cancels a running build on abort and leaves no process behind", async () => {
    await checkAbortKillsRun(client, base, HOST_IMAGE);
  });

  it("serves secrets and exports an image into the legacy engine", async () => {
    const ctx = join(base, "ctx-secret");
    await mkdir(ctx);
    const dest = join(base, "secret-out");
    await client.solve({
      context: ctx,
      dockerfileText: [
        `FROM ${HOST_IMAGE} AS s`,
        "RUN --mount=type=secret,id=tok mkdir /o && cat /run/secrets/tok > /o/a",
        "FROM scratch",
        "COPY --from=s /o/ /",
        "",
      ].join("\n"),
      noCache: true,
      secrets: { tok: { value: "value-secret" } },
      exports: [{ type: "local", dest }],
    });
    assert.equal(await readFile(join(dest, "a"), "utf8"), "value-secret");

    const name = `lfs-docker/driver-legacy-test:${Date.now()}`;
    await writeFile(join(ctx, "f"), "x");
    await client.solve({ context: ctx, dockerfileText: "FROM scratch\nCOPY f /f\n", exports: [{ type: "image", attrs: { name } }] });
    const { stdout } = await legacyDocker(["image", "inspect", "--format", "{{.Id}}", name]);
    assert.match(stdout, /^sha256:/);
    await legacyDocker(["image", "rm", name]);
  });

  it("lfs-docker doctor reports the legacy engine and what it cannot do", async () => {
    const main = new URL("../../src/cli/main.js", import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [main, "doctor", "--json", "--builder", legacyDriverAddress()]);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.match(String(report["engine"]), /^20\.10\./);
    assert.match(String(report["buildkit"]), /^0\.8 /);
    assert.match(String(report["daemon"]), LEGACY);
    assert.deepEqual(report["capabilities"], { exporterList: false, infoRpc: false, heredocs: false, namedContexts: false });
    assert.equal(report["canBuildGeneratedDockerfiles"], false);
    const cannot = report["cannot"] as string[];
    assert.ok(
      cannot.some((c) => /no heredocs/.test(c)),
      cannot.join("\n"),
    );
    assert.ok((report["platforms"] as string[]).includes("linux/amd64"));
  });
});
