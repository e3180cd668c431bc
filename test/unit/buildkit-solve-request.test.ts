import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";

import { BuildKitError } from "../../src/buildkit/errors.js";
import { buildSolveRequest, frontendAttrs, localLayout, validateExports } from "../../src/buildkit/solve-request.js";

describe("solve request", () => {
  it("serves context, dockerfile dir and named contexts as locals", () => {
    const l = localLayout({ context: "ctx", dockerfile: "build/My.Dockerfile", namedContexts: { src: "/srv/src", img: "docker-image://alpine" } });
    assert.deepEqual(l.localDirs, { context: resolve("ctx"), dockerfile: resolve("build"), src: "/srv/src" });
    assert.equal(l.filename, "My.Dockerfile");
    assert.deepEqual(localLayout({ context: "/c" }).localDirs, { context: "/c", dockerfile: "/c" });
    assert.deepEqual(localLayout({ context: "/c", dockerfileText: "FROM scratch" }, "/tmp/df").localDirs, { context: "/c", dockerfile: "/tmp/df" });
    assert.throws(() => localLayout({ context: "/c", namedContexts: { context: "/x" } }), BuildKitError);
  });

  it("maps options to dockerfile.v0 frontend attributes", () => {
    const opts = {
      context: "/c",
      target: "final",
      platforms: ["linux/amd64", "linux/arm64"],
      buildArgs: { A: "1" },
      labels: { l: "v" },
      noCache: true,
      namedContexts: { src: "/srv/src", base: "docker-image://debian:bookworm", t: "target:other" },
      cacheImports: [{ type: "local", attrs: { src: "/cache" } }],
    };
    assert.deepEqual(frontendAttrs(opts, localLayout(opts)), {
      filename: "Dockerfile",
      target: "final",
      platform: "linux/amd64,linux/arm64",
      "build-arg:A": "1",
      "label:l": "v",
      "no-cache": "",
      "context:src": "local:src",
      "context:base": "docker-image://debian:bookworm",
      "context:t": "target:other",
      "cache-imports": '[{"Type":"local","Attrs":{"src":"/cache"}}]',
    });
    assert.equal(frontendAttrs({ context: "/c", noCache: ["a", "b"] }, localLayout({ context: "/c" }))["no-cache"], "a,b");
  });

  it("sends the exporter list (13) and the first exporter as legacy fields (3/4)", () => {
    const opts = {
      context: "/c",
      exports: [
        { type: "local" as const, dest: "/out", attrs: { "platform-split": "false" } },
        { type: "tar" as const, dest: "/out.tar" },
      ],
      cacheExports: [{ type: "inline" }],
      entitlements: ["network.host"],
    };
    const req = buildSolveRequest(opts, localLayout(opts), { ref: "r1", session: "s1" });
    assert.equal(req.Ref, "r1");
    assert.equal(req.Session, "s1");
    assert.equal(req.Frontend, "dockerfile.v0");
    assert.deepEqual(req.Exporters, [
      { Type: "local", Attrs: { "platform-split": "false" } },
      { Type: "tar", Attrs: {} },
    ]);
    assert.equal(req.Exporter, "local");
    assert.deepEqual(req.ExporterAttrs, { "platform-split": "false" });
    assert.deepEqual(req.Cache, { Exports: [{ Type: "inline", Attrs: {} }], Imports: [] });
    assert.deepEqual(req.Entitlements, ["network.host"]);
  });

  it("uses the engine image exporter (moby) on Docker Engine", () => {
    const opts = { context: "/c", exports: [{ type: "image", attrs: { name: "x:y" } }] };
    assert.equal(buildSolveRequest(opts, localLayout(opts), { ref: "r", session: "s" }, true).Exporter, "moby");
    assert.equal(buildSolveRequest(opts, localLayout(opts), { ref: "r", session: "s" }, false).Exporter, "image");
  });

  it("validates exports up front", () => {
    assert.throws(() => validateExports([{ type: "local", dest: "" }]), /local.*dest/);
    assert.throws(() => validateExports([{ type: "tar" } as never]), /tar.*dest/);
    assert.doesNotThrow(() => validateExports([{ type: "image", attrs: { name: "a" } }]));
  });
});
