/**
 * Cache entries of a solve: resolved before it (paths, stores, the local import's digest), finished
 * after it (index.json), and what reaches the SolveRequest; Docker Engine's image store read from
 * GET /info; the daemon's refusal of a cache exporter explained.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { finishCacheExports, resolveCache } from "../../src/buildkit/cache.js";
import { exportsNeedingStore, imageStoreFromInfo } from "../../src/buildkit/cache-export-support.js";
import { explainUnsupported } from "../../src/buildkit/capabilities.js";
import { BuildKitError, SolveError, UnsupportedFeatureError } from "../../src/buildkit/errors.js";
import { buildSolveRequest, localLayout } from "../../src/buildkit/solve-request.js";

const base = mkdtempSync(join(tmpdir(), "cache-"));
after(() => rmSync(base, { recursive: true, force: true }));
const sha = (s: string): string => `sha256:${createHash("sha256").update(s).digest("hex")}`;

/** An earlier cache: one manifest blob, tagged `tag`. */
function layout(dir: string, tag = "latest"): string {
  const manifest = '{"schemaVersion":2}';
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "blobs", "sha256", sha(manifest).slice(7)), manifest);
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const desc = {
    mediaType: "application/vnd.oci.image.index.v1+json",
    digest: sha(manifest),
    size: manifest.length,
    annotations: { "org.opencontainers.image.ref.name": tag },
  };
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [desc] }));
  return sha(manifest);
}

describe("cache entries of a solve", () => {
  it("a local import names the tagged manifest by digest; one with no cache yet is skipped with a warning", async () => {
    const digest = layout(join(base, "c1"));
    layout(join(base, "c2"), "x86");
    const r = await resolveCache({
      cacheImports: [
        { type: "local", attrs: { src: join(base, "c1") } },
        { type: "local", attrs: { src: join(base, "c2"), tag: "x86" } },
        { type: "local", attrs: { src: join(base, "none") } },
        { type: "local", attrs: { src: join(base, "c2") } },
        { type: "registry", attrs: { ref: "r/c:1" } },
      ],
    });
    assert.deepEqual(r.imports, [
      { type: "local", attrs: { src: join(base, "c1"), digest } },
      { type: "local", attrs: { src: join(base, "c2"), tag: "x86", digest } },
      { type: "registry", attrs: { ref: "r/c:1" } },
    ]);
    assert.deepEqual([...r.stores.keys()], [`local:${join(base, "c1")}`, `local:${join(base, "c2")}`]);
    assert.ok(
      [...r.stores.values()].every((s) => !s.writable),
      "cache sources are read only",
    );
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /none skipped: no cache there yet \(no index\.json\)/);
    assert.match(r.warnings[1]!, /c2 skipped: its index\.json has no cache tagged "latest"/);
  });

  it("a local export gets an absolute path and a writable store; the same directory as source is one store", async () => {
    layout(join(base, "c3"));
    const r = await resolveCache({
      cacheExports: [{ type: "local", attrs: { dest: join(base, "c3"), mode: "max" } }, { type: "inline" }],
      cacheImports: [{ type: "local", attrs: { src: join(base, "c3") } }],
    });
    assert.deepEqual(r.exports, [
      { type: "local", attrs: { dest: join(base, "c3"), mode: "max" } },
      { type: "inline", attrs: {} },
    ]);
    assert.equal(r.stores.size, 1);
    assert.equal(r.stores.get(`local:${join(base, "c3")}`)!.writable, true);
    assert.deepEqual(r.indexes, [{ dir: join(base, "c3"), tag: "latest" }]);
  });

  it("a local export never goes into a directory of other files, a file or a link", async () => {
    mkdirSync(join(base, "mine"));
    writeFileSync(join(base, "mine", "notes.txt"), "mine");
    writeFileSync(join(base, "file"), "x");
    symlinkSync(join(base, "c3"), join(base, "link"));
    for (const [dest, why] of [
      ["mine", /holds other files, not an OCI layout/],
      ["file", /is not a directory/],
      ["link", /is a symbolic link/],
    ] as const) {
      await assert.rejects(
        resolveCache({ cacheExports: [{ type: "local", attrs: { dest: join(base, dest) } }] }),
        (e: unknown) => e instanceof BuildKitError && e.code === "INVALID_OPTIONS" && why.test(e.message),
        dest,
      );
    }
    await assert.rejects(resolveCache({ cacheExports: [{ type: "registry", attrs: {} }] }), /ref is required/);
  });

  it("after the build, index.json tags the exported manifest; other tags are kept", async () => {
    const dir = join(base, "c4");
    layout(dir, "aarch64");
    const manifest = '{"schemaVersion":2,"manifests":[]}';
    writeFileSync(join(dir, "blobs", "sha256", sha(manifest).slice(7)), manifest);
    const r = await resolveCache({ cacheExports: [{ type: "local", attrs: { dest: dir } }] });
    const desc = { mediaType: "application/vnd.oci.image.index.v1+json", digest: sha(manifest), size: manifest.length };
    await finishCacheExports(r, { "cache.manifest": JSON.stringify(desc) });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(
      index.manifests.map((m) => [m.annotations["org.opencontainers.image.ref.name"], m.digest]),
      [
        ["aarch64", sha('{"schemaVersion":2}')],
        ["latest", sha(manifest)],
      ],
    );
    await assert.rejects(finishCacheExports(r, {}), /reported no cache manifest/);
    await assert.rejects(finishCacheExports(r, { "cache.manifest": JSON.stringify({ ...desc, digest: sha("absent") }) }), /not found/);
  });

  it("reach the SolveRequest as Cache.Exports and Cache.Imports, and the frontend as cache-imports", () => {
    const opts = {
      context: "/c",
      cacheExports: [{ type: "local", attrs: { dest: "/cache", mode: "max" } }],
      cacheImports: [{ type: "registry", attrs: { ref: "r/c:1" } }],
    };
    const req = buildSolveRequest(opts, localLayout(opts), { ref: "r", session: "s" });
    assert.deepEqual(req.Cache, {
      Exports: [{ Type: "local", Attrs: { dest: "/cache", mode: "max" } }],
      Imports: [{ Type: "registry", Attrs: { ref: "r/c:1" } }],
    });
    assert.equal(req.FrontendAttrs["cache-imports"], '[{"Type":"registry","Attrs":{"ref":"r/c:1"}}]');
  });
});

describe("Docker Engine's cache export", () => {
  it("the image store from GET /info", () => {
    assert.deepEqual(
      imageStoreFromInfo({
        Driver: "overlay2",
        DriverStatus: [
          ["Backing Filesystem", "extfs"],
          ["Supports d_type", "true"],
        ],
      }),
      { driver: "overlay2", containerd: false },
    );
    assert.deepEqual(imageStoreFromInfo({ Driver: "overlayfs", DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] }), {
      driver: "overlayfs",
      containerd: true,
    });
    assert.deepEqual(imageStoreFromInfo({}), { driver: "", containerd: false });
  });

  it("inline needs no exporter of its own", () => {
    assert.deepEqual(exportsNeedingStore([{ type: "inline" }]), []);
    assert.deepEqual(exportsNeedingStore([{ type: "local" }, { type: "registry" }, { type: "local" }]), ["local", "registry"]);
  });

  it("the daemon's refusal is explained with the fix", () => {
    const err = new SolveError('failed to solve: unknown cache exporter: "local"', { details: 'unknown cache exporter: "local"' });
    const e = explainUnsupported(err, { label: "Docker Engine 26.1.5" });
    assert.ok(e instanceof UnsupportedFeatureError);
    assert.equal(e.feature, "cache-export");
    assert.match(e.message, /docker-container builder|--driver docker-container/);
    assert.match(e.message, /containerd-snapshotter/);
    assert.match(e.message, /The daemon said: unknown cache exporter: "local"/);
  });
});
