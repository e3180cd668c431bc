import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { committedFiles } from "../../src/render/bake.js";
import { packageRoot } from "../../src/paths.js";

test("the committed Dockerfiles and docker-bake.hcl are current (run `npm run regenerate` after changing templates or stages)", () => {
  const files = committedFiles();
  assert.ok(files.size >= 3);
  for (const [path, expected] of files) {
    let actual: string;
    try {
      actual = readFileSync(join(packageRoot(), path), "utf8");
    } catch {
      assert.fail(`${path} is missing: run npm run regenerate`);
    }
    assert.ok(actual === expected, `${path} is stale: run npm run regenerate`);
  }
});

test("the bake file has one target per architecture and edition, a default group and local outputs", () => {
  const bake = committedFiles().get("docker-bake.hcl")!;
  assert.match(bake, /^group "default" \{\n {2}targets = \["x86_64-sysv"\]\n\}$/m);
  assert.match(bake, /^target "x86_64-sysv" \{$/m);
  assert.match(bake, /^target "x86_64-systemd" \{$/m);
  assert.match(bake, /output {5}= \["type=local,dest=\$\{OUTPUT_DIR\}\/x86_64-systemd"\]/);
});

test("no step pipes into a reader that can stop early (head, grep -q, grep -m): under pipefail the writer's SIGPIPE fails the step now and then", () => {
  // Seen in CI: `make --version | head -n1` exited 141 in about 1 run of 300.
  const early = /\|\s*(head\b|grep\s+(-\w*[qm]|--quiet|--max-count))/;
  for (const [path, text] of committedFiles()) {
    if (!path.endsWith(".Dockerfile")) continue;
    assert.match(text, /set -euo pipefail/, path);
    const bad = text
      .split("\n")
      .map((l, i) => [i + 1, l] as const)
      .filter(([, l]) => !/^\s*#/.test(l) && early.test(l));
    assert.deepEqual(bad, [], `${path}: ${bad.map(([n, l]) => `line ${n}: ${l.trim()}`).join("; ")}`);
  }
});
