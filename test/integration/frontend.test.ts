import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readdirSync, lstatSync, readlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { committedDockerfiles } from "../../src/render/bake.js";
import { generate } from "../../src/render/dockerfile.js";
import { packageRoot } from "../../src/paths.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE, TEST_ISO_IMAGE } from "../helpers/engine.js";

const root = packageRoot();
const imageArgs = ["--build-arg", `HOST_IMAGE=${TEST_HOST_IMAGE}`, "--build-arg", `ISO_IMAGE=${TEST_ISO_IMAGE}`];

before(() => {
  requireEngine();
  requireImage(TEST_HOST_IMAGE);
  requireImage(TEST_ISO_IMAGE);
});

test("the engine's builtin Dockerfile frontend parses every committed Dockerfile, every stage", async () => {
  const expected = ["sources-download", "sources-verify", "sources", "host", "toolchain", "kernel", "system", "iso-builder", "iso"];
  for (const f of committedDockerfiles()) {
    const targets = await run("docker", ["buildx", "build", "--print=targets", "-f", f.path, "."], {
      cwd: root,
      env: { BUILDX_EXPERIMENTAL: "1" },
      timeoutMs: 120_000,
    });
    assert.equal(targets.code, 0, `${f.path}: ${targets.stderr}`);
    const names = targets.stdout
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean);
    assert.deepEqual(names, expected, f.path);
    assert.match(targets.stdout, /^iso \(default\)/m, "the ISO stage is the default target");

    // The outline request converts the target's whole graph (every stage it depends on, with every
    // instruction's flags and mounts) and resolves the base images: a malformed instruction fails it.
    const outline = await run("docker", ["buildx", "build", "--print=outline", "--target", "iso", ...imageArgs, "-f", f.path, "."], {
      cwd: root,
      env: { BUILDX_EXPERIMENTAL: "1" },
      timeoutMs: 180_000,
    });
    assert.equal(outline.code, 0, `${f.path}: ${outline.stderr}`);
    assert.match(outline.stdout, /HOST_IMAGE/, "the outline lists the build arguments");
  }
});

test("the outline check does fail on a malformed Dockerfile (so the test above can fail)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-frontend-"));
  const good = generate({ hostImage: TEST_HOST_IMAGE, isoImage: TEST_ISO_IMAGE });
  writeFileSync(join(dir, "Dockerfile"), good.replace("--mount=type=tmpfs,target=/sources", "--mount=type=bogus,target=/sources"));
  const r = await run("docker", ["buildx", "build", "--print=outline", "--target", "iso", "."], {
    cwd: dir,
    env: { BUILDX_EXPERIMENTAL: "1" },
    timeoutMs: 120_000,
  });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bogus/);
});

test("the engine runs the host stage's first sections (2.2 to 4.4) as generated", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-frontend-"));
  const df = generate({ until: "4.4", hostImage: TEST_HOST_IMAGE }) + "\nFROM scratch AS probe\nCOPY --from=host /mnt/lfs /lfs\n";
  writeFileSync(join(dir, "Dockerfile"), df);
  const out = join(dir, "out");
  const r = await run("docker", ["buildx", "build", "--progress=plain", "--no-cache", "--target", "probe", "-o", `type=local,dest=${out}`, "."], {
    cwd: dir,
    timeoutMs: 600_000,
  });
  assert.equal(r.code, 0, r.stderr.slice(-4000));
  assert.match(r.stderr, /created directory '\/mnt\/lfs\/tools'/, "4.2 ran");
  assert.match(r.stderr, /changed ownership of '\/mnt\/lfs\/tools' from root to lfs/, "4.3 ran");
  const lfs = join(out, "lfs");
  assert.deepEqual(readdirSync(lfs).sort(), ["bin", "etc", "lib", "lib64", "sbin", "sources", "tools", "usr", "var"]);
  for (const l of ["bin", "lib", "sbin"]) {
    assert.ok(lstatSync(join(lfs, l)).isSymbolicLink(), `${l} is a symlink`);
    assert.equal(readlinkSync(join(lfs, l)), `usr/${l}`);
  }
  assert.ok(existsSync(join(lfs, "usr", "bin")));
});
