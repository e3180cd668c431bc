// The checked-in wire types (src/buildkit/wire/generated/) are what scripts/wire-types.mjs makes
// from src/buildkit/wire/protos.ts today: a change to the .proto text without `npm run wire:types` fails here.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

import { packageRoot } from "../../src/paths.js";

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

describe("generated wire types", () => {
  it("match what scripts/wire-types.mjs generates from protos.ts", () => {
    const root = packageRoot();
    const tmp = mkdtempSync(join(tmpdir(), "lfs-docker-wire-types-test-"));
    try {
      execFileSync(process.execPath, [join(root, "scripts", "wire-types.mjs"), join(tmp, "out")], { stdio: "pipe" });
      const want = files(join(tmp, "out"));
      const have = files(join(root, "src", "buildkit", "wire", "generated"));
      assert.ok(want.size > 40, `the generator wrote ${want.size} files`);
      assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort(), "the same files (run `npm run wire:types`)");
      for (const [name, text] of want) assert.equal(have.get(name), text, `${name} is out of date (run \`npm run wire:types\`)`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
