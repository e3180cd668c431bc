import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type HandlebarsModule from "handlebars";
import { templatesDir } from "../paths.js";
import { registerStepHelpers } from "./step-map.js";

type Handlebars = typeof HandlebarsModule;

/** A Handlebars environment with lfs-docker's helpers and partials: Handlebars' runtime, no compiler. */
export type TemplateEngine = Pick<Handlebars, "template" | "registerHelper" | "registerPartial" | "VERSION">;
export type Template = HandlebarsModule.TemplateDelegate;
export type TemplateSpec = Parameters<Handlebars["template"]>[0];

/** Templates compiled ahead of time: Handlebars' version that compiled them, and each one by templateKey. */
export interface PrecompiledTemplates {
  handlebars: string;
  templates: Readonly<Record<string, TemplateSpec>>;
}

/** How every template is compiled: noEscape (this is shell and Dockerfile, not HTML), strict (a missing value is an error). */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/** What `npm run build` writes (scripts/precompile-templates.mjs), beside this module in dist/. */
export const PRECOMPILED_FILE = "precompiled-templates.cjs";

const require = createRequire(import.meta.url);
// The runtime alone: a precompiled template needs no compiler, and the compiler (with source-map)
// doubles Handlebars' load time. It is loaded when a template was not precompiled (a book of one's own).
const runtime = require("handlebars/runtime") as Handlebars;
let compiler: Handlebars | undefined;

/** The version of Handlebars that runs (and compiles) the templates. */
export const HANDLEBARS_VERSION = runtime.VERSION;

/** What is known of each engine's precompiled templates. */
const precompiledBy = new WeakMap<TemplateEngine, Readonly<Record<string, TemplateSpec>>>();

/** What a section body sees, besides the block helpers. */
export interface ScriptContext {
  sysv: boolean;
  systemd: boolean;
  tests: boolean;
  [key: string]: unknown;
}

const TEST_PLACEHOLDER = "# (test suite not run: `lfs-docker generate --tests` includes the book's test commands here)\n";

/** The key of a template's source among the precompiled ones. */
export function templateKey(source: string): string {
  return createHash("sha256").update(source).digest("base64url");
}

let built: PrecompiledTemplates | null | undefined;

/**
 * The templates the build precompiled: the package's templates and its books' section scripts. None
 * when the build did not make them (`tsc` alone) or another Handlebars did: every template is then
 * compiled when it is loaded, as a book of one's own always is.
 */
export function builtTemplates(): PrecompiledTemplates | null {
  if (built !== undefined) return built;
  try {
    built = require(`./${PRECOMPILED_FILE}`) as PrecompiledTemplates;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
    built = null;
  }
  if (built && built.handlebars !== HANDLEBARS_VERSION) built = null;
  return built;
}

/**
 * An isolated Handlebars instance: noEscape, strict (COMPILE_OPTIONS), with the block helpers section
 * scripts use and every partial of templates/partials registered, compiled as every template is.
 */
export function createEngine(precompiled: PrecompiledTemplates | null = builtTemplates()): TemplateEngine {
  const hb = runtime.create();
  if (precompiled) precompiledBy.set(hb, precompiled.templates);
  const flag = (name: "sysv" | "systemd" | "tests") =>
    function (this: ScriptContext, options: HandlebarsModule.HelperOptions): string {
      const root = (options.data as { root: ScriptContext }).root;
      if (root[name]) return options.fn(this);
      return name === "tests" ? TEST_PLACEHOLDER : "";
    };
  hb.registerHelper("sysv", flag("sysv"));
  hb.registerHelper("systemd", flag("systemd"));
  hb.registerHelper("tests", flag("tests"));
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  // The Dockerfile's stages and counted steps, for the map from each step to its book section.
  registerStepHelpers(hb);
  /** Prefix every line of a text with `# ` (for explanations printed in the Dockerfile). */
  hb.registerHelper("comment", (text: string, indent?: unknown) => {
    const pad = typeof indent === "string" ? indent : "";
    return wrap(String(text), 96)
      .map((l) => `#${pad}${l ? " " + l : ""}`)
      .join("\n");
  });
  // Registered compiled, not as text: Handlebars would compile text partials without COMPILE_OPTIONS
  // when the template calling them was precompiled.
  const partials = join(templatesDir(), "partials");
  for (const file of readdirSync(partials)) {
    if (file.endsWith(".hbs")) hb.registerPartial(file.slice(0, -4), compile(hb, readFileSync(join(partials, file), "utf8")));
  }
  return hb;
}

/** Precompile one template with COMPILE_OPTIONS: the JavaScript source of its specification. */
export function precompile(source: string): string {
  compiler ??= require("handlebars") as Handlebars;
  // A copy: precompile() adds its defaults to the options it is given.
  return compiler.precompile(source, { ...COMPILE_OPTIONS }) as unknown as string;
}

/** A template of the engine: its precompiled specification, else the source compiled now (the same way). */
export function compile(hb: TemplateEngine, source: string): Template {
  const spec = precompiledBy.get(hb)?.[templateKey(source)];
  // Handlebars' own compile() makes a Function of the code it generates in the same way.
  return hb.template(spec ?? (new Function(`return ${precompile(source)};`)() as TemplateSpec));
}

export function loadTemplate(hb: TemplateEngine, name: string): Template {
  return compile(hb, readFileSync(join(templatesDir(), name), "utf8"));
}

/** Greedy word wrap of each paragraph (lines are kept). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
