/**
 * Builders by name: a temporary docker config directory holding files shaped as buildx 0.13 and the
 * docker CLI 26 write them (the integration test buildx-builders.test.ts has the real buildx write them).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { BuilderNotFoundError, buildxBuildRef, describeBuilder, resolveBuilder, type ResolvedBuilder } from "../../src/buildkit/builders.js";
import { endpointKeyHash } from "../../src/buildkit/buildx-store.js";
import { BuildKitError } from "../../src/buildkit/errors.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lfs-builders-"));
  const put = (rel: string, data: unknown) => {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), typeof data === "string" ? data : JSON.stringify(data));
  };
  put("config.json", { auths: {} });
  put("buildx/instances/ctr", {
    Name: "ctr",
    Driver: "docker-container",
    Nodes: [
      {
        Name: "ctr0",
        Endpoint: "unix:///var/run/docker.sock",
        Platforms: null,
        DriverOpts: null,
        Flags: ["--allow-insecure-entitlement=network.host"],
        Files: null,
      },
    ],
    Dynamic: false,
  });
  put("buildx/instances/multi", {
    Name: "multi",
    Driver: "remote",
    Nodes: [
      { Name: "multi0", Endpoint: "tcp://10.0.0.1:1234", Platforms: [{ architecture: "amd64", os: "linux" }], DriverOpts: null, Flags: null, Files: null },
      { Name: "multi1", Endpoint: "tcp://10.0.0.2:1234", Platforms: [{ architecture: "arm64", os: "linux" }], DriverOpts: null, Flags: null, Files: null },
    ],
    Dynamic: false,
  });
  put("buildx/instances/tls", {
    Name: "tls",
    Driver: "remote",
    Nodes: [
      {
        Name: "tls0",
        Endpoint: "tcp://buildkitd.example:1234",
        Platforms: null,
        DriverOpts: { cacert: "/certs/ca.pem", cert: "/certs/cert.pem", key: "/certs/key.pem" },
        Flags: null,
        Files: null,
      },
    ],
    Dynamic: false,
  });
  put("buildx/instances/sock", {
    Name: "sock",
    Driver: "remote",
    Nodes: [{ Name: "sock0", Endpoint: "unix:///run/buildkit/buildkitd.sock", Platforms: null, DriverOpts: null, Flags: null, Files: null }],
    Dynamic: false,
  });
  put("buildx/instances/badopt", {
    Name: "badopt",
    Driver: "remote",
    Nodes: [{ Name: "badopt0", Endpoint: "tcp://h:1", DriverOpts: { cacert: "relative/ca.pem" } }],
  });
  put("buildx/instances/nocacert", {
    Name: "nocacert",
    Driver: "remote",
    Nodes: [{ Name: "nocacert0", Endpoint: "tcp://h:1", DriverOpts: { cert: "/c.pem" } }],
  });
  put("buildx/instances/kube", { Name: "kube", Driver: "kubernetes", Nodes: [{ Name: "kube0", Endpoint: "kubernetes:///kube?deployment=kube0" }] });
  put("buildx/instances/onctx", {
    Name: "onctx",
    Driver: "docker-container",
    Nodes: [{ Name: "onctx0", Endpoint: "remote-engine", Platforms: null, DriverOpts: null, Flags: null, Files: null }],
  });
  put("buildx/instances/broken", '{"Name": "broken", ');
  put(`contexts/meta/${sha("remote-engine")}/meta.json`, {
    Name: "remote-engine",
    Metadata: { Description: "" },
    Endpoints: { docker: { Host: "tcp://engine.example:2376", SkipTLSVerify: false } },
  });
  put(`contexts/tls/${sha("remote-engine")}/docker/ca.pem`, "x");
  put(`contexts/tls/${sha("remote-engine")}/docker/cert.pem`, "x");
  put(`contexts/tls/${sha("remote-engine")}/docker/key.pem`, "x");
  put(`contexts/meta/${sha("other-sock")}/meta.json`, {
    Name: "other-sock",
    Metadata: {},
    Endpoints: { docker: { Host: "unix:///run/other/docker.sock", SkipTLSVerify: false } },
  });
  return dir;
}

describe("builders by name (buildx store + docker contexts)", () => {
  const dir = configDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dir, ...extra });
  const pick = (b: ResolvedBuilder) => ({ name: b.name, driver: b.driver, node: b.node, address: b.address, source: b.source });

  it("resolves each kind of builder to an address", () => {
    const cases: Array<[string, Partial<ResolvedBuilder>]> = [
      ["ctr", { name: "ctr", driver: "docker-container", node: "ctr0", address: "docker-container://buildx_buildkit_ctr0" }],
      ["CTR", { name: "ctr", driver: "docker-container", node: "ctr0" }],
      ["sock", { driver: "remote", node: "sock0", address: "unix:///run/buildkit/buildkitd.sock" }],
      ["multi", { driver: "remote", node: "multi0", address: "tcp://10.0.0.1:1234" }],
      ["default", { name: "default", driver: "docker", node: "default", address: "docker://" }],
      ["other-sock", { name: "other-sock", driver: "docker", node: "other-sock", address: "docker:///run/other/docker.sock" }],
      ["remote-engine", { name: "remote-engine", driver: "docker", address: "docker://" }],
      ["tcp://127.0.0.1:1234", { driver: "address", address: "tcp://127.0.0.1:1234" }],
      ["docker-container://mine", { driver: "address", address: "docker-container://mine" }],
    ];
    for (const [name, want] of cases) {
      const got = pick(resolveBuilder({ builder: name, env: env() }));
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${name}: ${k}`);
      assert.equal(got.source, "--builder");
    }
  });

  it("picks the node that lists the platform being built", () => {
    assert.equal(resolveBuilder({ builder: "multi", platform: "linux/arm64", env: env() }).node, "multi1");
    assert.equal(resolveBuilder({ builder: "multi", platform: "linux/amd64", env: env() }).address, "tcp://10.0.0.1:1234");
    assert.equal(resolveBuilder({ builder: "multi", platform: "linux/riscv64", env: env() }).node, "multi0");
  });

  it("takes TLS files from the remote driver options, the server name from the endpoint", () => {
    const b = resolveBuilder({ builder: "tls", env: env() });
    assert.deepEqual(b.tls, { ca: "/certs/ca.pem", cert: "/certs/cert.pem", key: "/certs/key.pem", servername: "buildkitd.example" });
  });

  it("reads a docker context with its TLS files; a docker-container node on it reaches that engine", () => {
    const b = resolveBuilder({ builder: "onctx", env: env() });
    assert.equal(b.address, "docker-container://buildx_buildkit_onctx0");
    assert.equal(b.dockerEndpoint?.host, "tcp://engine.example:2376");
    assert.match(b.dockerEndpoint?.tls?.ca ?? "", /contexts\/tls\/[0-9a-f]{64}\/docker\/ca\.pem$/);
  });

  it("refuses what buildx refuses, and drivers it cannot reach, naming the builder", () => {
    const cases: Array<[string, RegExp]> = [
      ["badopt", /builder "badopt": non-absolute path 'relative\/ca.pem' provided for cacert/],
      ["nocacert", /tls enabled, but missing keys cacert, key/],
      ["kube", /driver "kubernetes" is not supported \(supported: docker, docker-container, remote\)/],
      ["broken", /buildx builder file .*instances\/broken is not valid JSON/],
    ];
    for (const [name, msg] of cases) {
      assert.throws(
        () => resolveBuilder({ builder: name, env: env() }),
        (e: unknown) => e instanceof BuildKitError && msg.test(e.message),
        name,
      );
    }
  });

  it("an unknown name lists the builders found", () => {
    assert.throws(
      () => resolveBuilder({ builder: "nope", env: env() }),
      (e: unknown) =>
        e instanceof BuilderNotFoundError &&
        e.source === "--builder" &&
        /no builder "nope" found \(from --builder\); builders: badopt, broken, ctr, kube, multi, nocacert, onctx, sock, tls, default, other-sock, remote-engine/.test(
          e.message,
        ),
    );
    assert.throws(
      () => resolveBuilder({ env: env({ BUILDX_BUILDER: "Bad Name!" }) }),
      (e: unknown) => e instanceof BuilderNotFoundError && e.source === "BUILDX_BUILDER",
    );
  });

  describe("precedence: --builder > BUILDX_BUILDER > current builder > BUILDKIT_HOST > the current context", () => {
    const key = "unix:///var/run/docker.sock";
    const setCurrent = (c: unknown) => writeFileSync(join(dir, "buildx", "current"), JSON.stringify(c));
    const clearCurrent = () => rmSync(join(dir, "buildx", "current"), { force: true });
    after(clearCurrent);

    it("with nothing set: the default context, the engine (as before)", () => {
      clearCurrent();
      assert.deepEqual(pick(resolveBuilder({ env: env() })), { name: "default", driver: "docker", node: "default", address: "docker://", source: "default" });
      // buildx's own record of "no current builder" (written by any buildx command) changes nothing.
      setCurrent({ Key: key, Name: "", Global: false });
      assert.equal(resolveBuilder({ env: env() }).source, "default");
    });

    it("BUILDKIT_HOST before the engine; the current builder before BUILDKIT_HOST", () => {
      setCurrent({ Key: key, Name: "", Global: false });
      assert.equal(resolveBuilder({ env: env({ BUILDKIT_HOST: "tcp://127.0.0.1:9" }) }).address, "tcp://127.0.0.1:9");
      setCurrent({ Key: key, Name: "ctr", Global: false });
      const b = resolveBuilder({ env: env({ BUILDKIT_HOST: "tcp://127.0.0.1:9" }) });
      assert.deepEqual([b.name, b.source], ["ctr", "current builder"]);
    });

    it("the current builder counts for its own docker endpoint only, unless global", () => {
      setCurrent({ Key: "unix:///elsewhere.sock", Name: "ctr", Global: false });
      assert.equal(resolveBuilder({ env: env() }).name, "default");
      setCurrent({ Key: "unix:///elsewhere.sock", Name: "ctr", Global: true });
      assert.equal(resolveBuilder({ env: env() }).name, "ctr");
      // DOCKER_HOST changes the key, as in buildx.
      setCurrent({ Key: "unix:///elsewhere.sock", Name: "sock", Global: false });
      assert.equal(resolveBuilder({ env: env({ DOCKER_HOST: "unix:///elsewhere.sock" }) }).name, "sock");
      // A named current context is its own key.
      setCurrent({ Key: "other-sock", Name: "sock", Global: false });
      assert.equal(resolveBuilder({ env: env({ DOCKER_CONTEXT: "other-sock" }) }).name, "sock");
      // A current builder whose file is gone: buildx falls back to the context's builder.
      setCurrent({ Key: key, Name: "gone", Global: false });
      assert.equal(resolveBuilder({ env: env() }).name, "default");
    });

    it("`docker buildx use --default` files the builder under the key's hash", () => {
      clearCurrent();
      mkdirSync(join(dir, "buildx", "defaults"), { recursive: true });
      writeFileSync(join(dir, "buildx", "defaults", endpointKeyHash(key)), "multi");
      try {
        assert.equal(resolveBuilder({ env: env() }).name, "multi");
      } finally {
        rmSync(join(dir, "buildx", "defaults", endpointKeyHash(key)));
      }
    });

    it("BUILDX_BUILDER before the current builder; --builder before both", () => {
      setCurrent({ Key: key, Name: "ctr", Global: true });
      assert.equal(resolveBuilder({ env: env({ BUILDX_BUILDER: "sock" }) }).name, "sock");
      assert.equal(resolveBuilder({ builder: "multi", env: env({ BUILDX_BUILDER: "sock" }) }).name, "multi");
    });

    it("the current docker context (config.json, DOCKER_CONTEXT) is the default builder", () => {
      clearCurrent();
      writeFileSync(join(dir, "config.json"), JSON.stringify({ currentContext: "other-sock" }));
      try {
        assert.equal(resolveBuilder({ env: env() }).address, "docker:///run/other/docker.sock");
        // DOCKER_HOST wins over the stored context, as in the docker CLI.
        assert.equal(resolveBuilder({ env: env({ DOCKER_HOST: "unix:///x.sock" }) }).name, "default");
      } finally {
        writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: {} }));
      }
    });

    it("BUILDX_CONFIG moves the buildx directory", () => {
      const other = mkdtempSync(join(tmpdir(), "lfs-buildx-config-"));
      try {
        assert.throws(() => resolveBuilder({ builder: "ctr", env: env({ BUILDX_CONFIG: other }) }), BuilderNotFoundError);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });

  it("buildx.build.ref and descriptions", () => {
    const b = resolveBuilder({ builder: "ctr", env: env() });
    assert.equal(buildxBuildRef(b, "abc"), "ctr/ctr0/abc");
    assert.equal(describeBuilder(b), 'builder "ctr" (docker-container, node ctr0, from --builder)');
    const d = resolveBuilder({ env: env() });
    assert.equal(buildxBuildRef(d, "abc"), "default/default/abc");
    assert.equal(buildxBuildRef(resolveBuilder({ builder: "unix:///x.sock", env: env() }), "abc"), undefined);
  });
});
