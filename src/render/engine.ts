import Handlebars from "handlebars";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { templatesDir } from "../paths.js";

export type TemplateEngine = typeof Handlebars;

/** What a section body sees, besides the block helpers. */
export interface ScriptContext {
  sysv: boolean;
  systemd: boolean;
  tests: boolean;
  [key: string]: unknown;
}

const TEST_PLACEHOLDER = "# (test suite not run: `lfs-docker generate --tests` includes the book's test commands here)\n";

/**
 * An isolated Handlebars instance: noEscape (this is shell and Dockerfile, not HTML), strict (a
 * missing value is an error), with the block helpers section scripts use and every partial of
 * templates/partials registered.
 */
export function createEngine(): TemplateEngine {
  const hb = Handlebars.create();
  const flag = (name: "sysv" | "systemd" | "tests") =>
    function (this: ScriptContext, options: Handlebars.HelperOptions): string {
      const root = (options.data as { root: ScriptContext }).root;
      if (root[name]) return options.fn(this);
      return name === "tests" ? TEST_PLACEHOLDER : "";
    };
  hb.registerHelper("sysv", flag("sysv"));
  hb.registerHelper("systemd", flag("systemd"));
  hb.registerHelper("tests", flag("tests"));
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  /** Prefix every line of a text with `# ` (for explanations printed in the Dockerfile). */
  hb.registerHelper("comment", (text: string, indent?: unknown) => {
    const pad = typeof indent === "string" ? indent : "";
    return wrap(String(text), 96)
      .map((l) => `#${pad}${l ? " " + l : ""}`)
      .join("\n");
  });
  const partials = join(templatesDir(), "partials");
  for (const file of readdirSync(partials)) {
    if (file.endsWith(".hbs")) hb.registerPartial(file.slice(0, -4), readFileSync(join(partials, file), "utf8"));
  }
  return hb;
}

export function compile(hb: TemplateEngine, source: string): Handlebars.TemplateDelegate {
  return hb.compile(source, { noEscape: true, strict: true });
}

export function loadTemplate(hb: TemplateEngine, name: string): Handlebars.TemplateDelegate {
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
