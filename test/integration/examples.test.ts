/**
 * The examples in examples/ run as documented, against the real engine: what a reader copies must work.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { supportedArchs } from "../../src/index.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE } from "../helpers/engine.js";

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

describe("examples", { concurrency: false }, () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "lfs-docker-examples-"));
  });
  after(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it("generate-all writes a Dockerfile per architecture and edition", async () => {
    const out = join(base, "generated");
    const r = await run(process.execPath, [example("generate-all.js"), out]);
    assert.equal(r.code, 0, r.stderr);
    const files = (await readdir(out)).sort();
    assert.deepEqual(
      files,
      supportedArchs()
        .flatMap((a) => [`Dockerfile.${a}-systemd`, `Dockerfile.${a}-sysv`])
        .sort(),
    );
    assert.match(await readFile(join(out, "Dockerfile.x86_64-sysv"), "utf8"), /lfs-box/);
  });

  it("solve-events builds with the driver, prints each step as it ends and exports; a failing step exits 1 with its log", async () => {
    requireEngine();
    requireImage(TEST_HOST_IMAGE);
    const ctx = join(base, "ctx");
    await mkdir(ctx);
    const marker = `example-${Date.now()}`;
    await writeFile(join(ctx, "input.txt"), `${marker}\n`);
    await writeFile(
      join(ctx, "Dockerfile"),
      `FROM ${TEST_HOST_IMAGE} AS work\nCOPY input.txt /in.txt\nRUN tr a-z A-Z < /in.txt > /out.txt\nFROM scratch\nCOPY --from=work /out.txt /\n`,
    );
    const out = join(base, "out");
    const ok = await run(process.execPath, [example("solve-events.js"), ctx, out], { timeoutMs: 300_000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^done +\d+\.\d s {2}\[work 3\/3\] RUN tr a-z A-Z/m);
    assert.match(ok.stdout, /^exported to /m);
    assert.equal(await readFile(join(out, "out.txt"), "utf8"), `${marker.toUpperCase()}\n`);

    await writeFile(join(ctx, "Dockerfile.fail"), `FROM ${TEST_HOST_IMAGE}\nRUN echo ${marker}-log; exit 3\n`);
    const bad = await run(process.execPath, [example("solve-events.js"), ctx, join(base, "out-fail"), join(ctx, "Dockerfile.fail")], { timeoutMs: 300_000 });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^FAILED +\[2\/2\] RUN echo/m);
    assert.match(bad.stderr, /build failed at \[2\/2\] RUN echo .*, exit code 3/);
    assert.match(bad.stderr, new RegExp(`^  \\| ${marker}-log$`, "m"));
  });
});
