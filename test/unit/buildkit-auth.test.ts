/**
 * Registry credentials from a docker config: auths entries, Docker Hub's key, identity tokens,
 * credential helpers (a real helper program written to a temporary PATH directory), and errors.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { BuildKitError, dockerConfigCredentials, registryHostname } from "../../src/buildkit/index.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("registry credentials from the docker config", () => {
  let dir: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "lfs-auth-"));
    bin = join(dir, "bin");
    await mkdir(bin);
    // A credential helper: knows helper.example (user) and token.example (identity token), logs
    // the server URL it was asked for, and answers "not found" otherwise, as the real ones do.
    const helper = [
      "#!/bin/sh",
      '[ "$1" = get ] || exit 3',
      "read -r url",
      'echo "$url" >> "$HELPER_LOG"',
      'case "$url" in',
      '  helper.example) echo \'{"ServerURL":"helper.example","Username":"hu","Secret":"hs"}\' ;;',
      '  token.example) echo \'{"ServerURL":"token.example","Username":"<token>","Secret":"tok"}\' ;;',
      '  broken.example) echo "keychain locked" >&2; exit 1 ;;',
      '  *) echo "credentials not found in native keychain"; exit 1 ;;',
      "esac",
      "",
    ].join("\n");
    await writeFile(join(bin, "docker-credential-fake"), helper);
    await chmod(join(bin, "docker-credential-fake"), 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, HELPER_LOG: join(dir, "helper.log") };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function config(name: string, value: unknown): Promise<string> {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "config.json"), typeof value === "string" ? value : JSON.stringify(value));
    return d;
  }

  it("normalizes registry keys as the docker CLI compares them", () => {
    assert.equal(registryHostname("https://index.docker.io/v1/"), "index.docker.io");
    assert.equal(registryHostname("registry-1.docker.io"), "index.docker.io");
    assert.equal(registryHostname("http://127.0.0.1:5000"), "127.0.0.1:5000");
    assert.equal(registryHostname("GHCR.io/some/path"), "ghcr.io");
  });

  it("reads auths: base64 user:password (a colon in the password), Docker Hub, identity tokens", async () => {
    const configDir = await config("auths", {
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
        "ghcr.io": { identitytoken: "id-token" },
        "http://127.0.0.1:5000": { username: "plain", password: "pw" },
        "empty.example": {},
      },
    });
    const get = dockerConfigCredentials({ configDir, env });
    assert.deepEqual(await get("registry-1.docker.io"), { username: "hubuser", secret: "hub:pass" });
    assert.deepEqual(await get("ghcr.io"), { username: "", secret: "id-token" });
    assert.deepEqual(await get("127.0.0.1:5000"), { username: "plain", secret: "pw" });
    assert.equal(await get("empty.example"), undefined);
    assert.equal(await get("quay.io"), undefined);
  });

  it("takes $DOCKER_CONFIG when no directory is given; no config file means anonymous", async () => {
    const configDir = await config("env", { auths: { "env.example": { auth: b64("e:f") } } });
    assert.deepEqual(await dockerConfigCredentials({ env: { ...env, DOCKER_CONFIG: configDir } })("env.example"), { username: "e", secret: "f" });
    assert.equal(await dockerConfigCredentials({ configDir: join(dir, "nowhere"), env })("env.example"), undefined);
  });

  it("asks credHelpers and credsStore, falling back to auths when the helper has nothing", async () => {
    const configDir = await config("helpers", {
      credsStore: "fake",
      credHelpers: { "per-registry.example": "fake" },
      auths: { "fallback.example": { auth: b64("fb:pw") } },
    });
    const get = dockerConfigCredentials({ configDir, env });
    assert.deepEqual(await get("helper.example"), { username: "hu", secret: "hs" });
    assert.deepEqual(await get("token.example"), { username: "", secret: "tok" });
    assert.deepEqual(await get("fallback.example"), { username: "fb", secret: "pw" });
    assert.equal(await get("per-registry.example"), undefined);
    // Docker Hub is asked for under the key the CLI stores it with.
    assert.equal(await get("registry-1.docker.io"), undefined);
    const asked = (await readFile(join(dir, "helper.log"), "utf8")).trim().split("\n");
    assert.ok(asked.includes("https://index.docker.io/v1/"), asked.join(","));
  });

  it("fails clearly: a config that is not JSON, a bad auth value, a helper that fails or is missing", async () => {
    const notJson = dockerConfigCredentials({ configDir: await config("bad-json", '{"auths": '), env });
    await assert.rejects(
      notJson("x.example"),
      (e: unknown) => e instanceof BuildKitError && e.code === "AUTH" && /bad-json\/config\.json is not valid JSON/.test(e.message),
    );
    const badAuth = dockerConfigCredentials({ configDir: await config("bad-auth", { auths: { "x.example": { auth: b64("no-colon") } } }), env });
    await assert.rejects(badAuth("x.example"), /"auth" value for x\.example .* is not base64 of user:password/);
    const failing = dockerConfigCredentials({ configDir: await config("failing", { credsStore: "fake" }), env });
    await assert.rejects(failing("broken.example"), /credential helper docker-credential-fake failed for broken\.example \(exit 1\): keychain locked/);
    const missing = dockerConfigCredentials({ configDir: await config("missing", { credsStore: "absent-helper" }), env });
    await assert.rejects(missing("x.example"), /cannot run the credential helper docker-credential-absent-helper/);
  });
});
