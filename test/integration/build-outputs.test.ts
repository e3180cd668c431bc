/**
 * build()'s outputs as buildx spells them, against the real engine and Debian's real registry, on the
 * cheapest target there is: the `sources` stage replaced by a named context holding one small file
 * (a few seconds). --load and its metadata file next to buildx's own for the same kind of build; --push
 * through the CLI to docker-registry, the digest checked in the registry; type=oci refused clearly by
 * an engine without the containerd image store, leaving nothing behind.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { build } from "../../src/build.js";
import { UnsupportedFeatureError } from "../../src/buildkit/errors.js";
import { packageRoot } from "../../src/paths.js";
import { startDockerRegistry, type DockerRegistry } from "../helpers/docker-registry.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE } from "../helpers/engine.js";

describe("build outputs: --load, --push, --metadata-file, type=oci", { concurrency: false }, () => {
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const loaded = `lfs-it/sources:${id}`;
  let dir: string;
  let sources: string;
  let registry: DockerRegistry;
  const images: string[] = [loaded];
  // The smallest build: the sources stage is the named context, one file.
  const tiny = () => ({ until: "4.3", hostImage: TEST_HOST_IMAGE, target: "sources", sources, verifySources: false, progress: "quiet" as const });

  before(async () => {
    requireEngine();
    requireImage(TEST_HOST_IMAGE);
    dir = mkdtempSync(join(tmpdir(), "lfs-outputs-"));
    sources = join(dir, "sources");
    mkdirSync(sources);
    writeFileSync(join(sources, "tiny.txt"), `lfs-docker ${id}\n`);
    registry = await startDockerRegistry();
  });
  after(async () => {
    for (const i of images) await run("docker", ["image", "rm", i]);
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("--load puts the image into the engine; --metadata-file has buildx's keys for it", async () => {
    const meta = join(dir, "load.json");
    const r = await build({ ...tiny(), load: true, tags: [loaded], metadataFile: meta });
    assert.deepEqual(r.images, [loaded]);
    const inspected = await run("docker", ["image", "inspect", "--format", "{{.Id}}", loaded]);
    assert.equal(inspected.code, 0, inspected.stderr);
    const ours = JSON.parse(readFileSync(meta, "utf8")) as Record<string, string>;
    assert.match(ours["buildx.build.ref"]!, /^default\/default\/[0-9a-f]{24}$/);
    assert.equal(ours["containerimage.config.digest"], inspected.stdout.trim());
    assert.equal(ours["image.name"], `docker.io/${loaded}`);

    // buildx's own metadata file for a build of the same kind (an image loaded into the engine).
    const ctx = join(dir, "bx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY . /\n");
    const bxTag = `lfs-it/buildx:${id}`;
    images.push(bxTag);
    const bx = await run("docker", [
      "buildx",
      "build",
      "--builder",
      "default",
      "--progress=quiet",
      "--load",
      "-t",
      bxTag,
      "--metadata-file",
      join(dir, "bx.json"),
      ctx,
    ]);
    assert.equal(bx.code, 0, bx.stderr);
    const theirs = JSON.parse(readFileSync(join(dir, "bx.json"), "utf8")) as Record<string, string>;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
  });

  it("--push (the CLI) sends it to the registry; the metadata's digest is the registry's", async () => {
    const name = `${registry.host}/lfs-it/sources`;
    images.push(`${name}:1`);
    const meta = join(dir, "push.json");
    const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
    const r = spawnSync(
      process.execPath,
      [
        bin,
        "build",
        "--until",
        "4.3",
        "--host-image",
        TEST_HOST_IMAGE,
        "--target",
        "sources",
        "--sources",
        sources,
        "--no-verify-sources",
        "--progress",
        "quiet",
        "--push",
        "-t",
        `${name}:1`,
        "--metadata-file",
        meta,
        "--platform",
        "linux/amd64",
      ],
      { encoding: "utf8", cwd: dir },
    );
    assert.equal(r.status, 0, r.stderr);
    const digest = await registry.manifestDigest("lfs-it/sources", "1");
    assert.match(digest ?? "", /^sha256:[0-9a-f]{64}$/);
    const m = JSON.parse(readFileSync(meta, "utf8")) as Record<string, string>;
    assert.equal(m["containerimage.digest"], digest, "the registry's digest, as buildx writes it after a push through the engine");
    assert.match(m["containerimage.config.digest"]!, /^sha256:/);
    assert.equal(r.stdout, `${name}:1@${digest}\n${meta}\n`);
    // Nothing written into the working directory but the metadata file: no default ./out with --push.
    assert.deepEqual(
      readdirSync(dir).filter((n) => n === "out"),
      [],
    );
  });

  it("type=oci on an engine without the containerd image store: a clear error, nothing left", async () => {
    const file = join(dir, "lfs.oci.tar");
    const layout = join(dir, "layout");
    for (const output of [`type=oci,dest=${file}`, `type=oci,tar=false,dest=${layout}`]) {
      await assert.rejects(
        build({ ...tiny(), output }),
        (e: unknown) => e instanceof UnsupportedFeatureError && /containerd image store/.test(e.message) && /exporter "oci" could not be found/.test(e.message),
        output,
      );
    }
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes("oci") || n.includes("layout")),
      [],
      "no file, no staging directory",
    );
  });
});
