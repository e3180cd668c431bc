/** Checks both driver suites (Docker Engine, Docker 20.10) run the same way. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

import { BuildKitError, dockerConfigCredentials, SolveError, type BuildKitClient } from "../../src/buildkit/index.js";
import { startTestRegistry } from "./registry.js";

const run = promisify(execFile);

/**
 * Starts a build whose RUN sleeps for a long, unique time, aborts it once the RUN has logged, and
 * checks the solve fails as CANCELLED and that the daemon killed the RUN's processes.
 */
export async function checkAbortKillsRun(client: BuildKitClient, base: string, hostImage: string): Promise<void> {
  const ctx = join(base, "ctx-abort");
  await mkdir(ctx);
  const secs = `${2000 + Math.floor(Math.random() * 900)}.${Math.floor(Math.random() * 1e6)}`;
  const ac = new AbortController();
  const t0 = Date.now();
  const p = client.solve({
    context: ctx,
    dockerfileText: `FROM ${hostImage}\nRUN echo started-${secs} && sleep ${secs}\n`,
    noCache: true,
    signal: ac.signal,
    onEvent: (e) => {
      if (e.type === "log" && e.data.toString().includes(`started-${secs}`)) ac.abort(new Error("test abort"));
    },
  });
  await assert.rejects(p, (e: unknown) => e instanceof BuildKitError && e.code === "CANCELLED");
  assert.ok(Date.now() - t0 < 60_000);
  // The daemon kills the RUN's processes once the Solve call is cancelled.
  let remaining = "";
  for (let i = 0; i < 40; i++) {
    const { stdout } = await run("ps", ["-eo", "pid,args"]);
    remaining = stdout
      .split("\n")
      .filter((l) => l.includes(`sleep ${secs}`))
      .join("\n");
    if (!remaining) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(remaining, "", "sleep from the cancelled build is still running");
}

/**
 * A registry on 127.0.0.1 that wants HTTP Basic credentials (./registry.ts): without credentials
 * the build fails with the registry's 401 in the message; with a docker config holding them (a
 * colon in the password), the image's file is exported.
 */
export async function checkRegistryAuth(client: BuildKitClient, base: string): Promise<void> {
  const reg = await startTestRegistry({
    username: "lfs",
    password: "s3cret:with-colon",
    name: "lfs/auth-test",
    tag: `t${Date.now()}`,
    files: { "hello.txt": "from the registry\n" },
  });
  try {
    const ctx = join(base, "ctx-auth");
    await mkdir(ctx);
    const configDir = join(base, "docker-config");
    await mkdir(configDir);
    const auth = Buffer.from("lfs:s3cret:with-colon").toString("base64");
    await writeFile(join(configDir, "config.json"), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
    const dockerfile = `FROM scratch\nCOPY --from=${reg.image} /hello.txt /hello.txt\n`;

    await assert.rejects(client.solve({ context: ctx, dockerfileText: dockerfile, registryAuth: false }), (e: unknown) => {
      assert.ok(e instanceof SolveError, String(e));
      assert.match(e.message, /401|unauthorized/i);
      return true;
    });
    assert.ok(reg.unauthorized > 0);
    assert.equal(reg.authorized, 0);

    const dest = join(base, "auth-out");
    await client.solve({
      context: ctx,
      dockerfileText: dockerfile,
      registryAuth: dockerConfigCredentials({ configDir }),
      exports: [{ type: "local", dest }],
    });
    assert.equal(await readFile(join(dest, "hello.txt"), "utf8"), "from the registry\n");
    assert.ok(reg.authorized > 0);
  } finally {
    await reg.close();
  }
}

/**
 * A failing RUN in a large Dockerfile (over 100 KiB, as the book's generated ones are): the daemon's
 * error quotes the whole file in the Solve call's trailers, more than Node's HTTP/2 can take in one
 * header field. The solve must still end with the step's failure (exit code, log), and the client
 * must still work afterwards (its next build runs on a fresh connection). Then the same for a
 * Dockerfile the frontend cannot parse: its message, not a dropped connection.
 */
export async function checkLargeDockerfileFailure(client: BuildKitClient, base: string, hostImage: string): Promise<void> {
  const ctx = join(base, "ctx-large-fail");
  await mkdir(ctx);
  const marker = `large-${Date.now()}`;
  const comments = Array.from(
    { length: 2400 },
    (_, i) => `# ${String(i).padStart(5, "0")} a line of a large generated Dockerfile, like the book's chapters`,
  ).join("\n");
  const dockerfileText = `FROM ${hostImage}\n${comments}\nRUN echo ${marker}; exit 4\n`;
  assert.ok(dockerfileText.length > 100 * 1024);
  await assert.rejects(client.solve({ context: ctx, dockerfileText, noCache: true }), (e: unknown) => {
    assert.ok(e instanceof SolveError, `a SolveError, not ${String(e)}`);
    assert.equal(e.exitCode, 4);
    assert.match(e.vertex ?? "", new RegExp(`RUN echo ${marker}`));
    assert.deepEqual(e.logTail, [marker]);
    // Not by waiting for keepalive to drop the stuck connection (80 s later).
    assert.doesNotMatch(e.message, /connection to the BuildKit daemon dropped/);
    return true;
  });
  const r = await client.solve({ context: ctx, dockerfileText: `FROM ${hostImage}\nRUN echo after-${marker}\n`, noCache: true });
  assert.ok(r.ref);

  // An error of the frontend itself (no step fails): the same large trailers, and the Status stream
  // names no failed step. The daemon's own words must reach the user (from its build record).
  const unparsable = `FROM ${hostImage}\n${comments}\nFROBNICATE ${marker}\n`;
  await assert.rejects(client.solve({ context: ctx, dockerfileText: unparsable, noCache: true }), (e: unknown) => {
    assert.ok(e instanceof SolveError, `a SolveError, not ${String(e)}`);
    assert.match(e.message, /unknown instruction: FROBNICATE/i);
    assert.match(e.message, /line 2402/);
    assert.equal(e.vertex, undefined);
    return true;
  });
  const again = await client.solve({ context: ctx, dockerfileText: `FROM ${hostImage}\nRUN echo again-${marker}\n`, noCache: true });
  assert.ok(again.ref);
}
