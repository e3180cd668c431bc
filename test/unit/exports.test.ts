/**
 * The build's exports beyond local and tar: buildx's metadata file, the OCI layout unpacked from the
 * daemon's tar (hostile entries refused), the driver's exporter names per daemon, image names for a push.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import tar from "tar-stream";

import { exporterType } from "../../src/buildkit/solve-request.js";
import { buildMetadata, decodeExporterValue, writeMetadataFile } from "../../src/exports/metadata.js";
import { layoutPath, unpackLayout } from "../../src/exports/unpack-layout.js";
import { registryHost, splitTag } from "../../src/exports/engine-image.js";
import { planExports } from "../../src/exports/plan.js";
import { OptionError } from "../../src/errors.js";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

describe("--metadata-file as buildx writes it", () => {
  it("decodes base64 JSON objects and lists, keeps other values as they are", () => {
    const descriptor = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:ab", size: 3 };
    const cases: Array<[string, string, unknown]> = [
      ["containerimage.descriptor", b64(descriptor), descriptor],
      ["containerimage.digest", "sha256:0123", "sha256:0123"],
      ["image.name", "r:5000/lfs:1", "r:5000/lfs:1"],
      ["list", b64([{ a: 1 }]), [{ a: 1 }]],
      ["empty-object", b64({}), b64({})],
      ["base64-of-text", Buffer.from("hello").toString("base64"), Buffer.from("hello").toString("base64")],
      ["result.json", '{"x":1}', { x: 1 }],
    ];
    for (const [k, v, want] of cases) assert.deepEqual(decodeExporterValue(k, v), want, k);
  });

  it("adds buildx.build.ref and what was learnt after the build; keys sorted; two-space JSON", () => {
    const m = buildMetadata({
      exporterResponse: { "containerimage.digest": "sha256:local", "image.name": "r/x:1" },
      buildRef: "default/default/abc",
      extra: { "containerimage.digest": "sha256:remote", "containerimage.config.digest": "sha256:local" },
    });
    assert.deepEqual(Object.keys(m), ["buildx.build.ref", "containerimage.config.digest", "containerimage.digest", "image.name"]);
    assert.equal(m["containerimage.digest"], "sha256:remote");
    const dir = mkdtempSync(join(tmpdir(), "lfs-meta-"));
    try {
      writeMetadataFile(join(dir, "m.json"), { exporterResponse: {}, buildRef: "b/n/r" });
      assert.equal(readFileSync(join(dir, "m.json"), "utf8"), '{\n  "buildx.build.ref": "b/n/r"\n}');
      symlinkSync("/etc/passwd", join(dir, "link.json"));
      assert.throws(() => writeMetadataFile(join(dir, "link.json"), { exporterResponse: {} }), /symbolic link/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function tarOf(entries: Array<{ name: string; type?: "file" | "directory" | "symlink"; body?: string; linkname?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on("end", () => r()));
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? "file", ...(e.linkname && { linkname: e.linkname }) }, e.body ?? "");
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function unpack(dir: string, data: Buffer): Promise<void> {
  const u = unpackLayout(dir);
  await new Promise<void>((resolve, reject) => {
    u.stream.on("error", reject);
    // Several chunks, as the session delivers them.
    for (let i = 0; i < data.length; i += 1000) u.stream.write(data.subarray(i, i + 1000));
    u.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

describe("type=oci,tar=false: the layout unpacked as it arrives", () => {
  it("writes the layout's files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lfs-oci-"));
    try {
      const big = "x".repeat(5000);
      await unpack(
        dir,
        await tarOf([
          { name: "blobs/", type: "directory" },
          { name: "blobs/sha256/", type: "directory" },
          { name: "blobs/sha256/aa", body: big },
          { name: "oci-layout", body: '{"imageLayoutVersion":"1.0.0"}' },
          { name: "index.json", body: "{}" },
        ]),
      );
      assert.deepEqual(readdirSync(dir).sort(), ["blobs", "index.json", "oci-layout"]);
      assert.equal(readFileSync(join(dir, "blobs/sha256/aa"), "utf8"), big);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses entries outside the directory, links and files written twice", async () => {
    const cases: Array<[Parameters<typeof tarOf>[0], RegExp]> = [
      [[{ name: "../escape" }], /outside its directory/],
      [[{ name: "/etc/x" }], /outside its directory/],
      [[{ name: "blobs/../../x" }], /outside its directory/],
      [[{ name: "index.json", type: "symlink", linkname: "/etc/passwd" }], /symlink entry/],
      [[{ name: "a" }, { name: "a" }], /EEXIST/],
    ];
    for (const [entries, msg] of cases) {
      const dir = mkdtempSync(join(tmpdir(), "lfs-oci-"));
      try {
        await assert.rejects(unpack(dir, await tarOf(entries)), msg, JSON.stringify(entries));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    assert.equal(layoutPath("./blobs/sha256/x"), "blobs/sha256/x");
  });
});

describe("exporters per daemon", () => {
  it("Docker Engine stores images with moby; a docker tar with dest stays docker", () => {
    const cases: Array<[Parameters<typeof exporterType>[0], boolean, string]> = [
      [{ type: "image" }, true, "moby"],
      [{ type: "docker" }, true, "moby"],
      [{ type: "docker", dest: "x.tar" }, true, "docker"],
      [{ type: "oci", dest: "x.tar" }, true, "oci"],
      [{ type: "image" }, false, "image"],
      [{ type: "docker", dest: "x.tar" }, false, "docker"],
    ];
    for (const [spec, engine, want] of cases) assert.equal(exporterType(spec, engine), want, JSON.stringify([spec, engine]));
  });

  it("plans exports for each output, refusing existing files up front", () => {
    const dir = mkdtempSync(join(tmpdir(), "lfs-plan-"));
    try {
      const ctx = {
        dockerEngine: true,
        engine: () => {
          throw new Error("no engine needed");
        },
        force: false,
        stdoutIsTTY: false,
      };
      const plan = planExports(
        [
          { type: "oci", dest: join(dir, "o.tar"), tar: true, name: "r/x:1" },
          { type: "docker", dest: join(dir, "d.tar") },
          { type: "docker", name: "lfs:1" },
          { type: "image", name: "r:5000/x:1", push: true },
          { type: "oci", dest: join(dir, "layout"), tar: false },
        ],
        ctx,
      );
      assert.deepEqual(
        plan.exports.map((e) => [e.type, e.attrs]),
        [
          ["oci", { name: "r/x:1" }],
          ["docker", {}],
          ["docker", { name: "lfs:1" }],
          ["image", { name: "r:5000/x:1", push: "true" }],
          ["oci", {}],
        ],
      );
      assert.equal(readdirSync(dir).filter((n) => n.startsWith(".layout.partial-")).length, 1, "the layout is staged beside its place");
      plan.abort();
      assert.deepEqual(readdirSync(dir), [], "abort leaves nothing");

      writeFileSync(join(dir, "o.tar"), "mine");
      mkdirSync(join(dir, "full"));
      writeFileSync(join(dir, "full", "f"), "mine");
      for (const [spec, msg] of [
        [{ type: "oci", dest: join(dir, "o.tar"), tar: true }, /exists/],
        [{ type: "oci", dest: join(dir, "full"), tar: false }, /not empty/],
        [{ type: "oci", dest: join(dir, "o.tar"), tar: false }, /exists and is not a directory/],
        [{ type: "docker", dest: "-" }, /not a terminal/],
      ] as const) {
        assert.throws(
          () => planExports([spec], { ...ctx, stdoutIsTTY: true }),
          (e: unknown) => e instanceof OptionError && msg.test(e.message),
          JSON.stringify(spec),
        );
      }
      assert.equal(readFileSync(join(dir, "o.tar"), "utf8"), "mine");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("splits names for the engine's push as the docker CLI does", () => {
    assert.deepEqual(splitTag("127.0.0.1:5000/lfs/iso:12.3"), { repository: "127.0.0.1:5000/lfs/iso", tag: "12.3" });
    assert.deepEqual(splitTag("127.0.0.1:5000/lfs"), { repository: "127.0.0.1:5000/lfs", tag: "latest" });
    assert.throws(() => splitTag("r/x@sha256:00"), /digest/);
    assert.deepEqual(["127.0.0.1:5000/x", "localhost/x", "ghcr.io/a/b", "team/x", "x"].map(registryHost), [
      "127.0.0.1:5000",
      "localhost",
      "ghcr.io",
      "docker.io",
      "docker.io",
    ]);
  });
});
