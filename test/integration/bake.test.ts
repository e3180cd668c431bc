import { test, before } from "node:test";
import assert from "node:assert/strict";
import { packageRoot } from "../../src/paths.js";
import { committedDockerfiles } from "../../src/render/bake.js";
import { requireEngine, run } from "../helpers/engine.js";

interface BakePrint {
  group: Record<string, { targets: string[] }>;
  target: Record<
    string,
    {
      dockerfile: string;
      target: string;
      output: string[];
      platforms: string[];
      args: Record<string, string>;
      contexts?: Record<string, string>;
      "cache-from"?: unknown[];
      "cache-to"?: unknown[];
    }
  >;
}

before(() => {
  requireEngine();
});

const bakePrint = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<BakePrint> => {
  const r = await run("docker", ["buildx", "bake", "--print", ...args], { cwd: packageRoot(), env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as BakePrint;
};

test("docker buildx bake --print accepts the bake file: default group, one target per arch and edition", async () => {
  const def = await bakePrint([]);
  assert.deepEqual(Object.keys(def.target), ["x86_64-sysv"]);
  const t = def.target["x86_64-sysv"]!;
  assert.equal(t.dockerfile, "dockerfiles/lfs-12.3-x86_64-sysv.Dockerfile");
  assert.equal(t.target, "iso");
  assert.deepEqual(t.output, ["type=local,dest=out/x86_64-sysv"]);
  assert.deepEqual(t.platforms, ["linux/amd64"]);
  assert.equal(t.contexts, undefined, "no sources context unless SOURCES_DIR is set");

  const all = await bakePrint(["all"]);
  assert.deepEqual(
    Object.keys(all.target).sort(),
    committedDockerfiles()
      .map((f) => f.target)
      .sort(),
  );
});

test("bake variables: images, jobs, a sources directory and the output directory", async () => {
  const p = await bakePrint(["x86_64-systemd"], { HOST_IMAGE: "example/host:1", JOBS: "3", SOURCES_DIR: "/srv/lfs-sources", OUTPUT_DIR: "/tmp/lfs-out" });
  const t = p.target["x86_64-systemd"]!;
  assert.equal(t.args.HOST_IMAGE, "example/host:1");
  assert.equal(t.args.JOBS, "3");
  assert.deepEqual(t.contexts, { sources: "/srv/lfs-sources" });
  assert.deepEqual(t.output, ["type=local,dest=/tmp/lfs-out/x86_64-systemd"]);
});

/** A cache entry as `bake --print` shows it: a CSV string (buildx 0.13), or an object (later buildx). */
const csv = (e: unknown): string =>
  typeof e === "string"
    ? e
    : Object.entries(e as Record<string, string>)
        .sort(([a], [b]) => (a === "type" ? -1 : b === "type" ? 1 : a === "ref" ? -1 : b === "ref" ? 1 : a.localeCompare(b)))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");

test("bake LFS_CACHE: no cache unless set; set, each target imports and exports REPOSITORY:TARGET with mode=max", async () => {
  const none = await bakePrint(["x86_64-sysv", "aarch64-systemd"], { LFS_CACHE: "" });
  for (const t of Object.values(none.target)) {
    assert.deepEqual(t["cache-from"] ?? [], []);
    assert.deepEqual(t["cache-to"] ?? [], []);
  }
  const set = await bakePrint(["x86_64-sysv", "aarch64-systemd"], { LFS_CACHE: "127.0.0.1:5000/lfs-cache" });
  for (const name of ["x86_64-sysv", "aarch64-systemd"]) {
    const t = set.target[name]!;
    assert.deepEqual((t["cache-from"] ?? []).map(csv), [`type=registry,ref=127.0.0.1:5000/lfs-cache:${name}`]);
    assert.deepEqual((t["cache-to"] ?? []).map(csv), [`type=registry,ref=127.0.0.1:5000/lfs-cache:${name},mode=max`]);
  }
});
