#!/usr/bin/env node
// Generates the TypeScript types of the BuildKit wire from our .proto definitions
// (src/buildkit/wire/protos.ts) with @grpc/proto-loader's proto-loader-gen-types, into
// src/buildkit/wire/generated/ (checked in: `npm run wire:types` after changing protos.ts;
// test/unit/wire-types.test.ts fails while they differ).
//
//   node scripts/wire-types.mjs [OUT_DIR]      (default src/buildkit/wire/generated)
//
// The options match the loader's (src/buildkit/wire/load.ts: keepCase, longs as strings, defaults,
// oneofs), so the `__Output` types are what the loader decodes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = process.argv[2] ?? join(root, "src", "buildkit", "wire", "generated");

// protos.ts imports nothing: transpiled on its own, it runs without a build.
const source = readFileSync(join(root, "src", "buildkit", "wire", "protos.ts"), "utf8");
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
const { PROTO_FILES, ENTRY_PROTOS } = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);

const dir = mkdtempSync(join(tmpdir(), "lfs-docker-wire-types-"));
try {
  for (const [name, text] of Object.entries(PROTO_FILES)) writeFileSync(join(dir, name), text);
  const bin = createRequire(import.meta.url).resolve("@grpc/proto-loader/build/bin/proto-loader-gen-types.js");
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      bin,
      "--keepCase",
      "--longs=String",
      "--defaults",
      "--oneofs",
      "--grpcLib=@grpc/grpc-js",
      "--importFileExtension=.js",
      "-I",
      ".",
      "-O",
      out,
      ...ENTRY_PROTOS,
    ],
    { cwd: dir, stdio: ["ignore", "inherit", "inherit"] },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
