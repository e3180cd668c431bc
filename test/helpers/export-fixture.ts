/**
 * The multi-stage build both driver suites export and compare with the engine's own CLI: a context
 * with a .dockerignore, a file made executable by COPY --chmod, files from a second source (a
 * named context, or a stage of the Dockerfile where the daemon has no named contexts), and a stage
 * that runs a container to make a symlink, a 0640 file and a setuid directory.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { TreeEntry } from "./tree.js";

export interface ExportFixture {
  ctx: string;
  /** The named context `extra` (absent when `extra` is a stage of the Dockerfile). */
  extra?: string;
  dockerfile: string;
  dfPath: string;
}

export async function makeExportFixture(base: string, hostImage: string, opts: { namedContext: boolean }): Promise<ExportFixture> {
  const ctx = join(base, "ctx");
  const extra = opts.namedContext ? join(base, "extra") : join(ctx, "extra");
  await mkdir(join(ctx, "app/sub"), { recursive: true });
  await mkdir(join(extra, "nested"), { recursive: true });
  await writeFile(join(ctx, "app/a.txt"), "hello\n");
  await writeFile(join(ctx, "app/sub/b.bin"), randomBytes(300_000));
  await writeFile(join(ctx, "app/ignored.log"), "must not be uploaded");
  await writeFile(join(ctx, "run.sh"), "#!/bin/sh\necho run\n");
  await chmod(join(ctx, "run.sh"), 0o700);
  await writeFile(join(ctx, ".dockerignore"), "**/*.log\n");
  await writeFile(join(extra, "e1.txt"), "from the second source\n");
  await writeFile(join(extra, "nested/e2.txt"), "nested\n");
  const dockerfile = [
    ...(opts.namedContext ? [] : ["FROM scratch AS extra", "COPY extra/ /"]),
    "FROM scratch AS base",
    "COPY --from=extra / /extra/",
    "COPY app/ /app/",
    "COPY --chmod=755 run.sh /bin/run.sh",
    `FROM ${hostImage} AS gen`,
    "RUN mkdir -p /out/d /out/empty && printf 'gen\\n' > /out/d/gen.txt && ln -s d/gen.txt /out/link && chmod 0640 /out/d/gen.txt && chmod 4755 /out/d",
    "FROM scratch",
    "COPY --from=base / /",
    "COPY --from=gen /out/ /gen/",
    "",
  ].join("\n");
  const dfPath = join(base, "Dockerfile");
  await writeFile(dfPath, dockerfile);
  return { ctx, ...(opts.namedContext ? { extra } : {}), dockerfile, dfPath };
}

/**
 * `ours` (exported without allowSetid) is the engine CLI's `theirs` except for the setuid/setgid
 * bits, which are dropped; and the fixture's files are where they belong.
 */
export function assertFixtureExport(ours: TreeEntry[], theirs: TreeEntry[]): void {
  assert.equal(theirs.find((e) => e.path === "gen/d")?.mode, 0o4755);
  assert.deepEqual(
    ours,
    theirs.map((e) => ({ ...e, mode: e.mode & ~0o6000 })),
  );
  assert.ok(ours.some((e) => e.path === "extra/nested/e2.txt"));
  assert.ok(!ours.some((e) => e.path.endsWith(".log")), ".dockerignore applied");
  assert.equal(ours.find((e) => e.path === "bin/run.sh")?.mode, 0o755);
  assert.equal(ours.find((e) => e.path === "gen/link")?.link, "d/gen.txt");
  assert.equal(ours.find((e) => e.path === "gen/d")?.mode, 0o755);
}
