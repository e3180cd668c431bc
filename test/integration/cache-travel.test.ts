/**
 * A cache that travels: what one engine built is taken from the cache by another that has none.
 *
 * A second engine of the test's own (Docker 26 with the containerd image store, the kind whose BuildKit
 * exports caches: test/helpers/snapshotter-engine.ts) builds a small Dockerfile through lfs-docker's
 * driver: a RUN step that writes a random value. Its cache goes out with `--cache-to`, the engine's
 * build cache is pruned (that engine only), and the same build with `--cache-from` must report the RUN
 * step as cached and give back the first run's value, which only the exported cache holds:
 * - `type=local`: an OCI layout written by lfs-docker's session (index.json, oci-layout, blobs/sha256)
 *   and read back through it;
 * - `type=registry`: Debian's docker-registry on 127.0.0.1 (in the engine's network namespace).
 * - `type=oci` outputs (a tar, and a layout with tar=false), checked blob by blob.
 * And the machine's own engine (classic image store, overlay2) refuses `lfs-docker build --cache-to`
 * before anything is built, naming the fix.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../src/build.js";
import { connect, type BuildKitClient } from "../../src/buildkit/index.js";
import type { CacheEntry } from "../../src/buildkit/types.js";
import { parseCacheSpec } from "../../src/cache-spec.js";
import { packageRoot } from "../../src/paths.js";
import { requireEngine, requireImage, run, TEST_HOST_IMAGE, TEST_ISO_IMAGE } from "../helpers/engine.js";
import { startSnapshotterEngine, type SnapshotterEngine } from "../helpers/snapshotter-engine.js";
import { startDockerRegistry, type DockerRegistry } from "../helpers/docker-registry.js";

const DOCKERFILE = `FROM scratch AS base
COPY busybox /bin/busybox
FROM base
RUN --network=none ["/bin/busybox", "sh", "-c", "/bin/busybox cat /proc/sys/kernel/random/uuid > /stamp && /bin/busybox sleep 1"]
`;

let work: string;
let engine: SnapshotterEngine | undefined;
let registry: DockerRegistry | undefined;
let client: BuildKitClient | undefined;
const timings: string[] = [];

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

before(async () => {
  requireEngine();
  requireImage(TEST_ISO_IMAGE);
  work = mkdtempSync(join(tmpdir(), "lfs-docker-cache-travel-"));
  // A static busybox (from the ISO tools image) is the whole base: a real RUN step, built in seconds.
  mkdirSync(join(work, "context"));
  const ctr = spawnSync("docker", ["create", TEST_ISO_IMAGE, "true"], { encoding: "utf8" });
  assert.equal(ctr.status, 0, ctr.stderr);
  const cp = spawnSync("docker", ["cp", `${ctr.stdout.trim()}:/bin/busybox`, join(work, "context", "busybox")], { encoding: "utf8" });
  spawnSync("docker", ["rm", ctr.stdout.trim()]);
  assert.equal(cp.status, 0, cp.stderr);
  engine = await timed("second engine up", () => startSnapshotterEngine());
  registry = await timed("registry up", () => startDockerRegistry({ netnsOf: engine!.pid }));
  client = await connect(engine.address);
});

after(async () => {
  await client?.close();
  await registry?.stop();
  await engine?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`# cache-travel timings: ${timings.join(", ")}`);
});

/** One build on the second engine; the RUN step's state and the value it wrote. */
async function buildOnce(name: string, cache: { cacheTo?: string; cacheFrom?: string }): Promise<{ runCached: boolean; stamp: string; warnings: string[] }> {
  const out = join(work, `out-${name}`);
  const states = new Map<string, boolean>();
  const warnings: string[] = [];
  await timed(`build ${name}`, () =>
    client!.solve({
      context: join(work, "context"),
      dockerfileText: DOCKERFILE,
      exports: [{ type: "local", dest: out }],
      ...(cache.cacheTo !== undefined && { cacheExports: [parseCacheSpec("--cache-to", cache.cacheTo)] as CacheEntry[] }),
      ...(cache.cacheFrom !== undefined && { cacheImports: [parseCacheSpec("--cache-from", cache.cacheFrom)] as CacheEntry[] }),
      onWarning: (m) => warnings.push(m),
      onEvent: (e) => {
        if ((e.type !== "vertex-cached" && e.type !== "vertex-completed") || !e.vertex.name.includes("RUN --network=none")) return;
        if (e.type === "vertex-cached") states.set(e.vertex.digest, true);
        else if (e.type === "vertex-completed" && !states.get(e.vertex.digest)) states.set(e.vertex.digest, false);
      },
    }),
  );
  assert.equal(states.size, 1, `one RUN step seen in ${name}`);
  return { runCached: [...states.values()][0]!, stamp: readFileSync(join(out, "stamp"), "utf8").trim(), warnings };
}

/** Empties the second engine's build cache (that engine only), and checks that it is empty. */
async function pruneEngine2(): Promise<void> {
  await timed("prune", () => client!.prune({ all: true }));
  assert.deepEqual(await client!.diskUsage(), [], "the second engine's build cache is empty");
}

test("type=local: an OCI layout written by the session makes the RUN step cached on an engine with an empty cache", async () => {
  const dir = join(work, "cache");
  const first = await buildOnce("local-1", { cacheTo: `type=local,dest=${dir}`, cacheFrom: `type=local,src=${dir}` });
  assert.equal(first.runCached, false, "the first build runs the step");
  assert.match(first.warnings.join("\n"), /skipped: no cache there yet/, "a cache source with no cache yet is a warning, not a failure");
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: Array<{ digest: string; size: number; annotations: Record<string, string> }>;
  };
  assert.equal(index.manifests.length, 1);
  const m = index.manifests[0]!;
  assert.equal(m.annotations["org.opencontainers.image.ref.name"], "latest");
  const blobs = readdirSync(join(dir, "blobs", "sha256"));
  assert.ok(blobs.includes(m.digest.slice("sha256:".length)), "the manifest is a blob of the layout");
  assert.equal(statSync(join(dir, "blobs", "sha256", m.digest.slice(7))).size, m.size);
  assert.ok(blobs.length >= 4, `the manifest, its config and the two layers (${blobs.length} blobs)`);
  assert.ok(!existsSync(join(dir, "ingest")), "no partial writes left");

  await pruneEngine2();
  const second = await buildOnce("local-2", { cacheFrom: `type=local,src=${dir}` });
  assert.equal(second.runCached, true, "the RUN step comes from the imported cache");
  assert.equal(second.stamp, first.stamp, "with the first build's result, which only the exported cache held");
  assert.deepEqual(second.warnings, []);
});

test("type=registry: the cache pushed to Debian's docker-registry makes the RUN step cached on an engine with an empty cache", async () => {
  const ref = `${registry!.host}/lfs-docker/cache:travel`;
  await pruneEngine2();
  const first = await buildOnce("registry-1", { cacheTo: `type=registry,ref=${ref}` });
  assert.equal(first.runCached, false, "the first build runs the step");
  assert.ok(existsSync(join(registry!.storage, "docker", "registry", "v2", "repositories", "lfs-docker", "cache")), "the registry holds the cache");
  await pruneEngine2();
  const second = await buildOnce("registry-2", { cacheFrom: ref });
  assert.equal(second.runCached, true, "the RUN step comes from the registry's cache");
  assert.equal(second.stamp, first.stamp, "with the first build's result");
});

test("the engine's own BuildKit with the classic image store: --cache-to is refused before anything is built, naming the fix", async () => {
  const info = spawnSync("docker", ["info", "--format", "{{.Driver}} {{json .DriverStatus}}"], { encoding: "utf8" });
  assert.equal(info.status, 0, info.stderr);
  assert.doesNotMatch(info.stdout, /io\.containerd\.snapshotter\.v1/, "the machine's engine uses the classic image store (the case this test is about)");
  const dest = join(work, "never");
  const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
  const t0 = Date.now();
  const r = await run(
    process.execPath,
    [
      bin,
      "build",
      "--until",
      "4.3",
      "--host-image",
      TEST_HOST_IMAGE,
      "--target",
      "host",
      "-o",
      "type=cacheonly",
      "--progress",
      "plain",
      "--cache-to",
      `type=local,dest=${dest}`,
    ],
    { timeoutMs: 60_000 },
  );
  timings.push(`refusal ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /cannot export a build cache \(type=local\): Docker Engine's built-in BuildKit exports caches only with the containerd image store, and this engine stores images with overlay2/,
  );
  assert.match(r.stderr, /--driver docker-container/);
  assert.match(r.stderr, /"containerd-snapshotter": true/);
  assert.match(r.stderr, /Nothing was built\./);
  assert.doesNotMatch(r.stderr, /#\d+ /, "no build step started");
  assert.ok(!existsSync(dest), "nothing written");
});

test("type=oci on an engine with the containerd image store: build() writes an OCI tar and an OCI layout that hold the built file, every blob matching its digest", async () => {
  const sources = join(work, "oci-sources");
  mkdirSync(sources);
  const text = `lfs-docker oci ${Date.now()}\n`;
  writeFileSync(join(sources, "tiny.txt"), text);
  const tar = join(work, "lfs.oci.tar");
  const layout = join(work, "lfs-layout");
  // The frontend resolves the Dockerfile's base images even for a stage that needs none: a tiny local
  // image (the busybox of the context above) stands in for them in this engine, which has no network.
  const base = `lfs-it/busybox:${process.pid}`;
  const made = await run("docker", ["-H", engine!.dockerHost, "build", "-q", "-t", base, "-f", "-", join(work, "context")], {
    input: "FROM scratch\nCOPY busybox /bin/busybox\n",
  });
  assert.equal(made.code, 0, made.stderr);
  for (const output of [`type=oci,dest=${tar}`, `type=oci,tar=false,dest=${layout}`]) {
    // The smallest target: the sources stage, replaced by a named context of one file.
    await timed(`build ${output.split(",")[1]}`, () =>
      build({
        until: "4.3",
        target: "sources",
        sources,
        verifySources: false,
        hostImage: base,
        isoImage: base,
        builder: engine!.address,
        output,
        progress: "quiet",
      }),
    );
  }
  const unpacked = join(work, "oci-unpacked");
  mkdirSync(unpacked);
  const x = spawnSync("tar", ["-xf", tar, "-C", unpacked], { encoding: "utf8" });
  assert.equal(x.status, 0, x.stderr);
  for (const dir of [unpacked, layout]) {
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" }, dir);
    const blob = (digest: string) => {
      const bytes = readFileSync(join(dir, "blobs", "sha256", digest.replace(/^sha256:/, "")));
      assert.equal(`sha256:${createHash("sha256").update(bytes).digest("hex")}`, digest, `a blob of ${dir} matches its digest`);
      return bytes;
    };
    type Descriptor = { digest: string; mediaType: string };
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Descriptor[] };
    assert.equal(index.manifests.length, 1, dir);
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString("utf8")) as { config: Descriptor; layers: Descriptor[] };
    blob(manifest.config.digest);
    assert.equal(manifest.layers.length, 1, "one layer: the named context's file");
    const layerFile = join(work, `layer-${dir === layout ? "layout" : "tar"}.tar.gz`);
    writeFileSync(layerFile, blob(manifest.layers[0]!.digest));
    const listing = spawnSync("tar", ["-xzOf", layerFile, "tiny.txt"], { encoding: "utf8" });
    assert.equal(listing.status, 0, listing.stderr);
    assert.equal(listing.stdout, text, "the layer holds the built file");
  }
});
