#!/usr/bin/env node
// Write the generated files committed to the repository (dockerfiles/*.Dockerfile, docker-bake.hcl)
// from the compiled generator. `npm run regenerate` builds first. A unit test fails when they are stale.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { committedFiles } from "../dist/src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
for (const [path, text] of committedFiles()) {
  const file = join(root, path);
  let old;
  try {
    old = readFileSync(file, "utf8");
  } catch {
    old = undefined;
  }
  if (old === text) continue;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${path}`);
}
