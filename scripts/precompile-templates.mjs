#!/usr/bin/env node
// Precompile lfs-docker's templates and its books' section scripts into dist/ (after tsc: `npm run
// build` runs both), so that `lfs-docker generate` needs Handlebars' runtime only. See src/render/precompile.ts.
import { renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PRECOMPILED_FILE } from "../dist/src/render/engine.js";
import { packagedTemplateSources, precompiledModule } from "../dist/src/render/precompile.js";

const file = fileURLToPath(new URL(`../dist/src/render/${PRECOMPILED_FILE}`, import.meta.url));
writeFileSync(`${file}.tmp`, precompiledModule(packagedTemplateSources()));
renameSync(`${file}.tmp`, file);
