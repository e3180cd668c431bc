/**
 * `lfs-docker build`'s buildx flags: each bad value is refused with exit 2 and one line naming it and
 * what is accepted, before any builder is asked (the docker config is an empty temporary directory,
 * so no builder is reachable and none is needed).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { checkPlatform, dockerfileStages } from "../../src/build.js";
import { generate } from "../../src/render/dockerfile.js";
import { packageRoot } from "../../src/paths.js";

const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
const work = mkdtempSync(join(tmpdir(), "lfs-build-flags-"));
const dockerConfig = mkdtempSync(join(tmpdir(), "lfs-docker-config-"));
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(dockerConfig, { recursive: true, force: true });
});
const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, "build", ...args], {
    encoding: "utf8",
    cwd: work,
    env: { PATH: process.env.PATH ?? "", DOCKER_CONFIG: dockerConfig, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test("build refuses bad buildx flags with exit 2, before asking a builder", () => {
  writeFileSync(join(work, "taken.json"), "{}");
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [
      ["--platform", "linux/arm64"],
      {},
      /invalid --platform "linux\/arm64" \(lfs-docker builds one architecture at a time: use --arch aarch64\); accepted: linux\/amd64/,
    ],
    [["--arch", "aarch64", "--platform", "linux/amd64"], {}, /use --arch x86_64\); accepted: linux\/arm64/],
    [
      ["--platform", "linux/s390x"],
      {},
      /invalid --platform "linux\/s390x" \(the platform of the architecture being built; choose the architecture with --arch \(x86_64, aarch64\)\)/,
    ],
    [["--allow", "fs.read=/"], {}, /invalid --allow "fs.read=\/"; accepted: network.host, security.insecure/],
    [["--no-cache-filter", "gcc"], {}, /invalid --no-cache-filter "gcc" \(not a stage of the generated Dockerfile\); accepted: .*host.*system.*iso/],
    [["--push"], {}, /invalid --push .*an image name to push to/],
    [["-o", "type=oci"], {}, /type=oci needs dest=FILE/],
    // -o - is standard output (parsed, so the next check speaks); -o repeats.
    [["-o", "-", "--platform", "linux/s390x"], {}, /invalid --platform "linux\/s390x"/],
    [["-o", "-", "-o", "type=docker,dest=-"], {}, /invalid --output "dest=- twice"; accepted: one output to standard output/],
    [["--tag", "Bad"], {}, /invalid --tag "Bad"/],
    [["--metadata-file", "taken.json"], {}, /invalid --metadata-file "taken.json" \(exists\); accepted: a name not already taken, or --force/],
    [["--builder", "nope"], {}, /invalid --builder "nope" \(no such builder instance or docker context; an address .* is accepted too\); accepted: default/],
    [[], { BUILDX_BUILDER: "nope" }, /invalid BUILDX_BUILDER "nope"/],
  ];
  for (const [args, env, pattern] of cases) {
    const r = cli(args, env);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(r.stdout, "");
  }
  assert.deepEqual(readdirSync(work), ["taken.json"], "nothing was created");
});

test("the generated Dockerfile's stages, for --no-cache-filter", () => {
  assert.deepEqual(dockerfileStages(generate()), [
    "sources-download",
    "sources-verify",
    "sources",
    "host",
    "toolchain",
    "kernel",
    "system",
    "iso-builder",
    "iso",
  ]);
});

test("--platform: the architecture's own platform is accepted, in any of buildx's spellings", () => {
  checkPlatform(undefined, "linux/amd64");
  checkPlatform("linux/amd64", "linux/amd64");
  checkPlatform(["linux/amd64", "linux/amd64"], "linux/amd64");
  assert.throws(() => checkPlatform("linux/amd64,linux/arm64", "linux/amd64"), /use --arch aarch64/);
});
