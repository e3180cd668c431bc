import assert from "node:assert/strict";
import { test } from "node:test";

import type { GenerateOptions } from "../../src/options.js";
import { generate } from "../../src/render/dockerfile.js";
import { builtTemplates, createEngine, PRECOMPILED_FILE, templateKey } from "../../src/render/engine.js";
import { packagedTemplateSources } from "../../src/render/precompile.js";

test("the build precompiled every template and section script of the package", () => {
  const built = builtTemplates();
  assert.ok(built, `dist/src/render/${PRECOMPILED_FILE} is missing or from another Handlebars: \`npm run build\` writes it`);
  const sources = packagedTemplateSources();
  assert.ok(sources.length > 100, `${sources.length} sources`);
  const missing = sources.filter((s) => !(templateKey(s) in built.templates));
  assert.deepEqual(
    missing.map((s) => s.slice(0, 80)),
    [],
  );
});

test("precompiled templates render what the same templates compiled at run time render", () => {
  const built = builtTemplates();
  assert.ok(built);
  const precompiled = createEngine(built);
  const compiled = createEngine(null);
  const cases: GenerateOptions[] = [
    { arch: "x86_64", init: "sysv" },
    { arch: "x86_64", init: "systemd", tests: true },
    { arch: "aarch64", init: "sysv", tests: true },
    { arch: "aarch64", init: "systemd", until: "8.10" },
  ];
  for (const options of cases) {
    assert.equal(generate(options, precompiled), generate(options, compiled), JSON.stringify(options));
  }
});
