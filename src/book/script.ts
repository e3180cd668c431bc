import { BookError } from "../errors.js";
import { dockerfileProblem } from "../text/dockerfile-value.js";
import { asString, RULES, type Place, type StringRule } from "./fields.js";
import type { ScriptHeader, SectionUser, StageName } from "./types.js";
import { STAGE_NAMES } from "./types.js";

const HEADER_LINE = /^#\s*@([a-z]+):\s*(.*?)\s*$/;
const KEYS = new Set(["unpack", "dir", "uses", "user", "stage", "container", "secret"]);
const SECRET: StringRule = { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, max: 64, kind: "line", accepted: "a secret id (letters, digits, _ . -)" };
const CONTAINER = RULES.line(2000);

/** Check the values of the header fields that reach the Dockerfile (file names, directory, secret id, text). */
function checkFields(path: string, fields: Record<string, string>): void {
  const place = (key: string): Place => ({ file: path, path: `@${key}` });
  if (fields.unpack !== undefined) asString(place("unpack"), fields.unpack, RULES.fileName);
  if (fields.dir !== undefined) asString(place("dir"), fields.dir, RULES.relativeDir);
  for (const f of fields.uses?.split(/\s+/).filter(Boolean) ?? []) asString(place("uses"), f, RULES.fileName);
  if (fields.secret !== undefined) asString(place("secret"), fields.secret, SECRET);
  if (fields.container !== undefined) asString(place("container"), fields.container, CONTAINER);
}

/** Split a section script into its `# @key: value` header and its body (the commands). */
export function parseScript(path: string, text: string): { header: ScriptHeader; body: string } {
  const lines = text.split("\n");
  const fields: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = HEADER_LINE.exec(lines[i] ?? "");
    if (!m) break;
    const [, key = "", value = ""] = m;
    if (!KEYS.has(key)) throw new BookError(path, `unknown header key @${key}; known: ${[...KEYS].map((k) => "@" + k).join(", ")}`);
    if (key in fields) throw new BookError(path, `header key @${key} given twice`);
    fields[key] = value;
  }
  const body = lines.slice(i).join("\n").replace(/^\n+/, "").replace(/\s+$/, "");
  checkFields(path, fields);
  const bodyProblem = dockerfileProblem(body, "text");
  if (bodyProblem)
    throw new BookError(path, `${bodyProblem}; accepted: shell commands without control characters (but tab) or heredoc delimiters alone on a line`);
  const user = fields.user;
  if (user !== undefined && user !== "root" && user !== "lfs") throw new BookError(path, `@user must be root or lfs, not ${JSON.stringify(user)}`);
  const stage = fields.stage;
  if (stage !== undefined && !(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new BookError(path, `@stage must be one of ${STAGE_NAMES.join(", ")}, not ${JSON.stringify(stage)}`);
  }
  if (fields.container !== undefined && body.split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("#"))) {
    throw new BookError(path, "a @container section has no commands: its body must be empty");
  }
  if (fields.dir !== undefined && fields.unpack === undefined) throw new BookError(path, "@dir without @unpack");
  const header: ScriptHeader = {
    ...(fields.unpack !== undefined && { unpack: fields.unpack }),
    ...(fields.dir !== undefined && { dir: fields.dir }),
    uses: fields.uses ? fields.uses.split(/\s+/).filter(Boolean) : [],
    ...(user !== undefined && { user: user as SectionUser }),
    ...(stage !== undefined && { stage: stage as StageName }),
    ...(fields.container !== undefined && { container: fields.container }),
    ...(fields.secret !== undefined && { secret: fields.secret }),
  };
  return { header, body };
}

/** The top directory a tarball unpacks to, by the book's naming: the file name without `.tar.*`. */
export function defaultSourceDir(file: string): string {
  return file.replace(/\.(tar\.(gz|xz|bz2|zst|lz)|tgz|tar)$/, "");
}
