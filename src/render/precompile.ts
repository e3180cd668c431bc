/**
 * The templates `npm run build` compiles ahead of time (scripts/precompile-templates.mjs): every
 * template and partial of templates/ and every section script of the books in stages/, in both
 * editions. `lfs-docker generate` then loads Handlebars' runtime only and compiles nothing
 * (bench/cold-start.mjs); other templates (a book of one's own) compile when first used.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { availableReleases, editionSections, loadBook } from "../book/load.js";
import { EDITIONS } from "../book/types.js";
import { templatesDir } from "../paths.js";
import { HANDLEBARS_VERSION, precompile, templateKey } from "./engine.js";

/** The sources of the package's own templates and its books' section scripts, each once. */
export function packagedTemplateSources(): string[] {
  const sources = new Set<string>();
  for (const dir of [templatesDir(), join(templatesDir(), "partials")]) {
    for (const file of readdirSync(dir).sort()) if (file.endsWith(".hbs")) sources.add(readFileSync(join(dir, file), "utf8"));
  }
  for (const release of availableReleases()) {
    const book = loadBook(release);
    for (const edition of EDITIONS) for (const s of editionSections(book, edition)) if (s.script) sources.add(s.script.body);
  }
  return [...sources];
}

/** The CommonJS module holding the precompiled templates (a PrecompiledTemplates), as text. */
export function precompiledModule(sources: readonly string[]): string {
  const entries = sources.map((s) => `    ${JSON.stringify(templateKey(s))}: ${precompile(s)},\n`);
  return `// Written by scripts/precompile-templates.mjs (npm run build): lfs-docker's templates, precompiled.\n"use strict";\nmodule.exports = {\n  handlebars: ${JSON.stringify(HANDLEBARS_VERSION)},\n  templates: {\n${entries.join("")}  },\n};\n`;
}
